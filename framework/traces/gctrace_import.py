"""Importing real Go ``GODEBUG=gctrace=1`` logs into gclab's per-cycle schema.

Rules: every line that holds a gctrace record is read (a prefix such as a logger's
timestamp is skipped); other lines (program output, ``scvg`` lines) are counted and
ignored. Columns follow ``framework.events.Cycle`` (``cycles.csv``); times are absolute ns
from the program's start (``@`` is the cycle's start), sizes are bytes from the MiB Go
prints, so they are truncated to whole MiB. ``gomaxprocs``, ``forced`` and ``gc_cpu_pct``
(Go's cumulative GC CPU percentage) are added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from framework.traces.gctrace import TraceLine, parse_line

if TYPE_CHECKING:  # pandas is imported where a table is built: it costs 0.2 s at start
    import pandas as pd

MiB = 1 << 20
_START = re.compile(r"gc \d+ @")

COLUMNS = [
    "cycle", "start_ns", "mark_start_ns", "mark_end_ns", "end_ns",
    "heap_at_start", "heap_at_mark_end", "marked", "goal", "stack_bytes", "globals_bytes",
    "stw_sweep_term_ns", "concurrent_mark_ns", "stw_mark_term_ns",
    "assist_cpu_ns", "background_cpu_ns", "idle_cpu_ns", "gomaxprocs", "forced", "gc_cpu_pct",
]  # fmt: skip


@dataclass(frozen=True)
class Imported:
    cycles: pd.DataFrame
    lines: int  # lines read
    skipped: int  # lines that held no gctrace record


def find_record(line: str) -> TraceLine | None:
    t = parse_line(line)
    if t is not None:
        return t
    m = _START.search(line)
    return parse_line(line[m.start() :]) if m else None


def _row(t: TraceLine) -> dict[str, int | bool]:
    start = round(t.at_s * 1e9)
    mark_start = start + round(t.sweep_term_ns)
    mark_end = mark_start + round(t.mark_ns)
    return {
        "cycle": t.cycle,
        "start_ns": start,
        "mark_start_ns": mark_start,
        "mark_end_ns": mark_end,
        "end_ns": mark_end + round(t.mark_term_ns),
        "heap_at_start": t.heap_start_mib * MiB,
        "heap_at_mark_end": t.heap_mark_end_mib * MiB,
        "marked": t.marked_mib * MiB,
        "goal": t.goal_mib * MiB,
        "stack_bytes": (t.stacks_mib or 0) * MiB,
        "globals_bytes": (t.globals_mib or 0) * MiB,
        "stw_sweep_term_ns": round(t.sweep_term_ns),
        "concurrent_mark_ns": round(t.mark_ns),
        "stw_mark_term_ns": round(t.mark_term_ns),
        "assist_cpu_ns": round(t.assist_cpu_ns),
        "background_cpu_ns": round(t.background_cpu_ns),
        "idle_cpu_ns": round(t.idle_cpu_ns),
        "gomaxprocs": t.procs,
        "forced": t.forced,
        "gc_cpu_pct": t.gc_cpu_pct,
    }


def import_text(text: str) -> Imported:
    lines = text.splitlines()
    import pandas as pd

    rows = [_row(t) for t in map(find_record, lines) if t is not None]
    df = pd.DataFrame(rows, columns=COLUMNS)
    return Imported(df, len(lines), len(lines) - len(rows))


def import_log(path: str | Path) -> Imported:
    return import_text(Path(path).read_text(errors="replace"))


NEEDED = ["cycle", "marked", "goal", "stw_sweep_term_ns", "stw_mark_term_ns"]


def load_cycles(path: str | Path) -> pd.DataFrame:
    """Cycles from an imported CSV (``gclab gctrace import``) or straight from a log. A CSV
    must be UTF-8 with numeric columns ``NEEDED`` (else ``BadInputError`` naming the file)."""
    import pandas as pd

    from framework.cli.usage import BadInputError

    p = Path(path)
    if p.suffix != ".csv":
        return import_log(p).cycles
    try:
        df = pd.read_csv(p, encoding="utf-8")
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=COLUMNS)
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise BadInputError(f"{p}: not a cycles CSV ({msg})") from None
    missing = [c for c in NEEDED if c not in df.columns]
    bad = [c for c in NEEDED if c in df.columns and not pd.api.types.is_numeric_dtype(df[c])]
    if missing or bad:
        what = f"no column {', '.join(missing)}" if missing else f"non-numeric {', '.join(bad)}"
        raise BadInputError(
            f"{p}: not a cycles CSV ({what}); `gclab gctrace import LOG` writes one"
        )
    return df
