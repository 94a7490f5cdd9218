"""Compiled (numba) kernels that do the per-operation work on the heap arrays.

Rules: kernels are the only code that loops over objects, slots, fields or ops; they take
the whole ``HeapArrays`` namedtuple, mutate it in place, never allocate heap tables, and
report capacity shortfalls with ``ST_GROW`` *before* changing any state, so the caller can
grow the tables and call again. They never read the clock: they return simulated cost in ns
computed from the cost vector.
"""
