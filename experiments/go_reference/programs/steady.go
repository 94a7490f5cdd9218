package main

// steady mirrors gclab's `steady` workload (framework/workloads/steady.py) with one
// goroutine: A pointer-free anchors of AnchorSize bytes, then N live objects of ObjSize
// bytes whose Ptrs leading pointer fields point at random anchors, then M replacements
// (allocate a fresh object the same way and store it over table[i], i random or
// oldest-first i = k mod N). The old object becomes garbage.
//
// table and anchors are fixed-size global arrays, so they live in BSS and are scanned as
// roots and counted in gctrace's "MB globals" (runtime.modulesinit adds data+bss to
// gcController.globalsScan), like gclab's globals. A slice would put them in the heap.

var (
	table   [N]*obj
	anchors [A]*anchor
)

// newObj allocates one live object pointing at random anchors (gclab: ALLOC, then
// GLOAD anchor + STORE per field; the caller's store into table[i] is the GSTORE).
func newObj(r *rng) *obj {
	o := new(obj)
	for f := 0; f < Ptrs; f++ {
		o.p[f] = anchors[r.intn(A)]
	}
	return o
}

func runSteady(o *options, rep *report) {
	r := newRNG(o.seed)
	for k := range anchors {
		anchors[k] = new(anchor)
	}
	for i := range table {
		table[i] = newObj(&r)
	}
	rep.phase("build")
	if o.replace == "oldest" {
		i := 0
		for k := int64(0); k < o.replacements; k++ {
			table[i] = newObj(&r)
			if i++; i == N {
				i = 0
			}
		}
	} else {
		for k := int64(0); k < o.replacements; k++ {
			table[r.intn(N)] = newObj(&r)
		}
	}
	rep.phase("churn")
}
