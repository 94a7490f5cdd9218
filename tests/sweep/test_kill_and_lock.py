"""A killed coordinator takes its workers with it (a real SIGKILL), and a sweep locks its
folder before it opens the store, so a second sweep on the folder gets a clean message."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from framework.cli import main
from framework.sweep.store import FolderLock

ROOT = Path(__file__).resolve().parents[2]
LONG = """
[workload]
name = "steady"
live_objects = 20000
anchors = 64
replacements = 2000000

[sweep]
seeds = 6
"""
SHORT = '[workload]\nname = "steady"\nlive_objects = 2000\nanchors = 64\nreplacements = 60000\n'


def _session(sid: int) -> list[int]:
    """Pids of the live processes in session ``sid``."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == sid:  # state, ppid, pgrp, session
            out.append(int(d))
    return out


def test_a_killed_coordinator_takes_its_workers_with_it(tmp_path):
    (tmp_path / "s.toml").write_text(LONG)
    cmd = [sys.executable, "-m", "framework", "sweep", str(tmp_path / "s.toml"), "-q"]
    proc = subprocess.Popen(
        [*cmd, "--out", str(tmp_path / "o"), "--jobs", "2", "--executor", "local"],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        # the coordinator, the resource tracker, the forkserver and two workers
        while len(_session(proc.pid)) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_session(proc.pid)) >= 5, "the workers never started"
        time.sleep(0.5)  # the workers are simulating
        os.kill(proc.pid, signal.SIGKILL)  # the coordinator only
        proc.wait()
        deadline = time.monotonic() + 20
        while _session(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _session(proc.pid)
        assert not left, f"orphans after the coordinator's SIGKILL: {left}"
    finally:
        for pid in _session(proc.pid):  # only what this test started
            os.kill(pid, signal.SIGKILL)


def test_the_folder_is_locked_before_the_store_is_opened(tmp_path, capsys):
    (tmp_path / "s.toml").write_text(SHORT)
    sweep = ["sweep", str(tmp_path / "s.toml"), "--executor", "serial", "-q"]
    new = tmp_path / "new"
    new.mkdir()
    with FolderLock(new):
        assert main([*sweep, "--out", str(new)]) == 2
    assert "another sweep is running on this folder" in capsys.readouterr().err
    assert list(new.iterdir()) == []  # the store was never opened
    done = tmp_path / "done"
    assert main([*sweep, "--out", str(done)]) == 0
    db = sqlite3.connect(done / "results.sqlite", isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")  # any open of the store would wait, then fail "locked"
    try:
        with FolderLock(done):
            t0 = time.monotonic()
            assert main([*sweep, "--out", str(done)]) == 2
            assert time.monotonic() - t0 < 5
    finally:
        db.execute("ROLLBACK")
        db.close()
    err = capsys.readouterr().err
    assert "another sweep is running on this folder" in err and "database is locked" not in err


def test_two_sweeps_started_at_once_on_one_folder(tmp_path):
    (tmp_path / "s.toml").write_text(SHORT + "[sweep]\nseeds = 2\n")
    cmd = [sys.executable, "-m", "framework", "sweep", str(tmp_path / "s.toml"), "-q"]
    for i in range(2):
        out = ["--out", str(tmp_path / f"o{i}"), "--executor", "serial"]
        procs = [
            subprocess.Popen(
                [*cmd, *out], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        results = sorted((p.wait(), p.stderr.read()) for p in procs)
        assert results[0] == (0, ""), results
        code, err = results[1]
        assert code == 0 or (
            code == 2 and err.endswith("another sweep is running on this folder\n")
        ), err
        assert "Traceback" not in err and "database is locked" not in err
