// Command goref runs one workload shape that mirrors a gclab workload, then prints one
// JSON report (report.go) on stdout. Run it with GODEBUG=gctrace=1 to get Go's per-cycle
// trace on stderr. Object layouts and global-array sizes are compile-time constants in
// sizes_gen.go, which experiments/go_reference/record.py generates per configuration.
package main

import (
	"flag"
	"fmt"
	"os"
)

type options struct {
	shape string
	seed  uint64
	// steady
	replacements int64
	replace      string
	// goroutines
	g, depth, yield int
	k               int64
	nilFrac         float64
	// growing
	peak, base, minSize, maxSize, pointers, phases int
	churn                                          float64
	flat                                           int64
	// binary trees
	maxDepth, minDepth int
	stretch, check     bool
}

func main() {
	var o options
	flag.StringVar(&o.shape, "shape", "steady", "steady | goroutines | growing | binarytrees")
	flag.Uint64Var(&o.seed, "seed", 1, "RNG seed")
	flag.Int64Var(&o.replacements, "m", 1_000_000, "steady: replacements M")
	flag.StringVar(&o.replace, "replace", "random", "steady: random | oldest")
	flag.IntVar(&o.g, "g", 1000, "goroutines: goroutines G")
	flag.IntVar(&o.depth, "depth", 100, "goroutines: recursion depth D")
	flag.Int64Var(&o.k, "k", 40_000, "goroutines: allocations per goroutine K")
	flag.IntVar(&o.yield, "yield", 1000, "goroutines: Gosched every Y allocations (0: never)")
	flag.Float64Var(&o.nilFrac, "nilfrac", 1.0, "goroutines, growing: P(a pointer field stays nil)")
	flag.IntVar(&o.peak, "peak", 50_000, "growing: live objects at peak")
	flag.IntVar(&o.base, "base", 0, "growing: permanent base objects")
	flag.IntVar(&o.minSize, "minsize", 16, "growing: smallest size")
	flag.IntVar(&o.maxSize, "maxsize", 2048, "growing: largest size")
	flag.IntVar(&o.pointers, "pointers", 2, "growing: pointer fields per live object")
	flag.Float64Var(&o.churn, "churn", 4, "growing: garbage allocations per live one")
	flag.IntVar(&o.phases, "phases", 2, "growing: ramp/drop/flat phases")
	flag.Int64Var(&o.flat, "flat", 0, "growing: garbage allocations after each drop")
	flag.IntVar(&o.maxDepth, "maxdepth", 16, "binarytrees: long-lived tree depth")
	flag.IntVar(&o.minDepth, "mindepth", 4, "binarytrees: smallest short-lived depth")
	flag.BoolVar(&o.stretch, "stretch", true, "binarytrees: build the stretch tree")
	flag.BoolVar(&o.check, "check", true, "binarytrees: walk every tree")
	flag.Parse()

	rep := newReport(o.shape)
	switch o.shape {
	case "steady":
		runSteady(&o, rep)
	case "goroutines":
		runGoroutines(&o, rep)
	case "growing":
		runGrowing(&o, rep)
	case "binarytrees":
		runBinaryTrees(&o, rep)
	default:
		fmt.Fprintln(os.Stderr, "unknown -shape", o.shape)
		os.Exit(2)
	}
	rep.finish()
}
