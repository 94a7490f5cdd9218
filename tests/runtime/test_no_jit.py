"""``GCLAB_NO_JIT=1`` (the kernels as plain Python) gives the same results as the compiled
kernels on the conformance configs. NumPy 2 keeps narrow integer types in arithmetic
(``8 * uint8`` wrapped at 256, ``uint8 & ~flag`` raised) where numba widens them; plain
Python follows numba's typing through ``jit.Widened`` (see ``kernels/jit.py``)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from framework import collectors, workloads
from framework.config import parse_config
from framework.runtime.kernels import jit
from framework.simulation import simulate

ROOT = Path(__file__).resolve().parents[2]
# The conformance configs that diverged before (one per collector), and all of them.
QUICK = [("stw", "shuffle"), ("concurrent", "steady"), ("rc", "cycles")]
ALL = [(c, w) for c in collectors.names() for w in workloads.names()]


def config(collector: str, workload: str):
    """tests/collectors/test_conformance.py's config."""
    return {
        "run": {"seed": 1, "gomaxprocs": 2, "max_sim_time_ms": 400.0},
        "workload": {"name": workload, **workloads.get(workload).smoke_params},
        "collector": {"name": collector},
        "pacer": {"gogc": 10},
    }


def summaries(pairs, no_jit: bool) -> dict[str, dict]:
    if not no_jit:
        out = {}
        for c, w in pairs:
            s = simulate(parse_config(config(c, w))).summary
            s.pop("wall_s")
            out[f"{c}/{w}"] = json.loads(json.dumps(s, sort_keys=True))
        return out
    code = (
        "import json, sys\n"
        "from tests_no_jit import summaries\n"
        "print(json.dumps(summaries(json.loads(sys.argv[1]), False), sort_keys=True))\n"
    )
    env = {**os.environ, "GCLAB_NO_JIT": "1", "PYTHONPATH": f"{ROOT}:{Path(__file__).parent}"}
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            code.replace("tests_no_jit", Path(__file__).stem),
            json.dumps(pairs),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def _compare(pairs) -> None:
    compiled = summaries(pairs, no_jit=False)
    plain = summaries(pairs, no_jit=True)
    for key in compiled:
        diff = {
            k: (v, plain[key].get(k)) for k, v in compiled[key].items() if plain[key].get(k) != v
        }
        assert not diff, f"{key}: compiled vs GCLAB_NO_JIT=1: {diff}"


def test_no_jit_gives_the_compiled_results():
    _compare(QUICK)


@pytest.mark.slow
def test_no_jit_gives_the_compiled_results_on_every_conformance_config():
    _compare(ALL)


def test_plain_kernels_read_narrow_integers_as_numba_does():
    a = np.array([40, 200], dtype=np.uint8)
    w = jit._widen(a)
    assert type(w[0]) is np.int64 and 8 * w[0] == 320  # NumPy 2: np.uint8(64)
    assert w[1] & ~3 == 200  # NumPy 2: OverflowError (-4 is out of bounds for uint8)
    w[0] = w[0] + 300  # stores wrap into the narrow array, as compiled code's do
    assert a[0] == (340 % 256)
    assert jit._box((np.int64(3), np.float64(0.5), np.bool_(True))) == (3, 0.5, True)
