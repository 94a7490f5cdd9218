"""Fragmentation (DESIGN.md §3; Johnstone & Wilson, "The memory fragmentation problem:
solved?", ISMM 1998).

With a segregated size-class allocator like Go's (``runtime/sizeclasses.go``):

* internal fragmentation = bytes lost to size-class rounding / bytes allocated in slots,
  ``sum(slot - requested) / sum(slot)``;
* external fragmentation = free slot bytes inside in-use spans / in-use span bytes,
  ``(HeapInuse - allocated slot bytes) / HeapInuse`` (span tail waste counts as free);
* ``span_bytes_per_live`` = in-use span bytes / live (marked) bytes.
"""

from __future__ import annotations

import numpy as np

from framework.events import RunLog
from framework.metrics.heap import heap_live_mean_bytes, sorted_samples, time_weighted_mean


def internal_fragmentation(req_sizes: np.ndarray, slot_sizes: np.ndarray) -> float:
    """``sum(slot - req) / sum(slot)`` over objects (0 when nothing is allocated)."""
    req = np.asarray(req_sizes, dtype=np.int64)
    slot = np.asarray(slot_sizes, dtype=np.int64)
    if req.shape != slot.shape:
        raise ValueError("req_sizes and slot_sizes must have the same shape")
    if np.any(req > slot) or np.any(req < 0):
        raise ValueError("each requested size must be in [0, its slot size]")
    total = int(slot.sum())
    return (total - int(req.sum())) / total if total > 0 else 0.0


def external_fragmentation(
    span_bytes: np.ndarray, allocated_slot_bytes_per_span: np.ndarray
) -> float:
    """``sum(span - allocated) / sum(span)`` over in-use spans (0 when there are none)."""
    span = np.asarray(span_bytes, dtype=np.int64)
    alloc = np.asarray(allocated_slot_bytes_per_span, dtype=np.int64)
    if span.shape != alloc.shape:
        raise ValueError("span_bytes and allocated_slot_bytes_per_span must have the same shape")
    if np.any(alloc > span) or np.any(alloc < 0):
        raise ValueError("allocated bytes of a span must be in [0, its size]")
    total = int(span.sum())
    return (total - int(alloc.sum())) / total if total > 0 else 0.0


def fragmentation_stats(log: RunLog) -> dict[str, float]:
    """Fragmentation of a run.

    ``frag_internal``: cumulative over every allocation, ``(totals.alloc_bytes -
    totals.alloc_req_bytes) / totals.alloc_bytes``. ``frag_internal_live``: time-weighted mean
    over samples of ``(alloc_bytes - alloc_req_bytes) / alloc_bytes``. ``frag_external``:
    time-weighted mean of ``(inuse_span_bytes - alloc_bytes) / inuse_span_bytes``;
    ``frag_external_final``: the same at the last sample. Samples whose denominator is 0 are
    left out of the means (an empty heap has no fragmentation to measure).
    ``span_bytes_per_live``: time-weighted mean in-use span bytes / ``heap_live_mean_bytes``.
    """
    tot = log.totals
    frag_internal = (
        (tot.alloc_bytes - tot.alloc_req_bytes) / tot.alloc_bytes if tot.alloc_bytes > 0 else 0.0
    )
    s = sorted_samples(log)
    T = tot.sim_time_ns
    t = s["t_ns"]
    alloc = s["alloc_bytes"].astype(np.float64)
    req = s["alloc_req_bytes"].astype(np.float64)
    inuse = s["inuse_span_bytes"].astype(np.float64)
    has_alloc, has_inuse = alloc > 0, inuse > 0
    internal = np.divide(alloc - req, alloc, out=np.zeros_like(alloc), where=has_alloc)
    external = np.divide(inuse - alloc, inuse, out=np.zeros_like(inuse), where=has_inuse)
    live = heap_live_mean_bytes(log)
    inuse_mean = time_weighted_mean(t, inuse, T)
    return {
        "frag_internal": float(frag_internal),
        "frag_internal_live": time_weighted_mean(t, internal, T, mask=has_alloc),
        "frag_external": time_weighted_mean(t, external, T, mask=has_inuse),
        "frag_external_final": float(external[-1]) if external.size else 0.0,
        "span_bytes_per_live": inuse_mean / live if live > 0 else 0.0,
    }
