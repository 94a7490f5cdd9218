package main

// binarytrees mirrors gclab's `binary_trees` workload (framework/workloads/binary_trees.py),
// the GCBench / benchmarks-game shape with one goroutine: an optional stretch tree of
// depth max+1, a long-lived tree of depth max held in a global, then for d = min, min+2,
// ..., max: 1 << (max - d + min) short-lived trees of depth d, each built by the recursive
// bottomUp (children first, then the node) and walked by check. A tree of depth d has
// 2^(d+1) - 1 nodes of NodeSize bytes (two pointer fields; nil in leaves).

var longLived *node

func bottomUp(d int) *node {
	if d <= 0 {
		return new(node)
	}
	l, r := bottomUp(d-1), bottomUp(d-1)
	n := new(node)
	n.left, n.right = l, r
	return n
}

func (n *node) check() int {
	if n.left == nil {
		return 1
	}
	return 1 + n.left.check() + n.right.check()
}

func runBinaryTrees(o *options, rep *report) {
	sum := 0
	if o.stretch {
		sum += bottomUp(o.maxDepth + 1).check()
	}
	longLived = bottomUp(o.maxDepth)
	for d := o.minDepth; d <= o.maxDepth; d += 2 {
		for i := 0; i < 1<<(o.maxDepth-d+o.minDepth); i++ {
			t := bottomUp(d)
			if o.check {
				sum += t.check()
			}
		}
	}
	if o.check {
		sum += longLived.check()
	}
	rep.Extra["checksum"] = sum
	rep.phase("trees")
}
