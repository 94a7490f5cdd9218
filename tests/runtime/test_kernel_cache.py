"""Compiled kernels are never stale: an edit to any kernel source (a callee a compiled
caller embeds, or a ``layout`` constant) recompiles every kernel, and so does its revert.
Each check runs a copy of the package in fresh processes, with its own cache."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from framework.runtime.kernels import jit

ROOT = Path(__file__).resolve().parents[2]
CALLEE = """from framework.runtime import layout as L
from framework.runtime.kernels.jit import kernel


@kernel
def value(x):
    return x + 1 + L.NSPANS
"""
CALLER = """from framework.runtime.kernels.jit import kernel
from framework.runtime.kernels.zz_callee import value


@kernel
def twice(x):
    return 2 * value(x)
"""


def _copy(tmp: Path) -> Path:
    shutil.copytree(
        ROOT / "framework", tmp / "framework", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp / "framework" / "runtime" / "kernels"


def _python(tmp: Path, code: str) -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GCLAB_NO_JIT", "NUMBA_DISABLE_JIT", "NUMBA_CACHE_DIR")
    }
    env["PYTHONPATH"] = str(tmp)
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp, env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_edited_callee_or_constant_reaches_its_compiled_caller(tmp_path):
    kernels = _copy(tmp_path)
    (kernels / "zz_callee.py").write_text(CALLEE)
    (kernels / "zz_caller.py").write_text(CALLER)
    run = "from framework.runtime.kernels.zz_caller import twice; print(twice(1))"
    assert _python(tmp_path, run) == "4"  # compiled
    cache = kernels / "__pycache__"
    assert [p.name for p in cache.glob("gclab-*/zz_caller.twice-*.nbi")]
    assert _python(tmp_path, run) == "4"  # from the cache
    _replace(kernels / "zz_callee.py", "x + 1", "x + 10")
    assert _python(tmp_path, run) == "22"  # the caller's file is unchanged
    _replace(kernels.parent / "layout.py", "NSPANS = 0", "NSPANS = 100")
    assert _python(tmp_path, run) == "222"  # a constant the callee froze
    _replace(kernels.parent / "layout.py", "NSPANS = 100", "NSPANS = 0")
    _replace(kernels / "zz_callee.py", "x + 10", "x + 1")
    assert _python(tmp_path, run) == "4"  # the revert
    assert len(list(cache.glob("gclab-*"))) <= jit.KEEP + 1


@pytest.mark.slow
def test_an_edited_allocator_reaches_the_op_loop(tmp_path):
    """The issue's case: ``run_ops`` (mutator.py) embeds ``new_span`` (alloc.py)."""
    kernels = _copy(tmp_path)
    run = (
        "import numpy as np\n"
        "from framework.checking.stepper import Stepper\n"
        "from framework.ops import Op\n"
        "from framework.runtime import layout as L\n"
        "st = Stepper(1, 1, 2)\n"
        "st.run(0, np.array([(Op.PUSH, 1, 64, 0), (Op.ALLOC, 0, 24, 2)], dtype=np.int32))\n"
        "print(int(st.heap.a.ctr[L.SPAN_ALLOCS]))\n"
    )
    assert _python(tmp_path, run) == "1"
    _replace(kernels / "alloc.py", "ctr[L.SPAN_ALLOCS] += 1\n", "ctr[L.SPAN_ALLOCS] += 1000\n")
    assert _python(tmp_path, run) == "1000"


def test_kernels_depend_on_no_other_framework_module():
    """The cache key hashes the kernel package and ``layout``: nothing else may feed a
    kernel's compiled code."""
    allowed = {"framework.runtime.layout", "framework.runtime.kernels"}
    for path in jit.KERNEL_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("framework"):
                mod = node.module or ""
                names = {f"{mod}.{a.name}" for a in node.names}
                assert (
                    mod.startswith("framework.runtime.kernels")
                    or names <= allowed
                    or mod in allowed
                ), (
                    path.name,
                    mod,
                )
    assert {p.name for p in jit.kernel_sources()} >= {"layout.py", "mutator.py", "jit.py"}
