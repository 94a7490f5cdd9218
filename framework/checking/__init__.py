"""Safety checking: invariants over the real heap, a step driver that forces interleavings,
a hypothesis state machine over it, and the simulation-wide ``gclab check``."""
