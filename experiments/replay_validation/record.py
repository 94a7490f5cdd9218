"""Record the real Go runs that ``replay_validation`` predicts (Go needed here only).

Rule: for each program (a ``go_reference`` matrix entry recorded at GOGC=100), run the same
binary once per setting: GOGC=50, 200, 400, and GOGC=100 under a memory limit. The limit
is ``1.5 x`` the GOGC=100 log's peak marked heap plus the runtime's non-heap memory
(``Sys - HeapSys`` of that run's MemStats), rounded up to a MiB: below the GOGC=100 peak,
so it binds. The GOGC=100 runs themselves are ``go_reference``'s ``run1``. Stores
``data/<program>_<setting>/run1.gctrace.txt`` (stderr, ``GODEBUG=gctrace=1``) and
``run1.json`` (the program's report: MemStats, runtime/metrics, phases, rusage; plus the
env and the machine).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
REFERENCE = HERE.parent / "go_reference"

PROGRAMS = {  # validation name -> go_reference config recorded at GOGC=100
    "steady": "steady_p2_gogc100",
    "noscan_256b": "noscan_256b",
    "bintree": "bintree_d16",
    "growing": "growing_gogc100",
    "gor_g1000_d100": "gor_g1000_d100_gogc100",
}
GOGCS = (50, 200, 400)
SMALL = {  # the small real log tests/replay replays (steady, 4 MiB live, ~12 cycles)
    "description": "small steady run for tests",
    "gomaxprocs": 2,
    "gogc": 100,
    "workload": {
        "name": "steady", "live_objects": 32_768, "object_size": 128, "pointers": 1,
        "anchors": 256, "anchor_size": 64, "replacements": 800_000, "replace": "random",
    },
}  # fmt: skip
TESTS_DATA = HERE.parent.parent / "tests" / "replay" / "data"


def reference_log(program: str) -> Path:
    """The committed GOGC=100 gctrace log of ``program``."""
    return REFERENCE / "data" / PROGRAMS[program] / "run1.gctrace.txt"


def reference_memstats(program: str) -> Path:
    return REFERENCE / "data" / PROGRAMS[program] / "run1.json"


def memory_limit_mib(program: str) -> int:
    """The limit the validation sets (see the module rule)."""
    from framework.traces.gctrace_import import import_log

    cycles = import_log(reference_log(program)).cycles
    ms = json.loads(reference_memstats(program).read_text())["report"]["memstats"]
    overhead = ms["Sys"] - ms["HeapSys"]
    return math.ceil((1.5 * cycles["marked"].max() + overhead) / (1 << 20))


def settings(program: str) -> dict[str, dict[str, str]]:
    """``{setting name: GOGC/GOMEMLIMIT env}`` of the runs to record."""
    out = {f"gogc{g}": {"GOGC": str(g), "GOMEMLIMIT": "off"} for g in GOGCS}
    out[f"memlimit{memory_limit_mib(program)}"] = {
        "GOGC": "100",
        "GOMEMLIMIT": f"{memory_limit_mib(program)}MiB",
    }
    return out


def record(
    program: str,
    setting: str,
    env_over: dict[str, str],
    entry: dict[str, Any] | None = None,
    folder: Path | None = None,
    name: str = "run1",
) -> None:
    from experiments.go_reference.matrix import go_build, load_matrix
    from experiments.go_reference.record import build, machine

    entry = entry or load_matrix()[PROGRAMS[program]]
    consts, argv = go_build(entry)
    binary, facts = build(consts)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(GOMAXPROCS=str(entry["gomaxprocs"]), GODEBUG="gctrace=1", **env_over)
    t0 = time.perf_counter()
    proc = subprocess.run([str(binary), *argv], env=env, capture_output=True, check=True)
    wall = time.perf_counter() - t0
    folder = folder or DATA / f"{program}_{setting}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.gctrace.txt").write_bytes(proc.stderr)
    rec: dict[str, Any] = {
        "config": f"{program}_{setting}",
        "run": 1,
        "reference": PROGRAMS.get(program, program),
        "env": {k: env[k] for k in ("GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG")},
        "argv": argv,
        "process_wall_s": wall,
        "loadavg": os.getloadavg(),
        "machine": machine(),
        "build": {"hash": facts["hash"], "globals_bytes": facts["globals_bytes"]},
        "report": json.loads(proc.stdout),
    }
    (folder / f"{name}.json").write_text(json.dumps(rec, separators=(",", ":")) + "\n")
    n = proc.stderr.count(b"\ngc ") + proc.stderr.startswith(b"gc ")
    print(f"{program}_{setting:14s} {wall:6.2f} s {n:4d} GCs load {os.getloadavg()[0]:.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.replay_validation.record")
    ap.add_argument("--only", action="append", help="program name (repeatable)")
    ap.add_argument("--small", action="store_true", help="record tests/replay/data only")
    args = ap.parse_args(argv)
    if args.small:
        record("small", "gogc100", {"GOGC": "100", "GOMEMLIMIT": "off"}, SMALL, TESTS_DATA, "small")
        return 0
    for program in args.only or list(PROGRAMS):
        for setting, env in settings(program).items():
            record(program, setting, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
