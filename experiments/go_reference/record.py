"""Record real Go 1.19 runs of the reference matrix (``matrix.toml``).

Rule: one command re-records everything (``python -m experiments.go_reference.record``).
Each configuration gets its own binary (``matrix.go_build``: generated ``sizes_gen.go``
constants, built in a scratch copy of ``programs/`` and cached under ``.bin/<hash>/`` by a
hash of the sources, the constants and ``go version``). Every run has
``GODEBUG=gctrace=1,gcpacertrace=1`` and the entry's GOGC / GOMEMLIMIT / GOMAXPROCS, and
stores ``data/<config>/run<k>.gctrace.txt`` (stderr; ``.gz`` above 200 KB) and
``run<k>.json``: the program's report (MemStats, runtime/metrics, phases, rusage), the
driver's wall time and child rusage, loadavg before and after, the build facts and the
machine. Repeats are interleaved (all configs once, then again) so slow drifts of the
machine's load spread over configs instead of hitting one, and each run first waits (up
to ``--wait-max`` s) for the machine to be ``--wait-idle`` idle; the CPU other processes
used during the run is stored as ``others_cpu_frac``. Go is needed here only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import gzip
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from experiments.go_reference.matrix import HERE, go_build, go_env, load_matrix, sizes_source

PROGRAMS = HERE / "programs"
DATA = HERE / "data"
BIN = HERE / ".bin"
GZIP_ABOVE = 200_000
GODEBUG = "gctrace=1,gcpacertrace=1"


def go_version() -> str:
    return subprocess.run(
        ["go", "version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def machine() -> dict[str, Any]:
    """CPU model, cores, kernel, Go version, date (UTC)."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_model": model,
        "nproc": os.cpu_count(),
        "kernel": platform.release(),
        "go_version": go_version(),
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def elf_globals_bytes(binary: Path) -> int:
    """Size of .data + .bss: what runtime.modulesinit adds to gcController.globalsScan
    (symtab.go: ``edata - data + ebss - bss``; noptrdata/noptrbss are not scanned)."""
    b = binary.read_bytes()
    if b[:4] != b"\x7fELF" or b[4] != 2:
        raise ValueError(f"{binary}: not a 64-bit ELF file")
    (shoff,) = struct.unpack_from("<Q", b, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3A)

    def section(i: int) -> tuple[int, int, int]:
        name, _typ, _flags, _addr, off, size = struct.unpack_from(
            "<IIQQQQ", b, shoff + i * shentsize
        )
        return name, off, size

    _, stroff, _ = section(shstrndx)
    total = 0
    for i in range(shnum):
        name_off, _, size = section(i)
        name = b[stroff + name_off : b.index(b"\0", stroff + name_off)].decode()
        if name in (".data", ".bss"):
            total += size
    return total


_TEXT = re.compile(
    r"^main\.(recurse|allocLoop|bottomUp|\(\*node\)\.check) STEXT"
    r".* args=0x([0-9a-f]+) locals=0x([0-9a-f]+)"
)


def _compiler_facts(src: Path) -> dict[str, Any]:
    """Escape analysis (is goroutines' ``ring`` still on the stack?) and the frame sizes
    the compiler reports (``locals``, which excludes the return address)."""
    env = {**os.environ, "GOFLAGS": "-trimpath"}
    m = subprocess.run(
        ["go", "build", "-gcflags=-m", "-o", os.devnull, "."],
        cwd=src,
        capture_output=True,
        text=True,
        env=env,
    )
    s = subprocess.run(
        ["go", "build", "-gcflags=-S", "-o", os.devnull, "."],
        cwd=src,
        capture_output=True,
        text=True,
        env=env,
    )
    frames = {}
    for line in s.stderr.splitlines() + s.stdout.splitlines():
        hit = _TEXT.match(line)
        if hit:
            frames[hit[1]] = {"args": int(hit[2], 16), "locals": int(hit[3], 16)}
    return {"ring_on_stack": "moved to heap: ring" not in m.stderr, "asm_frames": frames}


def build(consts: dict[str, int]) -> tuple[Path, dict[str, Any]]:
    """The binary for these constants (cached) and its build facts."""
    gen = sizes_source(consts)
    h = hashlib.sha256()
    for p in [*sorted(PROGRAMS.glob("*.go")), PROGRAMS / "go.mod"]:
        if p.name != "sizes_gen.go":
            h.update(p.name.encode() + p.read_bytes())
    h.update(gen.encode() + go_version().encode() + _TEXT.pattern.encode())
    key = h.hexdigest()[:16]
    out = BIN / key
    binary, facts_path = out / "goref", out / "build.json"
    if binary.exists() and facts_path.exists():
        return binary, json.loads(facts_path.read_text())
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="goref-") as tmp:
        src = Path(tmp)
        for p in PROGRAMS.iterdir():
            if p.suffix in (".go", ".mod") and p.name != "sizes_gen.go":
                shutil.copy(p, src / p.name)
        (src / "sizes_gen.go").write_text(gen)
        subprocess.run(["gofmt", "-w", "sizes_gen.go"], cwd=src, check=True)
        subprocess.run(["go", "build", "-trimpath", "-o", str(binary), "."], cwd=src, check=True)
        facts = {"hash": key, "consts": consts, **_compiler_facts(src)}
    facts["globals_bytes"] = elf_globals_bytes(binary)
    facts_path.write_text(json.dumps(facts, indent=1))
    return binary, facts


