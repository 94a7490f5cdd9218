"""The simulated Go runtime: size classes, the structure-of-arrays heap, the allocator and
the compiled kernels that do per-operation work."""
