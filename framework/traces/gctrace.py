"""Go's ``GODEBUG=gctrace=1`` line: formatting simulated cycles, and parsing real logs.

Format (Go 1.19, runtime/mgc.go gcMarkTermination; details in docs/go-reference.md §9)::

    gc N @S.SSSs U%: A+B+C ms clock, D+E/F/G+H ms cpu, X->Y->Z MB, G MB goal,
    K MB stacks, L MB globals, P P

A, C are the two stop-the-world phases (sweep termination, mark termination) and B the
concurrent mark, wall clock; D = A * P and H = C * P; E, F, G are assist, background
(dedicated + fractional) and idle mark CPU; X, Y, Z are heapLive at the start, heapLive at
mark termination, and bytes marked; all MB values are ``bytes >> 20``. U is the GC CPU
fraction *since the program started*, truncated. Times use Go's ``fmtNSAsMS``: whole ms at
or above 10 ms, else two significant digits with at most three decimals, truncated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

LINE_RE = re.compile(
    r"^gc (?P<n>\d+) @(?P<at>\d+\.\d+)s (?P<pct>\d+)%: "
    r"(?P<c1>[\d.]+)\+(?P<c2>[\d.]+)\+(?P<c3>[\d.]+) ms clock, "
    r"(?P<p1>[\d.]+)\+(?P<assist>[\d.]+)/(?P<bg>[\d.]+)/(?P<idle>[\d.]+)\+(?P<p3>[\d.]+) ms cpu, "
    r"(?P<h0>\d+)->(?P<h1>\d+)->(?P<h2>\d+) MB, (?P<goal>\d+) MB goal, "
    r"(?:(?P<stacks>\d+) MB stacks, (?P<globals>\d+) MB globals, )?"
    r"(?P<procs>\d+) P(?P<forced> \(forced\))?$"
)


def fmt_ns_as_ms(ns: int) -> str:
    """Go's fmtNSAsMS."""
    ns = int(ns)
    if ns >= 10_000_000:
        return str(ns // 1_000_000)
    x = ns // 1000
    if x == 0:
        return "0"
    dec = 3
    while x >= 100:
        x //= 10
        dec -= 1
    return _itoa_div(x, dec)


def _itoa_div(val: int, dec: int) -> str:
    s = str(val)
    if dec == 0:
        return s
    s = s.rjust(dec + 1, "0")
    return s[:-dec] + "." + s[-dec:]


def format_line(row: dict[str, Any], gc_cpu_fraction: float, nprocs: int) -> str:
    """One gctrace line from a cycle-table row (``Cycle.row()``)."""
    c1 = int(row["mark_start_ns"]) - int(row["start_ns"])
    c2 = int(row["mark_end_ns"]) - int(row["mark_start_ns"])
    c3 = int(row["end_ns"]) - int(row["mark_end_ns"])
    at_ms = int(row["start_ns"]) // 1_000_000
    mb = 20
    return (
        f"gc {int(row['cycle'])} @{at_ms // 1000}.{at_ms % 1000:03d}s "
        f"{int(gc_cpu_fraction * 100)}%: "
        f"{fmt_ns_as_ms(c1)}+{fmt_ns_as_ms(c2)}+{fmt_ns_as_ms(c3)} ms clock, "
        f"{fmt_ns_as_ms(c1 * nprocs)}+{fmt_ns_as_ms(int(row['assist_cpu_ns']))}/"
        f"{fmt_ns_as_ms(int(row['background_cpu_ns']))}/{fmt_ns_as_ms(int(row['idle_cpu_ns']))}"
        f"+{fmt_ns_as_ms(c3 * nprocs)} ms cpu, "
        f"{int(row['heap_at_start']) >> mb}->{int(row['heap_at_mark_end']) >> mb}->"
        f"{int(row['marked']) >> mb} MB, {max(0, int(row['goal'])) >> mb} MB goal, "
        f"{int(row['stack_bytes']) >> mb} MB stacks, {int(row['globals_bytes']) >> mb} MB globals, "
        f"{nprocs} P"
    )


def cumulative_gc_cpu(rows: list[dict[str, Any]], nprocs: int) -> list[float]:
    """Go's gctrace %: GC CPU (STW * P + assist + background) / (elapsed * P) since start,
    evaluated at each cycle's end."""
    total = 0.0
    out = []
    for r in rows:
        stw = (int(r["mark_start_ns"]) - int(r["start_ns"])) + (
            int(r["end_ns"]) - int(r["mark_end_ns"])
        )
        total += stw * nprocs + int(r["assist_cpu_ns"]) + int(r["background_cpu_ns"])
        elapsed = max(1, int(r["end_ns"]))
        out.append(total / (elapsed * nprocs))
    return out


def format_trace(rows: list[dict[str, Any]], nprocs: int) -> list[str]:
    fractions = cumulative_gc_cpu(rows, nprocs)
    return [format_line(r, f, nprocs) for r, f in zip(rows, fractions, strict=True)]


@dataclass(frozen=True)
class TraceLine:
    """A parsed gctrace line; times in ns (as precise as the text), sizes in MiB."""

    cycle: int
    at_s: float
    gc_cpu_pct: int
    sweep_term_ns: float
    mark_ns: float
    mark_term_ns: float
    stw_sweep_term_cpu_ns: float
    assist_cpu_ns: float
    background_cpu_ns: float
    idle_cpu_ns: float
    stw_mark_term_cpu_ns: float
    heap_start_mib: int
    heap_mark_end_mib: int
    marked_mib: int
    goal_mib: int
    stacks_mib: int | None
    globals_mib: int | None
    procs: int
    forced: bool


def parse_line(line: str) -> TraceLine | None:
    """Parse one gctrace line (Go 1.19's format, or older ones without stacks/globals)."""
    m = LINE_RE.match(line.strip())
    if not m:
        return None
    g = m.groupdict()

    def ms(key: str) -> float:
        return float(g[key]) * 1e6

    return TraceLine(
        cycle=int(g["n"]),
        at_s=float(g["at"]),
        gc_cpu_pct=int(g["pct"]),
        sweep_term_ns=ms("c1"),
        mark_ns=ms("c2"),
        mark_term_ns=ms("c3"),
        stw_sweep_term_cpu_ns=ms("p1"),
        assist_cpu_ns=ms("assist"),
        background_cpu_ns=ms("bg"),
        idle_cpu_ns=ms("idle"),
        stw_mark_term_cpu_ns=ms("p3"),
        heap_start_mib=int(g["h0"]),
        heap_mark_end_mib=int(g["h1"]),
        marked_mib=int(g["h2"]),
        goal_mib=int(g["goal"]),
        stacks_mib=int(g["stacks"]) if g["stacks"] is not None else None,
        globals_mib=int(g["globals"]) if g["globals"] is not None else None,
        procs=int(g["procs"]),
        forced=g["forced"] is not None,
    )
