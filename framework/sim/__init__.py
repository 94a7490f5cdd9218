"""The simpy model of the runtime: processors, goroutines, the safepoint, and the run loop.

Only this package imports simpy. Simpy schedules coarse steps (a mutator quantum, a
collector phase); per-operation work happens inside compiled kernels.
"""
