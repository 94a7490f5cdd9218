"""Steele's write barrier (1975) as a gclab plugin: one definition, one registration.

When a pointer to a white object is stored into a black object, the black object is made
grey again, so the collector re-scans it: no black object ever points to a white one (the
strong tri-colour invariant) without adding the new object to the live set, as Dijkstra's
barrier does, so less floating garbage. Stacks are not barriered (as in Go), so, like
Dijkstra's, it needs the stacks re-scanned at mark termination. A store into a global (a
root, which is never re-scanned) shades the new object instead.
"""

from framework.collectors import barriers
from framework.runtime import layout as L

barriers.register(
    barriers.Barrier(
        "steele",
        shades=L.SHADE_HOLDER,
        invariant="strong",
        rescan_stacks=True,
        label="Steele",
        note="re-grey a black object that receives a white pointer; stacks re-scanned",
    )
)
