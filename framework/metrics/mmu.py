"""Minimum mutator utilisation (Cheng & Blelloch, "A parallel, real-time garbage collector",
PLDI 2001) and bounded MMU, computed exactly from the per-P intervals of a ``RunLog``.

Convention (after Go's ``internal/trace`` ``MutatorUtilization`` used by ``go tool trace``,
which charges STW, background mark workers, assists and sweeping to the GC, summed over Ps):
the utilisation of a window ``[t, t+w]`` is ``1 - G_w(t) / (w * P)`` where ``G_w(t)`` is the
collector CPU time inside the window summed over all ``P`` processors. Collector CPU is every
interval whose kind is in ``MMU_GC_KINDS`` = ``GC_CPU_KINDS`` + ``SWEEP`` + ``RC`` + ``SCAVENGE``. A
stop-the-world pause is one ``GC_STW`` interval on every P, so it takes the whole machine.
Idle-priority mark workers (``GC_IDLE``) are *not* charged: they only run on Ps that had
nothing else to do. Idle time counts as available to the mutator.

``MMU(w) = min over t in [0, T-w] of utilisation([t, t+w])`` with ``T = totals.sim_time_ns``;
windows of ``w >= T`` give the whole-run utilisation. ``BMU(w) = min over w' >= w of MMU(w')``
(the bounded MMU of Sachindran, Moss & Berger, OOPSLA 2004), which is monotone in ``w``.
"""

from __future__ import annotations

import numpy as np

from framework.events import GC_CPU_KINDS, PKind, RunLog

#: interval kinds that reduce mutator utilisation.
MMU_GC_KINDS: tuple[PKind, ...] = (*GC_CPU_KINDS, PKind.SWEEP, PKind.RC, PKind.SCAVENGE)


def gc_curve(log: RunLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cumulative collector-CPU function ``G(t)`` (ns of P-time).

    Returns ``(B, G, slope)``: sorted unique breakpoints ``B`` (int64, always containing 0 and
    ``T``), ``G`` at each breakpoint (int64, ``G[0] = 0``), and the slope on
    ``[B[i], B[i+1])`` (number of Ps doing collector work; ``slope[-1] = 0``). Intervals are
    clipped to ``[0, T]``; the slope is capped at ``P`` so that overlapping GC intervals on
    one P cannot push utilisation below 0.
    """
    T = int(log.totals.sim_time_ns)
    iv = log.intervals
    gc = np.isin(iv["kind"], np.array([int(k) for k in MMU_GC_KINDS], dtype=iv["kind"].dtype))
    s = np.clip(iv["start_ns"][gc].astype(np.int64), 0, T)
    e = np.clip(iv["end_ns"][gc].astype(np.int64), 0, T)
    keep = e > s
    s, e = s[keep], e[keep]
    times = np.concatenate([s, e, np.array([0, T], dtype=np.int64)])
    deltas = np.concatenate(
        [np.ones(s.size, np.int64), -np.ones(e.size, np.int64), np.zeros(2, np.int64)]
    )
    B, inv = np.unique(times, return_inverse=True)
    d = np.zeros(B.size, dtype=np.int64)
    np.add.at(d, inv, deltas)
    slope = np.minimum(np.cumsum(d), max(int(log.nprocs), 1))
    slope[-1] = 0
    G = np.zeros(B.size, dtype=np.int64)
    np.cumsum(slope[:-1] * np.diff(B), out=G[1:])
    return B, G, slope


def _g_at(x: np.ndarray, B: np.ndarray, G: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """``G(x)`` for ``x`` in ``[0, T]``, in exact integer arithmetic."""
    i = np.searchsorted(B, x, side="right") - 1
    return G[i] + slope[i] * (x - B[i])


def mmu(log: RunLog, windows_ns: np.ndarray | list[int]) -> np.ndarray:
    """Exact ``MMU(w)`` for every window ``w`` in ``windows_ns`` (ns, rounded to integers,
    must be > 0), in the given order.

    ``f(t) = G(t+w) - G(t)`` is piecewise linear with kinks where ``t`` or ``t+w`` is a
    breakpoint of ``G``, so its maximum over ``[0, T-w]`` is attained at a candidate
    ``t in B union (B - w)`` clipped to that range; both endpoints are candidates since
    ``0, T in B``. Cost per window is O(|B| log |B|) vectorised. A run with ``T = 0`` has
    utilisation 1.
    """
    w_all = np.rint(np.asarray(windows_ns, dtype=np.float64)).astype(np.int64).ravel()
    if np.any(w_all <= 0):
        raise ValueError("MMU windows must be positive")
    T = int(log.totals.sim_time_ns)
    P = max(int(log.nprocs), 1)
    out = np.ones(w_all.size, dtype=np.float64)
    if T <= 0:
        return out
    B, G, slope = gc_curve(log)
    whole = 1.0 - float(G[-1]) / (T * P)
    for k, w in enumerate(w_all.tolist()):  # one vectorised pass per window (~40 windows)
        if w >= T:
            out[k] = whole
            continue
        hi = np.searchsorted(B, T - w, side="right")  # t = B[:hi] <= T - w
        lo = np.searchsorted(B, w, side="left")  # t = B[lo:] - w >= 0
        best = 0
        if hi:
            best = int(np.max(_g_at(B[:hi] + w, B, G, slope) - G[:hi]))
        if lo < B.size:
            best = max(best, int(np.max(G[lo:] - _g_at(B[lo:] - w, B, G, slope))))
        out[k] = 1.0 - best / (w * P)
    return out


def bmu(mmu_values: np.ndarray | list[float], windows_ns: np.ndarray | None = None) -> np.ndarray:
    """Bounded MMU: ``BMU(w) = min over w' >= w of MMU(w')``.

    ``mmu_values`` are taken as ordered by increasing window unless ``windows_ns`` is given,
    in which case the result is aligned with the given (possibly unsorted) windows.
    """
    v = np.asarray(mmu_values, dtype=np.float64).ravel()
    if v.size == 0:
        return v.copy()
    if windows_ns is None:
        return np.minimum.accumulate(v[::-1])[::-1]
    order = np.argsort(np.asarray(windows_ns).ravel(), kind="stable")
    out = np.empty_like(v)
    out[order] = np.minimum.accumulate(v[order][::-1])[::-1]
    return out


def default_windows(sim_time_ns: int, n: int = 40, min_ns: int = 10_000) -> np.ndarray:
    """About ``n`` unique integer log-spaced windows (ns) from ``min_ns`` (10 µs; or
    ``max(1, T // 100)`` when the run is not longer than that) up to the run length ``T``,
    which is always the last window. Empty when ``T <= 0``."""
    T = int(sim_time_ns)
    if T <= 0:
        return np.zeros(0, dtype=np.int64)
    lo = min_ns if T > min_ns else max(1, T // 100)
    w = np.unique(np.rint(np.geomspace(lo, T, n)).astype(np.int64))
    w[-1] = T
    return w
