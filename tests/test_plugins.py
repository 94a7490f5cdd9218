"""Plugins from outside the package: entry points, --plugin, run-time registration, sweep
workers (pool and Dask), and the public conformance checker (examples/plugins)."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "plugins"
PACER_FILE = EXAMPLE / "gclab_example_plugins" / "go15_pacer.py"

CONFIG = """
[run]
seed = 1
gomaxprocs = 2
[workload]
name = "queue"
capacity = 2000
messages = 20000
[collector]
name = "concurrent"
[pacer]
name = "go15"
gogc = 10
"""


def _gclab(args, env_path="", cwd=None, timeout=300):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env_path, str(ROOT)) if p)
    return subprocess.run(
        [sys.executable, "-m", "framework", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """examples/plugins installed with pip into a folder of its own (not the venv)."""
    tmp = tmp_path_factory.mktemp("plugins")
    src = tmp / "src"
    shutil.copytree(EXAMPLE, src, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    target = tmp / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return target


@pytest.fixture
def config(tmp_path):
    p = tmp_path / "plugged.toml"
    p.write_text(CONFIG)
    return p


def test_installed_plugins_run_from_the_cli(site, config, tmp_path):
    out = tmp_path / "run"
    r = _gclab(["run", str(config), "--out", str(out), "--no-plot"], str(site))
    assert r.returncode == 0, r.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["workload"] == "queue" and s["gc_cycles"] >= 1
    assert 'name = "go15"' in (out / "config.toml").read_text()
    steele = tmp_path / "steele"
    r = _gclab(
        ["run", str(config), "--set", 'collector.barrier="steele"', "--out", str(steele)],
        str(site),
    )
    assert r.returncode == 0, r.stderr
    s = json.loads((steele / "summary.json").read_text())
    assert s["barrier_calls"] > 0 and (steele / "overview.png").is_file()


def test_check_plugin_passes_the_examples(site):
    for name, kind in (("go15", "pacer"), ("queue", "workload"), ("steele", "barrier")):
        r = _gclab(["check-plugin", name], str(site))
        assert r.returncode == 0, r.stdout + r.stderr
        assert f"{kind} '{name}'" in r.stdout and "conforms" in r.stdout


def test_schema_offers_installed_plugins(site):
    r = _gclab(["schema"], str(site))
    assert r.returncode == 0
    assert '"go15"' in r.stdout and '"queue"' in r.stdout and '"steele"' in r.stdout


def test_plugin_flag_loads_an_unpackaged_file(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        CONFIG.replace(
            'name = "queue"\ncapacity = 2000\nmessages = 20000',
            'name = "steady"\nlive_objects = 5000\nanchors = 64\nreplacements = 30000',
        )
    )
    r = _gclab(
        [
            "--plugin",
            str(PACER_FILE),
            "run",
            str(cfg),
            "--out",
            str(tmp_path / "o"),
            "--no-plot",
            "-q",
        ]
    )
    assert r.returncode == 0, r.stderr
    r = _gclab(["run", str(cfg), "--out", str(tmp_path / "p")])
    assert r.returncode == 2 and "unknown name 'go15'" in r.stderr
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("spec", ["nosuch_module_xyz", "missing/file.py"])
def test_a_plugin_that_cannot_load_is_bad_input(spec, tmp_path):
    r = _gclab(["--plugin", spec, "schema", "--out", str(tmp_path / "s.json")])
    assert r.returncode == 2
    assert r.stderr.startswith("gclab: --plugin") and len(r.stderr.splitlines()) == 1
    assert not (tmp_path / "s.json").exists()


def test_a_sweep_on_the_pool_imports_a_plugin_file_in_its_workers(tmp_path):
    spec = tmp_path / "sweep.toml"
    base = CONFIG.replace(
        'name = "queue"\ncapacity = 2000\nmessages = 20000',
        'name = "steady"\nlive_objects = 5000\nanchors = 64\nreplacements = 30000',
    )
    spec.write_text(base + '\n[sweep]\nname = "plug"\n"pacer.gogc" = [10, 50]\n')
    r = _gclab(
        [
            "--plugin",
            str(PACER_FILE),
            "sweep",
            str(spec),
            "--out",
            str(tmp_path / "s"),
            "--jobs",
            "2",
        ]
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok 2, failed 0" in r.stdout


NOTEBOOK = """
import sys
from framework import api  # framework first, as in a notebook
if __name__ == "__main__":  # a script that starts processes; workers see none of this
    sys.path.insert(0, {plugins!r})
    import gclab_example_plugins.go15_pacer  # registered at run time
    import gclab_example_plugins.queue_workload
    cfg = {{"run": {{"seed": 1, "gomaxprocs": 2}},
            "workload": {{"name": "queue", "capacity": 2000, "messages": 20000}},
            "collector": {{"name": "concurrent"}}, "pacer": {{"name": "go15", "gogc": 10}}}}
    one = api.run(cfg)
    assert one.summary["gc_cycles"] >= 1, one.summary
    spec = {{**cfg, "sweep": {{"name": "nb", "pacer.gogc": [10, 50]}}}}
    for executor in ("local", "dask"):
        done = api.sweep(spec, {out!r} + "/" + executor, jobs=2, executor=executor, progress=False)
        runs = api.load_runs(done.folder)
        assert list(runs.status) == ["ok", "ok"], runs[["status", "error"]]
    print("notebook ok")
