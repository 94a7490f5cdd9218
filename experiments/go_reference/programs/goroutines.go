package main

import (
	"runtime"
	"runtime/debug"
	"sync"
	"unsafe"
)

// goroutines mirrors gclab's `goroutines` workload with allocator_frames=true,
// live_in="stack", replace="oldest", start_barrier=true: G goroutines, each
//
//  1. recurses D frames of recurse(), each frame holding one pointer to its own
//     pointer-free fobj (FrameObjSize bytes, allocated by the noinline newFrameObj so it
//     is on the heap), kept live across the call by runtime.KeepAlive;
//  2. in the deepest frame calls allocLoop, whose local array ring [Ring]*gobj stays on
//     the stack (checked with `go build -gcflags=-m`: no "moved to heap: ring");
//  3. signals ready and waits until main closes the start channel (all G arrived);
//  4. allocates K objects of GObjSize bytes with GPtrs pointer fields, each field nil
//     with probability nilFrac else pointing at a random ring entry, storing allocation
//     k into ring[k % Ring] (oldest first), and calls runtime.Gosched() after every Y.
//
// Main waits for all of them. gclab: replacements = G*K, yield_every = Y.

type gorState struct {
	o     *options
	r     rng
	ready *sync.WaitGroup
	start chan struct{}
	probe bool    // frame-size probe: record the ring's address and return
	sp    uintptr // probe result
}

//go:noinline
func newFrameObj() *fobj { return new(fobj) }

// recurse is the deep stack: one frame per level, one heap pointer per frame.
func recurse(d int, g *gorState) {
	if d == 0 {
		allocLoop(g)
		return
	}
	p := newFrameObj()
	recurse(d-1, g)
	runtime.KeepAlive(p)
}

// allocLoop runs in the deepest frame; ring is its local (stack) array.
//
//go:noinline
func allocLoop(g *gorState) {
	var ring [Ring]*gobj
	if g.probe {
		g.sp = uintptr(unsafe.Pointer(&ring[0]))
		return
	}
	g.ready.Done()
	<-g.start
	o := g.o
	j := 0
	y := 0
	for k := int64(0); k < o.k; k++ {
		x := new(gobj)
		if o.nilFrac < 1 {
			for f := 0; f < GPtrs; f++ {
				if g.r.float() >= o.nilFrac {
					x.p[f] = ring[g.r.intn(Ring)]
				}
			}
		}
		ring[j] = x
		if j++; j == Ring {
			j = 0
		}
		if y++; y == o.yield && o.yield > 0 {
			y = 0
			runtime.Gosched()
		}
	}
	runtime.KeepAlive(&ring)
}

// frameBytes measures the stack bytes one recurse() level takes: the distance between
// the ring's address with depth 0 and with depth d, divided by d. The stack is grown
// first and GC is off, so it is not moved (copystack) between the two probes.
func frameBytes(d int) int {
	old := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(old)
	res := make(chan int)
	go func() {
		g := &gorState{probe: true}
		recurse(d, g) // grow the stack
		recurse(0, g)
		sp0 := g.sp
		recurse(d, g)
		res <- int(sp0-g.sp) / d
	}()
	return <-res
}

func runGoroutines(o *options, rep *report) {
	rep.Extra["frame_bytes_measured"] = frameBytes(o.depth)
	rep.phase("probe")
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(o.g)
	done.Add(o.g)
	for i := 0; i < o.g; i++ {
		g := &gorState{o: o, r: newRNG(o.seed + uint64(i)), ready: &ready, start: start}
		go func() {
			defer done.Done()
			recurse(o.depth, g)
		}()
	}
	ready.Wait()
	rep.phase("build")
	close(start)
	done.Wait()
	rep.phase("churn")
}
