"""A producer/consumer queue as a gclab workload plugin.

A bounded FIFO queue of ``capacity`` slots held in globals. Each message is a node
(``node_size`` bytes, one pointer) pointing at a pointer-free payload (``payload_size``
bytes). Producing message i allocates the payload and the node, links them, and, once the
queue is full, first consumes the message in slot ``i % capacity`` (loads it and its
payload: the consumer's read) before storing the new node over it, so the old message
and its payload become garbage. The live heap is ``capacity`` messages; every message is
garbage ``capacity`` messages later (a FIFO lifetime, unlike ``steady``'s random one).

Rows per message: ALLOC payload, ALLOC node, STORE node.next = payload, [GLOAD old,
LOAD old.next], GSTORE: 4 or 6. Stack slots: s0 node, s1 payload, s2 the consumed message.
Written against gclab's public workload API only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import Field

from framework import workloads
from framework.ops import Op
from framework.workloads import GoroutineSpec, Workload, WorkloadParams
from framework.workloads.base import CHUNK_OPS

_SLOTS = 3
_FRAME_BYTES = 64


class QueueParams(WorkloadParams):
    name: Literal["queue"] = "queue"
    capacity: int = Field(50_000, ge=1, le=10_000_000, description="messages held at once")
    messages: int = Field(1_000_000, ge=1, le=10_000_000_000, description="messages produced")
    node_size: int = Field(32, ge=8, le=1 << 20, description="bytes per message node")
    payload_size: int = Field(256, ge=1, le=1 << 20, description="bytes per payload (no pointers)")


class Queue(Workload):
    name = "queue"
    Params = QueueParams
    smoke_params = {"capacity": 2_000, "messages": 20_000}
    params: QueueParams

    def goroutines(self) -> list[GoroutineSpec]:
        return [GoroutineSpec()]

    @property
    def n_globals(self) -> int:
        return self.params.capacity

    @property
    def max_fields(self) -> int:
        return 1

    def live_estimate(self) -> tuple[int, int]:
        p = self.params
        return 2 * p.capacity, p.capacity * (p.node_size + p.payload_size)

    def expected_allocations(self) -> int:
        return 2 * self.params.messages

    def _block(self, lo: int, hi: int) -> np.ndarray:
        p = self.params
        i = np.arange(lo, hi)
        ops = np.zeros((len(i), 6, 4), dtype=np.int32)
        ops[:, 0] = (Op.ALLOC, 1, p.payload_size, 0)
        ops[:, 1] = (Op.ALLOC, 0, p.node_size, 1)
        ops[:, 2] = (Op.STORE, 0, 0, 1)
        ops[:, 3, 0], ops[:, 3, 1], ops[:, 3, 2] = Op.GLOAD, 2, i % p.capacity
        ops[:, 4] = (Op.LOAD, 2, 2, 0)
        ops[:, 5, 0], ops[:, 5, 1], ops[:, 5, 2] = Op.GSTORE, i % p.capacity, 0
        keep = np.ones((len(i), 6), dtype=bool)
        keep[:, 3:5] = (i >= p.capacity)[:, None]  # the queue is full: consume first
        return np.ascontiguousarray(ops[keep])

    def stream(self, g: int) -> Iterator[np.ndarray]:
        yield np.array([(Op.PUSH, _SLOTS, _FRAME_BYTES, 0)], dtype=np.int32)
        step = CHUNK_OPS // 6
        for lo in range(0, self.params.messages, step):
            yield self._block(lo, min(lo + step, self.params.messages))
        yield np.array([(Op.POP, _SLOTS, _FRAME_BYTES, 0)], dtype=np.int32)


workloads.register(Queue)
