package main

import (
	"math"
	"reflect"
	"runtime"
	"unsafe"
)

// growing mirrors gclab's `growing` workload (framework/workloads/growing.py) with one
// goroutine: BaseObjects permanent objects (globals [Peak, Peak+Base)), then `phases`
// times: allocate Peak live objects into globals [0, Peak), each followed by `churn`
// pointer-free garbage allocations (floor(churn), plus one with probability
// churn - floor(churn)); set every phase global to nil (the drop); then flatAllocs
// pointer-free garbage allocations while only the base set is live.
//
// Sizes are log-uniform in [minSize, maxSize]: floor(exp(U(log lo, log(hi+1)))), clipped,
// as in gclab's log_uniform_sizes. A live object has GPtrsGrow leading pointer fields,
// each nil with probability nilFrac (always for an object with no earlier object) else
// pointing at a uniformly chosen earlier object of the same set. The base set is built
// the same way (pointers into the base set) without churn.
//
// Objects of arbitrary size with leading pointer fields are allocated through a
// reflect.StructOf type per size, so reflect.New is runtime.mallocgc(size, type, true)
// like new(T) (malloc.go: newobject and reflect_unsafe_New are the same call); a size
// with pointers is rounded up to 8 bytes by the struct's alignment, which never changes
// its size class. Garbage is make([]byte, size): pointer-free (noscan), exact size.

var grow [GrowSlots]unsafe.Pointer

type sizedTypes struct {
	ptrs  int
	types []reflect.Type // by size, built lazily
}

func (st *sizedTypes) alloc(size int) unsafe.Pointer {
	t := st.types[size]
	if t == nil {
		ptr := reflect.TypeOf(unsafe.Pointer(nil))
		fields := []reflect.StructField{{Name: "P", Type: reflect.ArrayOf(st.ptrs, ptr)}}
		if pad := size - 8*st.ptrs; pad > 0 {
			fields = append(fields, reflect.StructField{Name: "Pad", Type: reflect.ArrayOf(pad, reflect.TypeOf(byte(0)))})
		}
		t = reflect.StructOf(fields)
		st.types[size] = t
	}
	return reflect.New(t).UnsafePointer()
}

type sizer struct {
	lo, span float64
	min, max int
}

func newSizer(min, max int) sizer {
	return sizer{math.Log(float64(min)), math.Log(float64(max+1)) - math.Log(float64(min)), min, max}
}

func (s sizer) size(r *rng) int {
	n := int(math.Exp(s.lo + s.span*r.float()))
	if n < s.min {
		return s.min
	}
	if n > s.max {
		return s.max
	}
	return n
}

// fill allocates live objects into grow[from:to], pointing into grow[from:i).
func fill(o *options, r *rng, st *sizedTypes, sz sizer, from, to int, churn bool) {
	var last []byte
	whole := int(o.churn)
	frac := o.churn - float64(whole)
	for i := from; i < to; i++ {
		p := st.alloc(sz.size(r))
		fields := (*[1 << 20]unsafe.Pointer)(p)[:st.ptrs:st.ptrs]
		for f := range fields {
			if i > from && r.float() >= o.nilFrac {
				fields[f] = grow[from+int(r.float()*float64(i-from))]
			}
		}
		grow[i] = p
		if !churn {
			continue
		}
		n := whole
		if frac > 0 && r.float() < frac {
			n++
		}
		for c := 0; c < n; c++ {
			last = make([]byte, sz.size(r))
		}
	}
	runtime.KeepAlive(last)
}

func runGrowing(o *options, rep *report) {
	r := newRNG(o.seed)
	sz := newSizer(o.minSize, o.maxSize)
	st := &sizedTypes{ptrs: o.pointers, types: make([]reflect.Type, o.maxSize+1)}
	peak := o.peak
	if peak+o.base > GrowSlots {
		panic("peak + base exceeds GrowSlots")
	}
	fill(o, &r, st, sz, peak, peak+o.base, false)
	rep.phase("base")
	var last []byte
	for ph := 0; ph < o.phases; ph++ {
		fill(o, &r, st, sz, 0, peak, true)
		rep.phase("ramp")
		for i := 0; i < peak; i++ {
			grow[i] = nil
		}
		for k := int64(0); k < o.flat; k++ {
			last = make([]byte, sz.size(&r))
		}
		rep.phase("flat")
	}
	runtime.KeepAlive(last)
}
