"""Bad-input probes: every ``gclab`` command fed what a hostile new user would type.

The rule each probe checks (``framework.cli.usage``): exit status 2, stderr names the key or
argument (the probe's ``needle``) and says what is allowed, no traceback, nothing written
(the work folder is identical before and after, and no ``--out`` target appears).

``python tests/hardening/probes.py`` runs every probe in a subprocess with a timeout (so a
hang or a crash shows) and prints one line per failing probe and a count per class;
``test_probes.py`` runs the same probes in process.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNWRITABLE = "/proc/gclab-probe/out"  # not creatable, even by root

GOOD = """
[run]
seed = 1
gomaxprocs = 2

[workload]
name = "steady"
live_objects = 2000
anchors = 64
replacements = 5000
goroutines = 2

[collector]
name = "concurrent"
barrier = "hybrid"
"""
RC = GOOD.replace('name = "concurrent"\nbarrier = "hybrid"', 'name = "rc"\ndeferred = true')
FIXED = GOOD + '\n[pacer]\nname = "fixed"\n'
GROWING = """
[workload]
name = "growing"
peak_objects = 2000
"""
SHUFFLE = '[workload]\nname = "shuffle"\nvia = "heap"\nslots = 4000\nmoves = 8000\n'
NO_NAME = "[workload]\nlive_objects = 2000\n"
SWEEP = 'base = "good.toml"\n[sweep]\nname = "s"\n"pacer.gogc" = [50, 100]\n'
GCTRACE = (
    "gc 1 @0.011s 2%: 0.015+1.2+0.003 ms clock, 0.031+0.21/1.0/0.62+0.007 ms cpu, "
    "4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\n"
)

RUN_FILES = {  # a tiny run folder, as gclab run writes one (for gclab trace and export)
    "summary.json": b'{"sim_time_ns": 1000, "gomaxprocs": 1}\n',
    "intervals.csv": b"p,start_ns,end_ns,kind\n0,0,1000,mutator\n",
    "pauses.csv": b"start_ns,end_ns,phase,cycle,ttsp_ns,duration_ns\n",
    "heap.csv": b"t_ns,heap_live\n500,1024\n",
    "cycles.csv": b"cycle,start_ns,mark_start_ns,mark_end_ns,end_ns\n",
}

FILES: dict[str, bytes] = {
    "good.toml": GOOD.encode(),
    "rc.toml": RC.encode(),
    "fixed.toml": FIXED.encode(),
    "growing.toml": GROWING.encode(),
    "shuffle.toml": SHUFFLE.encode(),
    "noname.toml": NO_NAME.encode(),
    "sweep.toml": SWEEP.encode(),
    "random.toml": bytes(range(256)) * 4,
    "utf16.toml": GOOD.encode("utf-16"),
    "latin1.toml": ("# réglage\n" + GOOD).encode("latin-1"),
    "nul.toml": GOOD.encode() + b"\x00",
    "base_random.toml": b'base = "random.toml"\n[sweep]\nseeds = 2\n',
    "base_utf16.toml": b'base = "utf16.toml"\n[sweep]\nseeds = 2\n',
    "base_latin1.toml": b'base = "latin1.toml"\n[sweep]\nseeds = 2\n',
    "afile": b"a file, not a folder\n",
    "nocols.csv": b"a,b\n1,2\n",
    "empty.csv": b"",
    "binary.csv": bytes(range(256)) * 4,
    "latin1.csv": "cycle,marked,r\xe9\n1,2,3\n".encode("latin-1"),
    "header_only.csv": b"cycle,marked,goal,stw_sweep_term_ns,stw_mark_term_ns\n",
    "partial.csv": b"cycle,marked\n1,2\n",
    "binary.log": bytes(range(256)) * 4,
    "empty.log": b"",
    "trace.log": GCTRACE.encode(),
    "corrupt/results.sqlite": bytes(range(256)) * 16,
    "empty/results.sqlite": b"",
    **{f"{d}/{f}": data for d in ("arun", "badrun") for f, data in RUN_FILES.items()},
    "badrun/intervals.csv": b"p,start_ns,end_ns\n0,0,10\n",
    "nosummary/intervals.csv": RUN_FILES["intervals.csv"],
}


def _foreign_store(w: Path) -> None:
    (w / "foreign").mkdir()
    db = sqlite3.connect(w / "foreign" / "results.sqlite")
    db.execute("CREATE TABLE t (x INTEGER)")
    db.commit()
    db.close()


def make_workspace(w: Path, finished: Path, copy: bool = False) -> None:
    """Write the probes' input files into ``w``; ``finished`` is a finished sweep folder
    (``make_finished_sweep``), linked in as ``w/done`` (copied, when probes run at once)."""
    for name, data in FILES.items():
        p = w / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    _foreign_store(w)
    (w / "adir").mkdir()
    if copy:
        shutil.copytree(finished, w / "done")
    else:
        (w / "done").symlink_to(finished)


def make_finished_sweep(folder: Path) -> Path:
    """A finished one-run sweep (in process, about a second); returns its results folder."""
    from framework.cli import main

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.toml").write_text(GOOD)
    out = folder / "out"
    args = ["sweep", str(folder / "good.toml"), "--out", str(out), "-q", "--executor", "serial"]
    assert main(args) == 0
    return out


@dataclass(frozen=True)
class Probe:
    cls: str  # the bad-input class
    argv: tuple[str, ...]  # relative paths are in the work folder (the cwd)
    needle: str  # stderr must name this

    @property
    def id(self) -> str:
        return " ".join(self.argv)


def _p(cls: str, needle: str, *argv: str) -> Probe:
    return Probe(cls, tuple(argv), needle)


CONFIG_COMMANDS: list[tuple[str, ...]] = [
    ("run", "--out", "o", "--no-plot"),
    ("check",),
    ("sweep", "--dry-run"),
    ("sweep", "--out", "o", "--executor", "serial"),
]


def _with(cmd: tuple[str, ...], config: str, *extra: str) -> tuple[str, ...]:
    return (cmd[0], config, *cmd[1:], *extra)


def _sets(cls: str, config: str, key: str, values: list[str], cmds: int = 1) -> list[Probe]:
    return [
        Probe(cls, _with(cmd, config, "--set", f"{key}={v}"), key)
        for v in values
        for cmd in CONFIG_COMMANDS[:cmds]
    ]


NONFINITE = ["nan", "inf", "-inf", "+nan"]
ABSURD = ["1e308", "-1e308"]
TINY = ["1e-12", "5e-324"]

# (config, key, values) for numbers: every float field that had no finite bound.
NUMBER_KEYS: list[tuple[str, str, list[str]]] = [
    ("good.toml", "run.quantum_us", [*NONFINITE, *TINY]),
    ("good.toml", "run.max_sim_time_ms", [*NONFINITE, *ABSURD]),
    ("good.toml", "run.sample_interval_us", [*NONFINITE, *ABSURD, *TINY]),
    ("good.toml", "cost.alloc_ns", [*NONFINITE, *ABSURD]),
    ("good.toml", "cost.stw_ns", [*NONFINITE, "1e308"]),
    ("good.toml", "cost.mark_byte_ns", ["inf", "1e308"]),
    ("good.toml", "cost.scavenge_page_ns", ["nan", "1e308"]),
    ("good.toml", "pacer.memory_limit_mib", [*NONFINITE, *ABSURD]),
    ("good.toml", "collector.worker_slice_us", ["nan", *TINY]),
    ("good.toml", "metrics.mmu_windows_us", ["[nan]", "[inf]", "[1e308]", "[1e-12]", "[10, nan]"]),
    ("rc.toml", "collector.cycle_heap_mib", [*NONFINITE, *ABSURD, "-5", "0"]),
    ("rc.toml", "collector.reconcile_us", ["nan", "inf", "1e308", *TINY]),
    ("rc.toml", "collector.leak_sample_us", ["nan", "inf", "1e308", *TINY]),
    ("rc.toml", "collector.cascade_event_objects", ["9223372036854775807"]),
    ("fixed.toml", "pacer.trigger_ratio", ["nan", "inf"]),
    ("growing.toml", "workload.churn", ["nan", "inf"]),
    ("growing.toml", "workload.nil_fraction", ["nan"]),
    ("shuffle.toml", "workload.fields", ["256", "1024"]),  # the heap holds 255 per object
]

# (config, key, values) for types: booleans and strings where numbers belong, and back.
TYPE_KEYS: list[tuple[str, str, list[str]]] = [
    ("good.toml", "run.gomaxprocs", ["true", "false", '"2"', "2.5"]),
    ("good.toml", "run.seed", ["true", '"7"']),
    ("good.toml", "run.quantum_ops", ["true"]),
    ("good.toml", "run.quantum_us", ["true", '"50"']),
    ("good.toml", "pacer.gogc", ["true", '"100"', "[100]"]),
    ("good.toml", "pacer.memory_limit_mib", ["true", '"64"']),
    ("good.toml", "workload.live_objects", ["true", '"2000"', "2000.5"]),
    ("good.toml", "workload.replace", ["1", "true"]),
    ("good.toml", "collector.assists", ["1", '"yes"', '"false"']),
    ("good.toml", "collector.barrier", ["1", "true"]),
    ("good.toml", "cost.alloc_ns", ["true", '"15"']),
    ("good.toml", "metrics.mmu_windows_us", ["true", "[true]", '["10"]', "10"]),
    ("rc.toml", "collector.deferred", ["1", '"on"']),
    ("rc.toml", "collector.cycle_heap_mib", ["true"]),
]


def _config_probes() -> list[Probe]:
    out: list[Probe] = []
    bad_files = ["random.toml", "utf16.toml", "latin1.toml", "nul.toml"]
    for cmd in CONFIG_COMMANDS:
        for f in bad_files:
            out.append(Probe("not UTF-8", _with(cmd, f), f))
    for cmd in CONFIG_COMMANDS[2:]:
        for f in ("base_random.toml", "base_utf16.toml", "base_latin1.toml"):
            out.append(Probe("not UTF-8", _with(cmd, f), f.removeprefix("base_")))
    out.append(_p("not UTF-8", "adir", "run", "adir", "--out", "o"))
    out.append(_p("not UTF-8", "adir", "sweep", "adir", "--dry-run"))
    for cmd in CONFIG_COMMANDS[:3]:
        out.append(Probe("workload name", _with(cmd, "noname.toml"), "binary_trees"))
        out.append(
            Probe("workload name", _with(cmd, "good.toml", "--set", "workload.name="), "steady")
        )
    out += [
        _p("workload name", "steady", "run", "good.toml", "--set", "workload.name=5"),
        _p("workload name", "stw", "run", "good.toml", "--set", "collector.name=nope"),
        _p("workload name", "go119", "run", "good.toml", "--set", "pacer.name=[1]"),
        _p("workload name", "workload", "run", "good.toml", "--set", "workload=3"),
    ]
    for config, key, values in NUMBER_KEYS:
        out += _sets("numbers", config, key, values)
    for cmd in CONFIG_COMMANDS[1:]:  # the same checks in check and sweep
        out.append(Probe("numbers", _with(cmd, "good.toml", "--set", "cost.alloc_ns=nan"), "cost"))
        out.append(
            Probe(
                "numbers", _with(cmd, "good.toml", "--set", "run.sample_interval_us=1e-12"), "run"
            )
        )
    for config, key, values in TYPE_KEYS:
        out += _sets("types", config, key, values)
    for cmd in CONFIG_COMMANDS[1:]:
        out.append(Probe("types", _with(cmd, "good.toml", "--set", "run.gomaxprocs=true"), "run"))
    for cmd in CONFIG_COMMANDS:
        for v in ("2", "99"):
            out.append(
                Probe(
                    "cross-key",
                    _with(cmd, "good.toml", "--set", f"collector.skip_stack_of={v}"),
                    "collector.skip_stack_of",
                )
            )
    huge = [
        ("workload.live_objects=100000000", "workload.object_size=1048576"),
        ("workload.anchors=10000000", "workload.anchor_size=1048576"),
    ]
    for sets in huge:
        for cmd in CONFIG_COMMANDS:
            argv = _with(cmd, "good.toml", *[x for s in sets for x in ("--set", s)])
            out.append(Probe("heap plausibility", argv, "workload"))
    for sets in [
        (
            "workload.peak_objects=100000000",
            "workload.min_size=16777216",
            "workload.max_size=16777216",
        ),
        (
            "workload.base_objects=100000000",
            "workload.min_size=1048576",
            "workload.max_size=1048576",
        ),
    ]:
        argv = _with(CONFIG_COMMANDS[0], "growing.toml", *[x for s in sets for x in ("--set", s)])
        out.append(Probe("heap plausibility", argv, "workload"))
    return out


def _sweep_file_probes() -> list[tuple[str, bytes, Probe]]:
    """Sweep files written on the fly: (file name, content, probe)."""
    cases = [
        ('"run.gomaxprocs" = [true, 2]', "run.gomaxprocs"),
        ('"pacer.memory_limit_mib" = [nan, 64]', "pacer.memory_limit_mib"),
        ('"cost.alloc_ns" = [1e308]', "cost.alloc_ns"),
        ('"run.sample_interval_us" = [1e-12]', "run.sample_interval_us"),
        ('"collector.skip_stack_of" = [0, 5]', "collector.skip_stack_of"),
        ('"pacer.gogc" = ["100", 200]', "pacer.gogc"),
        ('"workload.live_objects" = [100000000]\n"workload.object_size" = [1048576]', "workload"),
    ]
    out = []
    for i, (table, needle) in enumerate(cases):
        name = f"sweep_bad{i}.toml"
        text = f'base = "good.toml"\n[sweep]\n{table}\n'.encode()
        for cmd in CONFIG_COMMANDS[2:]:
            out.append((name, text, Probe("sweep axes", _with(cmd, name), needle)))
    return out


def _argument_probes() -> list[Probe]:
    return [
        _p("arguments", "--max-violations", "check", "good.toml", "--max-violations", "-1"),
        _p("arguments", "--jobs", "experiment", "gogc", "--jobs", "0", "--out", "o"),
        _p("arguments", "--jobs", "experiment", "gogc", "--jobs", "-2", "--out", "o"),
        _p("arguments", "--jobs", "sweep", "good.toml", "--jobs", "-1", "--out", "o"),
        _p("arguments", "--metrics", "report", "done", "--metrics", ",", "--out", "o"),
        _p("arguments", "--metrics", "report", "done", "--metrics", "nope", "--out", "o"),
        _p("arguments", "--baseline", "report", "done", "--baseline", "x=1", "--out", "o"),
        _p("arguments", "--scale", "experiment", "gogc", "--scale", "huge", "--out", "o"),
        _p("arguments", "experiment", "experiment", "nope", "--out", "o"),
        _p("arguments", "--format", "export", "done", "--format", "xml", "--out", "o"),
        _p("arguments", "--plugin", "--plugin", "no_such_plugin_module", "run", "good.toml"),
        _p("arguments", "--plugin", "--plugin", "nofile.py", "check-plugin", "steady"),
        _p("arguments", "--plugin", "--plugin", "good.toml", "schema", "--out", "s.json"),
        _p("arguments", "check-plugin", "check-plugin", "no_such_plugin"),
        _p("arguments", "--kind", "check-plugin", "steady", "--kind", "barrier"),
        _p("arguments", "--kind", "check-plugin", "steady", "--kind", "nope"),
        _p("arguments", "-q", "-q", "run", "good.toml", "-v", "--out", "o"),
    ]


def _out_probes() -> list[Probe]:
    out: list[Probe] = []
    targets = ["afile/sub", "afile/a/b", UNWRITABLE, "afile"]
    commands = [
        ("run", "good.toml", "--no-plot"),
        ("sweep", "good.toml", "--executor", "serial"),
        ("report", "done"),
        ("plot", "done"),
        ("experiment", "gogc", "--scale", "tiny", "--jobs", "1"),
        ("gctrace", "import", "trace.log"),
        ("trace", "arun"),
        ("export", "done"),
        ("export", "arun", "--format", "csv"),
        ("schema",),
    ]
    for cmd in commands:
        for t in targets:
            if cmd[0] in ("gctrace", "trace", "schema") and t == "afile":
                continue  # overwriting a file with the output is what --out asks for
            out.append(Probe("--out", (*cmd, "--out", t), "--out"))
    out.append(_p("--out", "--out", "gctrace", "import", "trace.log", "--out", "adir"))
    out.append(_p("--out", "--out", "trace", "arun", "--out", "adir"))
    out.append(_p("--out", "--out", "schema", "--out", "adir"))
    return out


def _reader_probes() -> list[Probe]:
    out: list[Probe] = []
    for d in ("corrupt", "empty", "foreign", "afile", "adir"):
        out.append(_p("stores and CSVs", d, "report", d, "--out", "o"))
        out.append(_p("stores and CSVs", d, "plot", d, "--out", "o"))
    for d in ("corrupt", "foreign"):  # an empty file is a store killed as it was made
        out.append(
            _p("stores and CSVs", d, "sweep", "good.toml", "--out", d, "--executor", "serial")
        )
    for f in (
        "nocols.csv",
        "empty.csv",
        "binary.csv",
        "latin1.csv",
        "header_only.csv",
        "partial.csv",
        "binary.log",
        "empty.log",
        "adir",
        "missing.csv",
    ):
        out.append(_p("stores and CSVs", "--gctrace", "plot", "done", "--out", "o", "--gctrace", f))
    for f in ("binary.log", "empty.log", "adir", "nocols.csv", "random.toml"):
        out.append(_p("stores and CSVs", f, "gctrace", "import", f, "--out", "o.csv"))
    for d in ("done", "adir", "afile", "missing", "nosummary", "badrun", "corrupt"):
        out.append(_p("stores and CSVs", d, "trace", d, "--out", "o.json"))
    for d in ("corrupt", "empty", "foreign", "afile", "adir", "missing", "nosummary"):
        out.append(_p("stores and CSVs", d, "export", d, "--out", "o"))
    return out


def all_probes() -> tuple[list[Probe], dict[str, bytes]]:
    """Every probe, and the extra files they need."""
    extra = {}
    probes = _config_probes()
    for name, text, probe in _sweep_file_probes():
        extra[name] = text
        probes.append(probe)
    probes += _argument_probes() + _out_probes() + _reader_probes()
    return probes, extra


def snapshot(w: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``w`` (and the finished sweep it links to) with the size and mtime
    of each file (folders: only their existence)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(w, followlinks=True):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            st = p.lstat()
            out[str(p.relative_to(w))] = (0, 0) if p.is_dir() else (st.st_size, st.st_mtime_ns)
    return out


def judge(probe: Probe, code: int | None, err: str, before: dict, after: dict) -> str:
    """'' when the probe got the clean answer, else what went wrong."""
    if code is None:
        return "hang (timeout)"
    problems = []
    if "Traceback" in err:
        last = [line for line in err.strip().splitlines() if line.strip()][-1]
        problems.append(f"traceback ({last.strip()[:120]})")
    if code != 2:
        problems.append(f"exit {code}")
    if probe.needle not in err:
        problems.append(f"does not name {probe.needle!r}")
    if before != after:
        changed = sorted(set(before.items()) ^ set(after.items()))
        problems.append(f"wrote {', '.join(sorted({c[0] for c in changed}))[:100]}")
    return "; ".join(problems)


def run_subprocess(probe: Probe, w: Path, timeout: float) -> tuple[int | None, str]:
    """Run one probe in its own session, so a timeout kills its workers too."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-m", "framework.cli", *probe.argv],
        cwd=w,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return None, ""
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything it left behind
        except ProcessLookupError:
            pass
        return proc.returncode, err