"""


def test_run_time_registration_reaches_pool_and_dask_workers(tmp_path):
    pytest.importorskip("dask.distributed")
    script = tmp_path / "nb.py"
    script.write_text(NOTEBOOK.format(plugins=str(EXAMPLE), out=str(tmp_path)))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=600
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "notebook ok" in r.stdout


BROKEN = '''
"""A deliberately broken collector: stop-the-world marking that forgets goroutine stacks."""
from types import SimpleNamespace
from typing import Literal

from framework import collectors
from framework.collectors import stw


class ForgetfulParams(stw.StwParams):
    name: Literal["forgetful"] = "forgetful"


def _globals_only(heap, roots, cost):
    return _real(heap, SimpleNamespace(globals=roots.globals, goroutines=[]), cost)


_real = stw.mark_from_roots


class Forgetful(stw.StopTheWorld):
    name = "forgetful"
    Params = ForgetfulParams

    def collect(self, ctx):
        stw.mark_from_roots = _globals_only
        try:
            return (yield from super().collect(ctx))
        finally:
            stw.mark_from_roots = _real


collectors.register(Forgetful)
'''


def test_the_checker_catches_a_broken_plugin(tmp_path):
    mod = tmp_path / "forgetful.py"
    mod.write_text(textwrap.dedent(BROKEN))
    r = _gclab(["--plugin", str(mod), "check-plugin", "forgetful"])
    assert r.returncode == 1, r.stdout + r.stderr
    assert "collector 'forgetful'" in r.stdout and "unsafe" in r.stdout


BROKEN_BARRIER = """
from framework.collectors import barriers
from framework.runtime import layout as L

# Steele's rule without the stack re-scan it needs (stacks are not barriered)
barriers.register(barriers.Barrier("steele-no-rescan", shades=L.SHADE_HOLDER, invariant="strong"))
"""


def test_the_checker_catches_a_broken_plugin_barrier(tmp_path):
    mod = tmp_path / "broken_barrier.py"
    mod.write_text(BROKEN_BARRIER)
    r = _gclab(["--plugin", str(mod), "check-plugin", "steele-no-rescan"])
    assert r.returncode == 1, r.stdout + r.stderr
    assert "exhaustive check" in r.stdout and "reachable but unmarked" in r.stdout


def test_a_new_barrier_is_one_definition_in_one_file():
    import ast

    tree = ast.parse((EXAMPLE / "gclab_example_plugins" / "steele_barrier.py").read_text())
    kinds = [type(node).__name__ for node in tree.body]
    # a docstring, the imports and one registration: nothing anywhere else to edit
    assert kinds == ["Expr", "ImportFrom", "ImportFrom", "Expr"], kinds
    assert ast.unparse(tree.body[-1]).startswith("barriers.register(barriers.Barrier(")
