"""A reference interpreter of op streams with no garbage collection: test oracle and validator.

It executes a workload's streams (``framework.ops``) literally: every ``ALLOC`` creates a new
object (a Python ``int`` from a counter, starting at 1) that is never freed, the heap is a
``dict`` from object id to its list of pointer fields (``None`` is nil), and each goroutine
has a stack of pointer slots plus a list of pushed frames. Every op is checked against the
rules of ``framework.ops``; a violation raises :class:`StreamError` naming the goroutine, the
op's index in that goroutine's stream (counted from 0 over all its chunks) and the reason.

Scheduling (``run``): goroutines take turns round-robin *by chunk*, in goroutine-id order;
a turn executes the rest of the goroutine's current chunk (or its next chunk). The run ends,
like the simulator's, when every non-daemon goroutine's stream is exhausted (daemon streams
may be infinite and are simply cut), or after ``max_ops`` ops in total (this may stop in the
middle of a chunk; a later call resumes exactly there). ``run_goroutine`` runs one goroutine
alone, for tests that need a precise interleaving.

Checks beyond ``framework.ops`` (all of them hold for a well-formed stream):

- chunks must be non-empty ``(n, 4)`` C-contiguous ``int32`` arrays with ``n <= max_chunk_rows``;
- ``ALLOC`` sizes are >= 1 and ``nfields <= workload.max_fields``; global indices are
  ``< workload.n_globals``; ``COMPUTE``/``PARK`` amounts are >= 0;
- ``POP`` must match the top frame's slot count and byte size exactly;
- a finite stream must end with every frame popped (``check_end=True``).

It is written for clarity, not speed (about 10^5 to 10^6 ops per second).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from framework.ops import N_OPS, NIL, Op
from framework.workloads.base import CHUNK_OPS, Workload

Ref = int | None
"""A pointer value: an object id, or ``None`` for nil."""


class StreamError(Exception):
    """An op stream broke a rule of ``framework.ops`` (a workload bug)."""

    def __init__(self, goroutine: int, index: int, reason: str, row: tuple | None = None):
        self.goroutine = goroutine
        self.index = index
        self.reason = reason
        self.row = row
        where = f"goroutine {goroutine}, op {index}"
        if row is not None:
            name = Op(row[0]).name if 0 <= row[0] < N_OPS else f"code {row[0]}"
            where += f" ({name} {row[1]} {row[2]} {row[3]})"
        super().__init__(f"{where}: {reason}")


@dataclass
class GoroutineState:
    """What the interpreter knows about one goroutine."""

    daemon: bool
    chunks: Iterator[np.ndarray]
    stack: list[Ref] = field(default_factory=list)  # pointer slots, absolute index = slot
    frames: list[tuple[int, int]] = field(default_factory=list)  # (slots, bytes) per frame
    stack_bytes: int = 0
    index: int = 0  # ops executed so far = index of the next op in this goroutine's stream
    rows: list[list[int]] = field(default_factory=list)  # current chunk
    pos: int = 0  # next row of the current chunk
    exhausted: bool = False


class Interpreter:
    """Execute a workload's op streams without a collector, checking every op.

    Attributes after (or during) a run: ``heap`` (id -> fields), ``sizes`` (id -> bytes),
    ``origin`` (id -> (goroutine, op index) of its ALLOC), ``globals``, ``gs`` (per-goroutine
    :class:`GoroutineState`), and counters ``ops``, ``allocs``, ``alloc_bytes``,
    ``op_counts`` (per ``Op`` code), ``park_ns``, ``compute_units``, ``max_fields_used``,
    ``max_global_used`` (highest global index touched, -1 if none).
    """

    def __init__(
        self, workload: Workload, *, check_end: bool = True, max_chunk_rows: int = CHUNK_OPS
    ) -> None:
        self.workload = workload
        self.check_end = check_end
        self.max_chunk_rows = max_chunk_rows
        self.n_globals = workload.n_globals
        self.max_fields = workload.max_fields
        self.globals: list[Ref] = [None] * self.n_globals
        self.heap: dict[int, list[Ref]] = {}
        self.sizes: dict[int, int] = {}
        self.origin: dict[int, tuple[int, int]] = {}
        self.gs = [
            GoroutineState(daemon=spec.daemon, chunks=iter(workload.stream(g)))
            for g, spec in enumerate(workload.goroutines())
        ]
        self._next_id = 1
        self.ops = 0
        self.allocs = 0
        self.alloc_bytes = 0
        self.op_counts = [0] * N_OPS
        self.park_ns = 0
        self.compute_units = 0
        self.max_fields_used = 0
        self.max_global_used = -1

    # ----------------------------------------------------------------- scheduling

    def run(self, max_ops: int | None = None) -> Interpreter:
        """Round-robin by chunk until every non-daemon stream ends (or ``max_ops`` ops)."""
        if max_ops is None and all(s.daemon for s in self.gs):
            raise ValueError("every goroutine is a daemon: pass max_ops to bound the run")
        budget = max_ops
        while budget is None or budget > 0:
            if self._nondaemon_done():
                break
            progressed = False
            for g, s in enumerate(self.gs):
                if s.exhausted:
                    continue
                if (budget is not None and budget <= 0) or (s.daemon and self._nondaemon_done()):
                    break
                n = self._turn(g, budget)
                progressed = progressed or n > 0
                if budget is not None:
                    budget -= n
            if not progressed:
                break
        return self

    def _nondaemon_done(self) -> bool:
        """True if there are non-daemon goroutines and all of their streams have ended."""
        nd = [s for s in self.gs if not s.daemon]
        return bool(nd) and all(s.exhausted for s in nd)

    def run_goroutine(self, g: int, max_ops: int | None = None) -> int:
        """Run goroutine ``g`` alone for up to ``max_ops`` ops (all of it if None).

        Returns the number of ops executed."""
        s = self.gs[g]
        if max_ops is None and s.daemon:
            raise ValueError(f"goroutine {g} is a daemon (possibly infinite): pass max_ops")
        done = 0
        while not s.exhausted and (max_ops is None or done < max_ops):
            done += self._turn(g, None if max_ops is None else max_ops - done)
        return done

    def step(self, g: int) -> int:
        """One turn of goroutine ``g``: the rest of its current chunk, or its next chunk."""
        return self._turn(g, None)

    def execute(self, g: int, ops: np.ndarray) -> None:
        """Execute an explicit op array as goroutine ``g`` (bypassing its stream)."""
        self._check_chunk(g, ops)
        s = self.gs[g]
        for row in ops.tolist():
            self._op(g, s, row)

    def _turn(self, g: int, max_ops: int | None) -> int:
        s = self.gs[g]
        if s.pos >= len(s.rows) and not self._next_chunk(g, s):
            return 0
        end = len(s.rows) if max_ops is None else min(len(s.rows), s.pos + max_ops)
        start = s.pos
        rows = s.rows
        for i in range(start, end):
            s.pos = i + 1
            self._op(g, s, rows[i])
        return end - start

    def _next_chunk(self, g: int, s: GoroutineState) -> bool:
        try:
            chunk = next(s.chunks)
        except StopIteration:
            s.exhausted = True
            s.rows, s.pos = [], 0
            if self.check_end and s.frames:
                raise StreamError(
                    g,
                    s.index,
                    f"stream ended with {len(s.frames)} frame(s) "
                    f"({len(s.stack)} slots) still pushed",
                ) from None
            return False
        self._check_chunk(g, chunk)
        s.rows, s.pos = chunk.tolist(), 0
        return True

    def _check_chunk(self, g: int, chunk: object) -> None:
        idx = self.gs[g].index
        if not isinstance(chunk, np.ndarray):
            raise StreamError(g, idx, f"chunk is a {type(chunk).__name__}, not an ndarray")
        if chunk.dtype != np.int32:
            raise StreamError(g, idx, f"chunk dtype {chunk.dtype}, expected int32")
        if chunk.ndim != 2 or chunk.shape[1] != 4:
            raise StreamError(g, idx, f"chunk shape {chunk.shape}, expected (n, 4)")
        if not chunk.flags.c_contiguous:
            raise StreamError(g, idx, "chunk is not C-contiguous")
        if len(chunk) == 0:
            raise StreamError(g, idx, "empty chunk")
        if len(chunk) > self.max_chunk_rows:
            raise StreamError(g, idx, f"chunk of {len(chunk)} rows > {self.max_chunk_rows}")

    # ----------------------------------------------------------------- one op

    def _op(self, g: int, s: GoroutineState, row: list[int]) -> None:
        code, a, b, c = row
        stack = s.stack

        def fail(reason: str) -> None:
            raise StreamError(g, s.index, reason, tuple(row))

        def slot(x: int, what: str) -> int:
            if not 0 <= x < len(stack):
                fail(f"{what} slot {x} out of range (sp = {len(stack)})")
            return x

        def src(x: int, what: str) -> Ref:
            """A source slot: NIL means the nil pointer."""
            return None if x == NIL else stack[slot(x, what)]

        def obj(x: int, what: str) -> int:
            ref = stack[slot(x, what)]
            if ref is None:
                fail(f"{what} slot {x} is nil")
            return ref

        def field_of(ref: int, f: int) -> int:
            if not 0 <= f < len(self.heap[ref]):
                fail(f"field {f} out of range (object {ref} has {len(self.heap[ref])} fields)")
            return f

        def glob(x: int) -> int:
            if not 0 <= x < self.n_globals:
                fail(f"global {x} out of range (n_globals = {self.n_globals})")
            self.max_global_used = max(self.max_global_used, x)
            return x

        if code == Op.COMPUTE:
            if a < 0:
                fail("negative compute units")
            self.compute_units += a
        elif code == Op.ALLOC:
            t = slot(a, "target")
            if b < 1:
                fail("object size must be >= 1 byte")
            if c < 0 or c * 8 > b:
                fail(f"nfields {c} does not fit in {b} bytes (8 bytes per field)")
            if c > self.max_fields:
                fail(f"nfields {c} > workload.max_fields = {self.max_fields}")
            oid = self._next_id
            self._next_id += 1
            self.heap[oid] = [None] * c
            self.sizes[oid] = b
            self.origin[oid] = (g, s.index)
            stack[t] = oid
            self.allocs += 1
            self.alloc_bytes += b
            self.max_fields_used = max(self.max_fields_used, c)
        elif code == Op.STORE:
            value = src(c, "source")
            ref = obj(a, "STORE through")
            self.heap[ref][field_of(ref, b)] = value
        elif code == Op.LOAD:
            t = slot(a, "target")
            ref = obj(b, "LOAD through")
            stack[t] = self.heap[ref][field_of(ref, c)]
        elif code == Op.GSTORE:
            value = src(b, "source")
            self.globals[glob(a)] = value
        elif code == Op.GLOAD:
            t = slot(a, "target")
            stack[t] = self.globals[glob(b)]
        elif code == Op.PUSH:
            if a < 0 or b < 0:
                fail("negative frame size")
            stack.extend([None] * a)
            s.frames.append((a, b))
            s.stack_bytes += b
        elif code == Op.POP:
            if not s.frames:
                fail("POP with no frame pushed")
            if s.frames[-1] != (a, b):
                fail(
                    f"POP ({a} slots, {b} bytes) does not match the top frame "
                    f"({s.frames[-1][0]} slots, {s.frames[-1][1]} bytes)"
                )
            s.frames.pop()
            if a:
                del stack[-a:]
            s.stack_bytes -= b
        elif code == Op.CLEAR:
            stack[slot(a, "target")] = None
        elif code == Op.MOVE:
            value = src(b, "source")
            stack[slot(a, "target")] = value
        elif code == Op.PARK:
            if a < 0:
                fail("negative park time")
            self.park_ns += a
        elif code == Op.YIELD:
            pass
        elif code == Op.SYNC:
            # A barrier is a scheduling matter; here it only has to be well formed.
            if a < 1 or a > len(self.gs):
                fail(f"SYNC for {a} goroutines; the workload has {len(self.gs)}")
        else:
            fail(f"unknown op code {code}")
        self.op_counts[code] += 1
        self.ops += 1
        s.index += 1

    # ----------------------------------------------------------------- heap queries

    def roots(self, g: int | None = None) -> set[int]:
        """Non-nil root pointers: globals plus every stack, or only goroutine ``g``'s stack."""
        if g is not None:
            return {r for r in self.gs[g].stack if r is not None}
        out = {r for r in self.globals if r is not None}
        for s in self.gs:
            out.update(r for r in s.stack if r is not None)
        return out

    def reachable_from(self, roots: set[int] | list[int]) -> set[int]:
        """Objects reachable from ``roots`` by following pointer fields."""
        seen: set[int] = set()
        todo = [r for r in roots if r is not None]
        while todo:
            o = todo.pop()
            if o in seen:
                continue
            seen.add(o)
            todo.extend(f for f in self.heap[o] if f is not None and f not in seen)
        return seen

    def reachable(self) -> set[int]:
        """Objects reachable from the globals and all goroutine stacks."""
        return self.reachable_from(self.roots())

    def live_bytes(self) -> int:
        return sum(self.sizes[o] for o in self.reachable())

    def garbage(self) -> set[int]:
        """Allocated objects no longer reachable (nothing is ever freed here)."""
        return set(self.heap) - self.reachable()

    def garbage_bytes(self) -> int:
        return self.alloc_bytes - self.live_bytes()

    def stack_bytes(self, g: int | None = None) -> int:
        """Bytes of pushed frames of goroutine ``g``, or of all goroutines."""
        if g is not None:
            return self.gs[g].stack_bytes
        return sum(s.stack_bytes for s in self.gs)

    @property
    def finished(self) -> bool:
        """True when every non-daemon goroutine's stream has ended."""
        return all(s.exhausted for s in self.gs if not s.daemon)