def main(argv: list[str]) -> int:
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    timeout = float(argv[0]) if argv else 20.0
    probes, extra = all_probes()
    results: dict[str, list[tuple[Probe, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        finished = make_finished_sweep(Path(tmp) / "finished")

        def one(i_probe: tuple[int, Probe]) -> tuple[Probe, str]:
            i, probe = i_probe
            w = Path(tmp) / f"w{i}"
            w.mkdir()
            make_workspace(w, finished, copy=True)
            for name, data in extra.items():
                (w / name).write_bytes(data)
            before = snapshot(w)
            code, err = run_subprocess(probe, w, timeout)
            return probe, judge(probe, code, err, before, snapshot(w))

        with ThreadPoolExecutor(2) as pool:
            for probe, verdict in pool.map(one, enumerate(probes)):
                results.setdefault(probe.cls, []).append((probe, verdict))
                if verdict:
                    print(f"FAIL [{probe.cls}] gclab {probe.id}: {verdict}", flush=True)
    total = failed = 0
    print()
    for cls, rows in results.items():
        bad = sum(1 for _, v in rows if v)
        total += len(rows)
        failed += bad
        print(f"{cls:20s} {len(rows):4d} probes, {len(rows) - bad:4d} clean, {bad:4d} not")
    print(f"{'all':20s} {total:4d} probes, {total - failed:4d} clean, {failed:4d} not")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
