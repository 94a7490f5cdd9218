"""Builds memprobe's heap in gclab (500k objects of 64 B with one pointer, hung off 4096
global anchors; churn replaces whole chains; a stop-the-world GC at GOGC=100) and prints
gclab's memory model (framework/runtime/memstats.py) next to Go 1.19's recorded MemStats.

Run: python -m experiments.go_reference.memprobe.compare [output_gogc100_p2.jsonl]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from framework.checking.stepper import Stepper
from framework.ops import Op, op_array
from framework.runtime import layout as L
from framework.runtime.kernels.mark import clear_marks, drain, scan_roots
from framework.runtime.kernels.sweep import sweep_all
from framework.runtime.memstats import memstats

HERE = Path(__file__).resolve().parent
N_OBJECTS = 500_000
N_ANCHORS = 4096
PER_CHAIN = N_OBJECTS // N_ANCHORS
ROWS = ["heap_sys", "heap_inuse", "stack_inuse", "mspan_inuse", "mspan_sys", "gc_sys"]
GO = {
    "heap_sys": "HeapSys",
    "heap_inuse": "HeapInuse",
    "stack_inuse": "StackInuse",
    "mspan_inuse": "MSpanInuse",
    "mspan_sys": "MSpanSys",
    "gc_sys": "GCSys",
    "other_sys": "OtherSys",
    "nonheap_ready": "SysMinusHeap",
    "mapped_ready": "MappedReady",
}


def chain_ops(anchor: int) -> np.ndarray:
    """globals[anchor] = a fresh chain of PER_CHAIN objects (slot 0: head, 1: new)."""
    rows = [(Op.CLEAR, 0, 0, 0)]
    for _ in range(PER_CHAIN):
        rows += [(Op.ALLOC, 1, 64, 1), (Op.STORE, 1, 0, 0), (Op.MOVE, 0, 1, 0)]
    rows.append((Op.GSTORE, anchor, 0, 0))
    return op_array(rows)


class Probe:
    def __init__(self) -> None:
        self.st = Stepper(1, N_ANCHORS, 1, cost=np.zeros(L.N_COSTS))
        self.st.run(0, op_array([(Op.PUSH, 2, 16, 0)]))
        self.goal = 4 << 20
        self.gcs = 0

    def gc(self) -> None:
        """A stop-the-world mark and sweep; next goal = 2 x marked (GOGC=100)."""
        a = self.st.heap.a
        clear_marks(a)
        g = self.st.roots.globals
        scan_roots(
            a, g, g.shape[0], 8 * g.shape[0], L.GLOBAL_SCAN_WORK, L.K_GLOBAL_SCAN_BYTE, self.st.cost
        )
        drain(a, 1 << 62, self.st.cost)
        marked = int(a.ctr[L.MARKED_BYTES])
        a.ctr[L.SWEEPGEN] += 2
        sweep_all(a, self.st.cost)
        a.ctr[L.HEAP_LIVE] = marked
        self.goal = max(4 << 20, 2 * marked)
        self.gcs += 1

    def chains(self, anchors: list[int]) -> None:
        for k in anchors:
            self.st.run(0, chain_ops(k))
            if self.st.heap.a.ctr[L.HEAP_LIVE] >= self.goal:
                self.gc()

    def stats(self, extra_stacks: int = 0) -> dict[str, int]:
        # The runtime's stack base already holds the probe's main goroutine.
        stacks = [2048] * extra_stacks
        return memstats(self.st.heap, stacks, nprocs=2).as_dict()


def main(path: Path) -> None:
    go = {}
    for line in path.read_text().splitlines():
        r = json.loads(line)
        if "point" in r:
            go[r["point"]] = r
    p = Probe()
    rng = np.random.default_rng(1)
    model = {}
    p.chains(list(range(N_ANCHORS)))
    model["built"] = p.stats()
    p.chains(rng.integers(0, N_ANCHORS, 4 * N_ANCHORS).tolist())
    model["steady"] = p.stats()
    p.gc()
    model["after_gc"] = p.stats()
    model["goroutines_1000"] = p.stats(extra_stacks=1000)
    print(f"gclab GCs: {p.gcs}; Go NumGC at after_gc: {go['after_gc']['NumGC']}")
    print(f"{'point':16} {'field':14} {'Go 1.19':>12} {'gclab':>12} {'gclab/Go':>9}")
    for pt, m in model.items():
        for k in [*ROWS, "other_sys", "nonheap_ready", "mapped_ready"]:
            g = int(go[pt][GO[k]])
            print(f"{pt:16} {k:14} {g:12,d} {m[k]:12,d} {m[k] / g if g else 0:9.2f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "output_gogc100_p2.jsonl")
