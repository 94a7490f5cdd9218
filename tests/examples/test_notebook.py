"""examples/quickstart.ipynb runs top to bottom without an error, on this interpreter and
this checkout of ``framework``, writing only into a temporary folder; and it is stored
without outputs.

The kernel is ``sys.executable`` through a kernelspec written into a temporary folder (the
``python3`` kernelspec a venv holds runs whatever ``python`` is first on PATH), with
PYTHONPATH leading to the folder that holds the ``framework`` this test imported.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

import framework

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"
KERNEL = "gclab-test"
CELL_TIMEOUT_S = 600  # a cold numba cache compiles the kernels in the first run (~30 s)


def test_notebook_is_stored_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_notebook_executes(tmp_path: Path) -> None:
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec_dir = tmp_path / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec_dir / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "gclab test", "language": "python"})
    )
    km = KernelManager(
        kernel_name=KERNEL,
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]),
        connection_file=str(tmp_path / "connection.json"),  # not in the user's runtime dir
    )
    source_root = str(Path(framework.__file__).resolve().parents[1])
    paths = [source_root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    out = tmp_path / "out"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(paths),
        "GCLAB_EXAMPLE_OUT": str(out),
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import framework; print(framework.__file__)"))
    client = nbclient.NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's working folder
    )
    t0 = time.perf_counter()
    client.execute(env=env)  # raises CellExecutionError naming the cell that failed
    print(f"quickstart.ipynb executed in {time.perf_counter() - t0:.1f} s")
    *cells, check = [c for c in nb.cells if c.cell_type == "code"]
    assert check.outputs[0]["text"].strip() == framework.__file__  # this checkout's code
    outputs = [o for c in cells for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2, "the two figures were not displayed"
    assert (out / "sweep" / "results.sqlite").is_file()  # written where the test said
    if os.environ.get("GCLAB_NOTEBOOK_SAVE"):  # to look at the figures and tables
        nbformat.write(nb, os.environ["GCLAB_NOTEBOOK_SAVE"])
