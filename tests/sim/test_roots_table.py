"""Goroutine state rows live in one table, so sums over goroutines are vectorised and
exactly what the per-goroutine properties give."""

import numpy as np

from framework.runtime import layout as L
from framework.runtime.memstats import stack_alloc_sizes, stack_spans
from framework.sim.roots import Goroutine, Roots


def _per_goroutine_spans(sizes):
    per, large_b, large_n = {}, 0, 0
    for b in sizes:
        s = max(int(b), 2048)
        s = 1 << (s - 1).bit_length()
        if s < 32768:
            per[s] = per.get(s, 0) + 1
        else:
            large_b, large_n = large_b + s, large_n + 1
    small = sum(-(-n // (32768 // s)) for s, n in per.items())
    return small * 32768 + large_b, small + large_n


def test_sums_over_the_table_equal_the_per_goroutine_figures():
    rng = np.random.default_rng(3)
    roots = Roots(np.zeros(1, np.int32), [Goroutine(i, False) for i in range(500)])
    for g in roots.goroutines:
        g.gs[L.G_STACK_BYTES] = int(rng.integers(0, 1 << 20))
        assert g.gs.base is roots.gs_table  # a row view, written in place by the kernels
    for g in roots.goroutines[::7]:
        g.finished = True
    live = [g for g in roots.goroutines if not g.finished]
    assert roots.stack_bytes() == sum(g.stack_bytes for g in live)
    assert roots.stack_alloc_bytes() == sum(g.stack_alloc_bytes for g in live)
    sizes = [g.stack_alloc_bytes for g in live]
    assert roots.stack_spans() == _per_goroutine_spans(sizes)
    assert stack_spans([g.stack_bytes for g in live]) == _per_goroutine_spans(sizes)


def test_stack_sizes_round_as_go_does_at_the_edges():
    edges = np.array([0, 1, 2047, 2048, 2049, 4095, 4096, 4097, 32767, 32768, 32769, 1 << 40])
    want = [1 << (max(int(b), 2048) - 1).bit_length() for b in edges]
    assert stack_alloc_sizes(edges).tolist() == want


def test_kept_stack_counts_follow_every_change_during_a_run(monkeypatch):
    # The kernels keep Go's stack accounting (ctr STACK_*) at PUSH and POP, the machine at a
    # goroutine's end. With one op per quantum, after every quantum of a run whose stacks
    # grow, shrink and end, the kept figures equal the ones computed from the table.
    from framework.config import parse_config
    from framework.sim import machine as M
    from framework.simulation import simulate

    seen = set()
    orig = M.Machine._quantum

    def check(self, g):
        got = orig(self, g)
        kept = self.roots.stack_bytes(), self.roots.stack_alloc_bytes(), self.roots.stack_spans()
        counters, self.roots.counters = self.roots.counters, None  # the table's answer
        fresh = self.roots.stack_bytes(), self.roots.stack_alloc_bytes(), self.roots.stack_spans()
        self.roots.counters = counters
        assert kept == fresh
        seen.add(kept[0])
        return got

    monkeypatch.setattr(M.Machine, "_quantum", check)
    for wl in (
        {"name": "binary_trees", "max_depth": 5, "min_depth": 4},
        {
            "name": "goroutines",
            "goroutines": 6,
            "allocating": 3,
            "live_objects": 50,
            "replacements": 300,
            "stack_depth": 40,
            "allocator_frames": True,
        },
    ):
        cfg = parse_config({"run": {"seed": 1, "gomaxprocs": 2, "quantum_ops": 1}, "workload": wl})
        simulate(cfg)
    assert len(seen) > 5  # the stacks really grew and shrank


def test_the_kernels_round_stacks_as_the_table_does():
    from framework.runtime.kernels.mutator import stack_order

    for b in [-5, 0, 1, 2047, 2048, 2049, 4096, 4097, 32767, 32768, 32769, 1 << 40]:
        assert 1 << stack_order(b) == int(stack_alloc_sizes(np.array([b]))[0]), b
