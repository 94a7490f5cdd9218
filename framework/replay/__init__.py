"""``gclab replay``: a real program's gctrace log -> a workload that behaves like it."""
