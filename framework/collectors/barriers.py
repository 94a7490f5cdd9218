"""Write barriers: one registered object per barrier, which everything else reads.

Rules: a barrier is a ``Barrier`` value registered here (``register``; plugins use the
``gclab.barriers`` entry point group or ``gclab --plugin``). It states, as data:

- ``shades``: its shading rule, a set of the op kernel's primitives (``layout.SHADE_*``:
  the overwritten value, the new value, the new value while the writer's stack is grey,
  the holder re-greyed when it is black and the new value white). The kernel applies
  whatever set it is given, so a barrier composed of these needs no kernel edit; a rule
  outside them needs a new primitive in ``kernels/mutator.write_barrier`` (as MMTk adds a
  barrier to its barrier selector);
- ``invariant``: the tri-colour invariant it keeps while stacks may be grey ("strong": no
  black object points to a white one; "weak": every white object a black one points to is
  grey-protected; "none"), which the safety checker asserts at every step;
- ``rescan_stacks`` / ``snapshot_stacks``: the stack work its correctness needs (a re-scan
  at mark termination, as Dijkstra's unbarriered stacks need; a snapshot at sweep
  termination, as Yuasa's); ``Policy.for_barrier`` takes its defaults from them;
- ``label`` and ``note`` for legends and listings, and ``look`` (a ``plots.palette.Look``,
  optional) for figures; the palette's own entries win for the built-ins.

``ConcurrentParams.barrier``, ``tricolour.Policy``, the checker's invariant choice, the
explorer's designs, the palette and the conformance suite all read this registry.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Literal

from framework.runtime import layout as L

Invariant = Literal["strong", "weak", "none"]
PRIMITIVES = L.SHADE_OLD | L.SHADE_NEW | L.SHADE_NEW_IF_GREY | L.SHADE_HOLDER


@dataclass(frozen=True)
class Barrier:
    name: str
    shades: int
    invariant: Invariant
    rescan_stacks: bool = False
    snapshot_stacks: bool = False
    label: str = ""
    note: str = ""
    look: Any = None  # a framework.plots.palette.Look; None: the palette chooses

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name:
            raise ValueError(f"barrier name {self.name!r}: a non-empty name without '/'")
        if self.shades & ~PRIMITIVES:
            raise ValueError(
                f"barrier {self.name!r}: shades={self.shades:#x} uses bits the kernel does not "
                f"implement; allowed: layout.SHADE_OLD | SHADE_NEW | SHADE_NEW_IF_GREY | "
                "SHADE_HOLDER"
            )
        if self.invariant not in ("strong", "weak", "none"):
            raise ValueError(f"barrier {self.name!r}: invariant must be strong, weak or none")

    @property
    def display(self) -> str:
        return self.label or self.name


_REGISTRY: dict[str, Barrier] = {}
_MODULES: dict[str, str] = {}  # barrier name -> the module that registered it


def register(barrier: Barrier) -> Barrier:
    if barrier.name in _REGISTRY:
        raise ValueError(f"barrier {barrier.name!r} registered twice")
    _REGISTRY[barrier.name] = barrier
    _MODULES[barrier.name] = sys._getframe(1).f_globals.get("__name__", "")
    return barrier


def module_of(name: str) -> str:
    """The module that registered barrier ``name`` (what sweep workers must import)."""
    return _MODULES[name]


def get(name: str) -> Barrier:
    return _REGISTRY[name]


def names() -> list[str]:
    return list(_REGISTRY)  # registration order: the built-ins first, as they are listed


def all_barriers() -> dict[str, Barrier]:
    return dict(_REGISTRY)


register(Barrier("none", L.BARRIER_OFF, "none", label="no barrier", note="unsafe: a baseline"))
register(
    Barrier(
        "dijkstra",
        L.BARRIER_DIJKSTRA,
        "strong",
        rescan_stacks=True,
        label="Dijkstra",
        note="insertion: shade(new); stacks re-scanned at mark termination (Go 1.5-1.7)",
    )
)
register(
    Barrier(
        "yuasa",
        L.BARRIER_YUASA,
        "weak",
        snapshot_stacks=True,
        label="Yuasa",
        note="deletion: shade(old); stacks snapshot at sweep termination",
    )
)
register(
    Barrier(
        "hybrid",
        L.BARRIER_HYBRID,
        "weak",
        label="hybrid",
        note="Go 1.8+ (proposal 17503): shade(old), shade(new) while the stack is grey",
    )
)
register(
    Barrier(
        "hybrid-go",
        L.BARRIER_HYBRID_GO,
        "weak",
        label="hybrid (Go's code)",
        note="Go 1.19's gcWriteBarrier: shade(old) and shade(new), always",
    )
)
