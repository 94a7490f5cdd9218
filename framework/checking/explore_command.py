"""``gclab explore DESIGN...``: exhaustive small-scope exploration (``explore.py``). Prints the
states found at each depth, then a bounded proof ("no violation in all N states up to depth
D") or a shortest violating run told as a story. Exit 1 when a design breaks an invariant,
2 on bad arguments.
"""

from __future__ import annotations

import argparse
import dataclasses

from framework.checking.explore import DESIGNS, SCOPES, Level, Result, Scope, explore
from framework.cli.console import out, result
from framework.cli.usage import usage_error

_SCOPE_FLAGS = ("goroutines", "slots", "frame_slots", "globals", "fields", "objects", "cycles")


def _scope(args: argparse.Namespace) -> Scope:
    base = SCOPES[args.scope]
    over = {k: getattr(args, k) for k in _SCOPE_FLAGS if getattr(args, k) is not None}
    return dataclasses.replace(base, **over)


def _table(results: list[Result]) -> str:
    rows = [
        "| design | expected | result | states | depth | steps | seconds | states/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        des = DESIGNS[r.design]
        if r.trace is not None:
            what = f"violation, {len(r.trace)} steps"
        else:
            what = "whole space, clean" if r.complete else "clean"
        rows.append(
            f"| `{r.design}` | {'safe' if des.safe else 'unsafe'} | {what} | {r.states:,} | "
            f"{r.depth} | {r.transitions:,} | {r.seconds:.1f} | {r.rate:,.0f} |"
        )
    return "\n".join(rows)


def _cmd_explore(args: argparse.Namespace) -> int:
    if args.list:
        for name, d in DESIGNS.items():
            out.info(f"{name:30s} {'safe  ' if d.safe else 'unsafe'} {d.note}")
        return 0
    names = list(DESIGNS) if args.all else args.designs
    if not names:
        return usage_error("explore: name a design (or --all); --list shows them")
    for n in names:
        if n not in DESIGNS:
            return usage_error(f"explore: unknown design {n!r}; allowed: {', '.join(DESIGNS)}")
    for k in _SCOPE_FLAGS:
        v = getattr(args, k)
        least = 0 if k == "frame_slots" else 1
        if v is not None and v < least:
            return usage_error(f"explore: --{k.replace('_', '-')} must be at least {least}")
    if args.depth is not None and args.depth < 0:
        return usage_error("explore: --depth must be at least 0")
    if args.time_limit is not None and not args.time_limit > 0:
        return usage_error("explore: --time-limit must be a positive number of seconds")
    if args.max_states is not None and args.max_states < 1:
        return usage_error("explore: --max-states must be at least 1")
    scope = _scope(args)
    depth = args.depth if args.depth is not None else 1 << 30
    out.info(f"scope: {scope.describe()}; sleep sets {'off' if args.no_reduction else 'on'}")
    results = []
    bad = False
    for n in names:

        def show(lv: Level) -> None:
            out.info(
                f"  depth {lv.depth:3d}: {lv.states:>10,} new states, {lv.transitions:>11,}"
                f" steps, {lv.seconds:8.1f} s"
            )

        out.info(f"{n}: {DESIGNS[n].note}")
        r = explore(
            n,
            scope,
            depth,
            reduce=not args.no_reduction,
            time_limit=args.time_limit,
            max_states=args.max_states,
            progress=show,
        )
        results.append(r)
        result(r.summary())
        if r.trace is not None:
            result(r.story)
            bad = True
    if args.all or len(results) > 1:
        result("\n" + _table(results))
    return 1 if bad else 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    e = sub.add_parser(
        "explore",
        help="explore every interleaving of a small heap (bounded model checking)",
        description="Breadth-first exploration of every interleaving of mutator and collector "
        "steps on the real heap code, checking every invariant at every state.",
    )
    e.add_argument("designs", nargs="*", metavar="DESIGN", help="design names (see --list)")
    e.add_argument("--list", action="store_true", help="list the designs")
    e.add_argument("--all", action="store_true", help="explore every design, then a table")
    e.add_argument(
        "--scope",
        choices=sorted(SCOPES),
        default="go-weave",
        help="a preset scope (default go-weave: 2 goroutines, 3 objects x 2 fields)",
    )
    for k, what in (
        ("goroutines", "goroutines"),
        ("slots", "stack slots per goroutine"),
        ("frame_slots", "slots of an optional called frame (0: no calls)"),
        ("globals", "globals"),
        ("fields", "pointer fields per object"),
        ("objects", "most objects allocated at once"),
        ("cycles", "most collection cycles started"),
    ):
        e.add_argument(f"--{k.replace('_', '-')}", dest=k, type=int, help=f"override: {what}")
    e.add_argument("--depth", type=int, help="most steps from the empty heap (default: no bound)")
    e.add_argument("--time-limit", type=float, default=600.0, help="seconds per design (600)")
    e.add_argument("--max-states", type=int, help="stop after this many states")
    e.add_argument("--no-reduction", action="store_true", help="turn sleep sets off")
    e.set_defaults(func=_cmd_explore)
