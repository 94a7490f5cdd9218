"""The reference interpreter: op semantics, every validation rule, scheduling and queries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
import pytest

from framework.ops import NIL, Op, op_array
from framework.workloads.base import GoroutineSpec, Workload, WorkloadParams
from framework.workloads.interpreter import Interpreter, StreamError


class _Params(WorkloadParams):
    name: Literal["scripted"] = "scripted"


class Scripted(Workload):
    """A workload replaying fixed chunks (one list of chunks per goroutine)."""

    name = "scripted"
    Params = _Params

    def __init__(
        self,
        chunks: list[list],
        daemon: list[bool] | None = None,
        n_globals: int = 4,
        max_fields: int = 2,
    ) -> None:
        self._chunks = chunks
        self._daemon = daemon or [False] * len(chunks)
        self._n_globals = n_globals
        self._max_fields = max_fields
        super().__init__(_Params(), np.random.SeedSequence(0))

    def goroutines(self) -> list[GoroutineSpec]:
        return [GoroutineSpec(daemon=d) for d in self._daemon]

    @property
    def n_globals(self) -> int:
        return self._n_globals

    @property
    def max_fields(self) -> int:
        return self._max_fields

    def stream(self, g: int) -> Iterator[np.ndarray]:
        for c in self._chunks[g]:
            yield c if isinstance(c, np.ndarray) else op_array(c)


def run_rows(rows, **kw) -> Interpreter:
    return Interpreter(Scripted([[rows]]), **kw).run()


PUSH2 = (Op.PUSH, 2, 32, 0)
POP2 = (Op.POP, 2, 32, 0)


def test_semantics_and_queries():
    it = run_rows(
        [
            PUSH2,
            (Op.ALLOC, 0, 32, 2),  # a
            (Op.ALLOC, 1, 16, 0),  # b
            (Op.STORE, 0, 1, 1),  # a.1 = b
            (Op.GSTORE, 3, 0, 0),  # g3 = a
            (Op.CLEAR, 0, 0, 0),
            (Op.CLEAR, 1, 0, 0),
            (Op.GLOAD, 0, 3, 0),  # s0 = a
            (Op.LOAD, 1, 0, 1),  # s1 = b
            (Op.MOVE, 0, NIL, 0),  # s0 = nil
            (Op.ALLOC, 0, 8, 1),  # c (garbage once dropped)
            (Op.STORE, 0, 0, 0),  # c.0 = c (a self-cycle)
            (Op.CLEAR, 0, 0, 0),
            (Op.COMPUTE, 5, 0, 0),
            (Op.PARK, 1000, 0, 0),
        ],
        check_end=False,
    )
    a, b, c = 1, 2, 3
    assert it.heap == {a: [None, b], b: [], c: [c]}
    assert it.sizes == {a: 32, b: 16, c: 8}
    assert it.globals == [None, None, None, a]
    assert it.gs[0].stack == [None, b]
    assert it.stack_bytes(0) == 32 and it.stack_bytes() == 32
    assert it.reachable() == {a, b}
    assert it.roots(0) == {b}
    assert it.garbage() == {c} and it.garbage_bytes() == 8 and it.live_bytes() == 48
    assert (it.ops, it.allocs, it.alloc_bytes) == (15, 3, 56)
    assert it.op_counts[Op.ALLOC] == 3 and it.op_counts[Op.PARK] == 1
    assert it.park_ns == 1000 and it.compute_units == 5
    assert it.max_fields_used == 2 and it.max_global_used == 3
    assert it.origin[c] == (0, 10)


@pytest.mark.parametrize(
    "rows, index, reason",
    [
        ([(Op.ALLOC, 0, 8, 0)], 0, "out of range"),  # no frame
        ([PUSH2, (Op.ALLOC, 2, 8, 0)], 1, "out of range"),
        ([PUSH2, (Op.ALLOC, 0, 8, 2)], 1, "does not fit"),
        ([PUSH2, (Op.ALLOC, 0, 64, 3)], 1, "max_fields"),
        ([PUSH2, (Op.ALLOC, 0, 0, 0)], 1, ">= 1 byte"),
        ([PUSH2, (Op.STORE, 0, 0, NIL)], 1, "is nil"),
        ([PUSH2, (Op.LOAD, 1, 0, 0)], 1, "is nil"),
        ([PUSH2, (Op.ALLOC, 0, 16, 1), (Op.STORE, 0, 1, 0)], 2, "field 1 out of range"),
        ([PUSH2, (Op.ALLOC, 0, 16, 1), (Op.LOAD, 1, 0, 2)], 2, "field 2 out of range"),
        ([PUSH2, (Op.ALLOC, 0, 16, 1), (Op.STORE, 0, 0, 5)], 2, "source slot 5"),
        ([PUSH2, (Op.GSTORE, 4, NIL, 0)], 1, "global 4"),
        ([PUSH2, (Op.GLOAD, 0, -1, 0)], 1, "global -1"),
        ([PUSH2, (Op.MOVE, 0, 2, 0)], 1, "source slot 2"),
        ([PUSH2, (Op.CLEAR, -1, 0, 0)], 1, "out of range"),
        ([(Op.POP, 0, 0, 0)], 0, "no frame"),
        ([PUSH2, (Op.POP, 2, 16, 0)], 1, "does not match"),
        ([PUSH2, (Op.PUSH, 1, 8, 0), POP2], 2, "does not match"),
        ([PUSH2, (Op.COMPUTE, -1, 0, 0)], 1, "negative"),
        ([PUSH2, (Op.PARK, -5, 0, 0)], 1, "negative"),
        ([PUSH2, (99, 0, 0, 0)], 1, "unknown op"),
        ([PUSH2, (Op.ALLOC, 0, 8, 0)], 2, "still pushed"),  # stream ends inside a frame
    ],
)
def test_rule_violations(rows, index, reason):
    with pytest.raises(StreamError, match=reason) as e:
        run_rows(rows)
    assert e.value.goroutine == 0 and e.value.index == index


def test_op_index_counts_across_chunks_and_goroutine_is_named():
    ok = [[PUSH2], [(Op.ALLOC, 0, 8, 0), POP2]]
    bad = [[PUSH2, (Op.COMPUTE, 1, 0, 0)], [(Op.STORE, 1, 0, 0)]]
    with pytest.raises(StreamError) as e:
        Interpreter(Scripted([ok, bad])).run()
    assert (e.value.goroutine, e.value.index) == (1, 2)
    assert "goroutine 1, op 2 (STORE 1 0 0)" in str(e.value)


@pytest.mark.parametrize(
    "chunk, reason",
    [
        (np.zeros((2, 4), dtype=np.int64), "dtype"),
        (np.zeros((2, 3), dtype=np.int32), "shape"),
        (np.zeros((4, 4), dtype=np.int32)[::2], "contiguous"),
        (np.zeros((0, 4), dtype=np.int32), "empty"),
        (np.zeros((9, 4), dtype=np.int32), "rows"),
    ],
)
def test_bad_chunks(chunk, reason):
    with pytest.raises(StreamError, match=reason):
        Interpreter(Scripted([[chunk]]), max_chunk_rows=8).run()


def test_round_robin_by_chunk_and_daemons_are_cut():
    compute = [(Op.COMPUTE, 1, 0, 0)]
    a = [compute, compute, compute]
    b = [compute]
    forever = [compute] * 1000  # a long "daemon" stream
    it = Interpreter(Scripted([a, b, forever], daemon=[False, False, True]))
    it.run()
    assert it.finished and it.gs[0].exhausted and it.gs[1].exhausted
    # The daemon took one turn per round until the last non-daemon stream was found to
    # be exhausted (which is learnt when its next chunk is asked for).
    assert it.gs[2].index == 3 and not it.gs[2].exhausted
    assert it.ops == 3 + 1 + 3


def test_max_ops_stops_mid_chunk_and_resumes():
    rows = [PUSH2] + [(Op.COMPUTE, 1, 0, 0)] * 10 + [POP2]
    it = Interpreter(Scripted([[rows]]))
    it.run(max_ops=5)
    assert it.ops == 5 and not it.finished
    it.run()
    assert it.ops == 12 and it.finished and it.gs[0].frames == []


def test_daemon_only_needs_max_ops_and_run_goroutine():
    it = Interpreter(Scripted([[[(Op.PARK, 1, 0, 0)] * 4] * 3], daemon=[True]))
    with pytest.raises(ValueError):
        it.run()
    with pytest.raises(ValueError):
        it.run_goroutine(0)
    assert it.run_goroutine(0, max_ops=6) == 6
    assert it.park_ns == 6
    it.run(max_ops=100)
    assert it.ops == 12 and it.gs[0].exhausted


def test_execute_explicit_ops():
    it = Interpreter(Scripted([[]]))
    it.execute(0, op_array([PUSH2, (Op.ALLOC, 1, 8, 0)]))
    assert len(it.reachable()) == 1
    with pytest.raises(StreamError):
        it.execute(0, op_array([(Op.LOAD, 0, 0, 0)]))


def test_speed_1e5_ops():
    import time

    n = 100_000
    body = np.zeros((n, 4), dtype=np.int32)
    body[0::2] = (Op.ALLOC, 0, 16, 1)
    body[1::2] = (Op.STORE, 0, 0, 1)
    chunks = (
        [op_array([PUSH2])]
        + [np.ascontiguousarray(body[i : i + 32768]) for i in range(0, n, 32768)]
        + [op_array([POP2])]
    )
    it = Interpreter(Scripted([chunks]))
    t = time.perf_counter()
    it.run()
    assert it.ops == n + 2
    assert time.perf_counter() - t < 3.0