def _cpu_jiffies() -> tuple[int, int]:
    """Machine-wide (busy, total) CPU time from /proc/stat, in clock ticks."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = f[3] + f[4]  # idle + iowait
    total = sum(f[:8])  # user nice system idle iowait irq softirq steal
    return total - idle, total


def idle_fraction(seconds: float = 2.0) -> float:
    """Fraction of all CPUs idle over the next ``seconds``."""
    b0, t0 = _cpu_jiffies()
    time.sleep(seconds)
    b1, t1 = _cpu_jiffies()
    return 1 - (b1 - b0) / max(t1 - t0, 1)


def wait_for_idle(threshold: float, max_s: float) -> float:
    """Wait until two consecutive 2 s windows are at least ``threshold`` idle (or ``max_s``
    passed); return the seconds waited."""
    t0 = time.monotonic()
    ok = 0
    while ok < 2 and time.monotonic() - t0 < max_s:
        ok = ok + 1 if idle_fraction() >= threshold else 0
    return time.monotonic() - t0


def _rusage_children() -> dict[str, float]:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"user_s": r.ru_utime, "sys_s": r.ru_stime}


def run_once(name: str, entry: dict[str, Any], k: int, binary: Path, facts: dict[str, Any],
             host: dict[str, Any], waited_s: float = 0.0) -> dict[str, Any]:  # fmt: skip
    """One run of ``name``; writes its two files and returns the stored record."""
    _, argv = go_build(entry)
    env = {k_: v for k_, v in os.environ.items() if not k_.startswith("GO")}
    env.update(go_env(entry), GODEBUG=GODEBUG)
    load0 = os.getloadavg()
    ru0 = _rusage_children()
    busy0, _ = _cpu_jiffies()
    t0 = time.perf_counter()
    proc = subprocess.run([str(binary), *argv], env=env, capture_output=True)
    wall = time.perf_counter() - t0
    busy1, _ = _cpu_jiffies()
    ru1 = _rusage_children()
    load1 = os.getloadavg()
    ours = ru1["user_s"] - ru0["user_s"] + ru1["sys_s"] - ru0["sys_s"]
    others = max(0.0, (busy1 - busy0) / os.sysconf("SC_CLK_TCK") - ours)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{name} run {k}: exit {proc.returncode}\n{proc.stderr.decode()[-2000:]}"
        )
    folder = DATA / name
    folder.mkdir(parents=True, exist_ok=True)
    trace = proc.stderr
    for old in folder.glob(f"run{k}.gctrace.txt*"):
        old.unlink()
    if len(trace) > GZIP_ABOVE:
        (folder / f"run{k}.gctrace.txt.gz").write_bytes(gzip.compress(trace, mtime=0))
    else:
        (folder / f"run{k}.gctrace.txt").write_bytes(trace)
    record = {
        "config": name,
        "run": k,
        "entry": entry,
        "env": {**go_env(entry), "GODEBUG": GODEBUG},
        "argv": argv,
        "process_wall_s": wall,
        "children_rusage": {key: ru1[key] - ru0[key] for key in ru0},
        "waited_for_idle_s": waited_s,
        "loadavg_before": load0,
        "loadavg_after": load1,
        # CPU that other processes used during the run, over wall x cores: the load that
        # the load average (which counts this run too) cannot separate.
        "others_cpu_frac": others / (wall * (os.cpu_count() or 1)),
        "machine": host,
        "build": facts,
        "report": json.loads(proc.stdout),
    }
    (folder / f"run{k}.json").write_text(json.dumps(record, separators=(",", ":")) + "\n")
    return record


def select(matrix: dict[str, Any], only: list[str] | None) -> list[str]:
    if not only:
        return list(matrix)
    names = [n for n in matrix if any(fnmatch.fnmatch(n, pat) for pat in only)]
    if not names:
        raise SystemExit(f"--only {only}: no such config; see --list")
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m experiments.go_reference.record", description=__doc__.split("\n")[0]
    )
    ap.add_argument(
        "--only", action="append", metavar="NAME", help="config name or glob (repeatable)"
    )
    ap.add_argument("--repeat", type=int, default=3, help="runs per config (default 3)")
    ap.add_argument("--list", action="store_true", help="list the configs and exit")
    ap.add_argument(
        "--wait-idle",
        type=float,
        default=0.9,
        metavar="FRAC",
        help="before each run, wait until the machine is this idle (default 0.9; 0: never wait)",
    )
    ap.add_argument(
        "--wait-max", type=float, default=300, help="longest wait per run in s (default 300)"
    )
    args = ap.parse_args(argv)
    matrix = load_matrix()
    names = select(matrix, args.only)
    if args.list:
        for n in names:
            e = matrix[n]
            print(
                f"{n:28s} {' '.join(f'{k}={v}' for k, v in go_env(e).items())}  {e['description']}"
            )
        return 0
    host = machine()
    builds = {}
    for n in names:
        builds[n] = build(go_build(matrix[n])[0])
        for old in (DATA / n).glob("run*"):
            old.unlink()  # a config's data is always one recording session
    print(
        f"# {host['go_version']}, {host['nproc']} x {host['cpu_model']}, load {os.getloadavg()}",
        flush=True,
    )
    for k in range(1, args.repeat + 1):
        for n in names:
            waited = wait_for_idle(args.wait_idle, args.wait_max) if args.wait_idle > 0 else 0.0
            rec = run_once(n, matrix[n], k, *builds[n], host, waited)
            rep = rec["report"]
            print(
                f"{n:28s} run{k}  {rec['process_wall_s']:6.2f} s  {rep['memstats']['NumGC']:5d} GCs"
                f"  others' CPU {100 * rec['others_cpu_frac']:3.0f}%  (waited {waited:.0f} s)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
