"""``gclab sweep``: dry run, exit statuses, bad input writes nothing, and a real SIGKILL
of a running sweep followed by a resume that runs only what is missing."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from framework.cli import main
from framework.sweep.results import load_results
from framework.sweep.store import Store

from .conftest import without_wall


def test_dry_run_lists_the_runs_and_writes_nothing(tiny_sweep, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["sweep", str(tiny_sweep), "--dry-run", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines[0] == "sweep tiny: 12 runs"
    assert lines[1].split() == ["#", "run_id", "variant", "pacer.gogc", "seed"]
    assert lines[2].split()[2:] == ["stw", "25", "1"]
    assert len(lines) == 14
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--jobs", "0"], "--jobs 0: must be a positive"),
        (["--executor", "mpi"], "--executor 'mpi': unknown; allowed: serial, local, dask"),
        (["--scheduler", "tcp://x:1"], "--scheduler: only used with --executor dask"),
        (["--set", "workload.live_objects=-3"], "workload.live_objects"),
        (["--set", "pacer.gogc=5"], "--set pacer.gogc: is swept"),
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(tiny_sweep, tmp_path, capsys, args, needle):
    out = tmp_path / "never"
    assert main(["sweep", str(tiny_sweep), "--out", str(out), *args]) == 2
    assert needle in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("sweep_table", "needle"),
    [
        ('"workload.nope" = [1]', "workload.nope: unknown key; allowed keys here:"),
        ('"pacer.gogc" = []', "sweep.pacer.gogc: empty axis"),
        ('"pacer.gogc" = "100"', "sweep.pacer.gogc: an axis must be a list"),
        ('"run.gomaxprocs" = [2, 0]', "run.gomaxprocs: Input should be greater than or equal to 1"),
        ("seeds = -1", "sweep.seeds"),
    ],
)
def test_malformed_sweep_files_exit_2_and_write_nothing(tmp_path, capsys, sweep_table, needle):
    from .conftest import BASE

    (tmp_path / "base.toml").write_text(BASE)
    p = tmp_path / "bad.toml"
    p.write_text(f'base = "base.toml"\n[sweep]\n{sweep_table}\n')
    out = tmp_path / "never"
    assert main(["sweep", str(p), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "bad.toml" in err
    assert not out.exists()


def test_out_holding_another_sweep_is_refused(tiny_sweep, tmp_path, capsys):
    out = tmp_path / "o"
    one = tmp_path / "one.toml"
    one.write_text('[workload]\nname = "steady"\nlive_objects = 2000\nreplacements = 5000\n')
    assert main(["sweep", str(one), "--out", str(out), "-q", "--executor", "serial"]) == 0
    before = (out / "results.sqlite").stat().st_mtime_ns
    assert main(["sweep", str(tiny_sweep), "--out", str(out)]) == 2
    assert "holds results of sweep 'one', not 'tiny'" in capsys.readouterr().err
    assert (out / "results.sqlite").stat().st_mtime_ns == before


def test_a_failing_run_makes_exit_status_1(tmp_path, capsys):
    # A run that raises at run time, injected through the worker seam in a subprocess.
    p = tmp_path / "s.toml"
    p.write_text(
        '[workload]\nname = "steady"\nlive_objects = 2000\nreplacements = 5000\n'
        '[sweep]\n"run.gomaxprocs" = [1, 2]\n'
    )
    code = (
        "import sys\n"
        "from framework.sweep import worker\n"
        "real = worker.simulate_config\n"
        "def boom(cfg):\n"
        "    if cfg.run.gomaxprocs == 2: raise ValueError('bad luck')\n"
        "    return real(cfg)\n"
        "worker.simulate_config = boom\n"
        "from framework.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, "sweep", str(p), "--out", str(tmp_path / "o"),
         "--executor", "serial"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 1, r.stderr
    assert "ok 1, failed 1" in r.stdout and "ValueError: bad luck" in r.stdout
    df = load_results(tmp_path / "o")
    assert sorted(df.status) == ["failed", "ok"]


def _ok_count(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT COUNT(*) FROM runs WHERE status = 'ok'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def test_sigkill_mid_sweep_then_resume_matches_an_uninterrupted_sweep(
    tiny_sweep, tmp_path, reference
):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "framework", "sweep", str(tiny_sweep), "--out", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--jobs", "2", "-q"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = out / "results.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if db.exists() and _ok_count(db) >= 4:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the coordinator and its workers, mid-sweep
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with Store(out) as st:
        done_before = {rid for rid, s in st.status().items() if s == "ok"}
    assert 4 <= len(done_before) < 12, "the kill came too late to test a resume"

    r = subprocess.run([*cmd, "--jobs", "2", "-q"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with Store(out) as st:
        rows = {r["run_id"]: r for r in st.runs()}
        sessions = st.sessions()
    assert all(row["status"] == "ok" for row in rows.values())
    assert all(row["attempts"] == 1 for row in rows.values())  # nothing recorded twice
    resumed = int(sessions.id.iloc[-1])
    ran_now = {rid for rid, row in rows.items() if row["session"] == resumed}
    assert ran_now == set(rows) - done_before  # only the missing runs ran
    assert int(sessions.submitted.iloc[-1]) == 12 - len(done_before)

    _, ref, expected = reference
    assert {rid: without_wall(row["summary"]) for rid, row in rows.items()} == expected
    a = load_results(out).drop(columns=["wall_s"])
    b = load_results(ref).drop(columns=["wall_s"])
    assert a.equals(b)


@pytest.mark.slow
@pytest.mark.parametrize("kill_after_ok", [0, 1, 6, 11])
def test_sigkill_at_many_moments_then_resume(tiny_sweep, tmp_path, reference, kill_after_ok):
    """Kill right after the store appears, after one run, mid-way, and one run before the end."""
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "framework", "sweep", str(tiny_sweep), "--out", str(out), "-q"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    db = out / "results.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists() and _ok_count(db) >= kill_after_ok:
            break
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with Store(out) as st:
        rows = st.runs()
    assert len(rows) == 12 and all(x["status"] == "ok" and x["attempts"] == 1 for x in rows)
    assert {x["run_id"]: without_wall(x["summary"]) for x in rows} == reference[2]
