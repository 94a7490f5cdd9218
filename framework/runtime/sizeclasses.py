"""Go 1.19's size classes (runtime/sizeclasses.go), loaded from the packaged CSV.

Class 0 is Go's "large object" class: objects over ``MAX_SMALL_SIZE`` (32 KiB) get a span of
their own, rounded up to whole 8 KiB pages. ``size_to_class`` follows Go's two lookup tables
(``size_to_class8`` for sizes <= 1024 with 8-byte granularity, ``size_to_class128`` above).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

import numpy as np

PAGE_SIZE = 8192  # Go: _PageSize = 1 << _PageShift (13)
MAX_SMALL_SIZE = 32768  # Go: _MaxSmallSize
SMALL_SIZE_DIV = 8
SMALL_SIZE_MAX = 1024
LARGE_SIZE_DIV = 128
NUM_CLASSES = 68  # Go: _NumSizeClasses (class 0 included)
ARENA_BYTES = 64 << 20  # Go: heapArenaBytes on 64-bit Linux
ARENA_PAGES = ARENA_BYTES // PAGE_SIZE


@dataclass(frozen=True)
class SizeClassTable:
    """Per-class arrays indexed by class id (0..67; row 0 is the large-object class)."""

    size: np.ndarray  # bytes per object
    npages: np.ndarray  # pages per span
    nelems: np.ndarray  # objects per span
    tail_waste: np.ndarray
    lookup8: np.ndarray  # class for (size + 7) >> 3, sizes 0..1024
    lookup128: np.ndarray  # class for (size - 1024 + 127) >> 7, sizes 1025..32768


def _load() -> SizeClassTable:
    text = resources.files("framework.data").joinpath("go1.19_sizeclasses.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    n = len(rows) + 1
    size = np.zeros(n, dtype=np.int64)
    npages = np.zeros(n, dtype=np.int64)
    nelems = np.zeros(n, dtype=np.int64)
    tail = np.zeros(n, dtype=np.int64)
    for r in rows:
        c = int(r["class"])
        size[c] = int(r["bytes_obj"])
        npages[c] = int(r["npages"])
        nelems[c] = int(r["objects"])
        tail[c] = int(r["tail_waste"])
    # Go builds the lookup tables so that each entry names the smallest class that fits.
    lookup8 = np.zeros(SMALL_SIZE_MAX // SMALL_SIZE_DIV + 1, dtype=np.int16)
    for i in range(len(lookup8)):
        lookup8[i] = int(np.searchsorted(size[1:], i * SMALL_SIZE_DIV)) + 1
    lookup128 = np.zeros((MAX_SMALL_SIZE - SMALL_SIZE_MAX) // LARGE_SIZE_DIV + 1, dtype=np.int16)
    for i in range(len(lookup128)):
        lookup128[i] = int(np.searchsorted(size[1:], SMALL_SIZE_MAX + i * LARGE_SIZE_DIV)) + 1
    return SizeClassTable(size, npages, nelems, tail, lookup8, lookup128)


TABLE = _load()


def size_to_class(size: int) -> int:
    """Size class for an allocation of ``size`` bytes (0 means a large object)."""
    if size <= SMALL_SIZE_MAX - 8:
        return int(TABLE.lookup8[(size + SMALL_SIZE_DIV - 1) // SMALL_SIZE_DIV])
    if size <= MAX_SMALL_SIZE:
        return int(TABLE.lookup128[(size - SMALL_SIZE_MAX + LARGE_SIZE_DIV - 1) // LARGE_SIZE_DIV])
    return 0


def large_npages(size: int) -> int:
    """Pages of the dedicated span of a large object (Go rounds up to whole pages)."""
    return -(-size // PAGE_SIZE)
