"""The reference matrix (``matrix.toml``) and its two translations.

Rule: every configuration is written once, as gclab workload parameters (the same keys as
``[workload]`` in a gclab config) plus its GOMAXPROCS / GOGC / GOMEMLIMIT. From that entry,
``go_build`` derives the Go program's compile-time constants (``sizes_gen.go``) and flags,
and ``gclab_config`` the gclab config that simulates the same work. A shape the Go programs
cannot express exactly (e.g. steady with several goroutines) is a ``ValueError``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MATRIX = HERE / "matrix.toml"
CONFIGS = HERE / "configs"

# Constants every build defines; a shape only changes its own (the others stay tiny, so
# unused global arrays add nothing to data+bss, i.e. to gctrace's "MB globals").
_BASE_CONSTS: dict[str, int] = {
    "N": 1, "A": 1, "ObjSize": 64, "Ptrs": 1, "AnchorSize": 64,  # steady
    "Ring": 1, "GObjSize": 64, "GPtrs": 1, "FObjSize": 64, "FPtrs": 0,  # goroutines
    "GrowSlots": 1,  # growing
    "NodeSize": 16,  # binarytrees
}  # fmt: skip


def load_matrix(path: Path = MATRIX) -> dict[str, dict[str, Any]]:
    """``{config name: entry}`` in file order; each entry has ``workload`` and the run env."""
    data = tomllib.loads(path.read_text())
    for name, e in data.items():
        missing = {"description", "gomaxprocs", "gogc", "workload"} - set(e)
        if missing:
            raise ValueError(f"{name}: missing {sorted(missing)}")
    return data


def go_env(entry: dict[str, Any]) -> dict[str, str]:
    """GOGC / GOMEMLIMIT / GOMAXPROCS for a run (GOMEMLIMIT in MiB, or ``off``)."""
    limit = entry.get("memory_limit_mib", "off")
    return {
        "GOGC": str(entry["gogc"]),
        "GOMEMLIMIT": "off" if limit == "off" else f"{int(limit)}MiB",
        "GOMAXPROCS": str(entry["gomaxprocs"]),
    }


def _require(w: dict[str, Any], **want: Any) -> None:
    for k, v in want.items():
        if w.get(k, v) != v:
            raise ValueError(f"{w['name']}: the Go program needs {k} = {v!r}, not {w[k]!r}")


def go_build(entry: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
    """The Go constants and command-line flags that mirror ``entry['workload']``."""
    w = entry["workload"]
    c = dict(_BASE_CONSTS)
    seed = str(entry.get("seed", 1))
    name = w["name"]
    if name == "steady":
        _require(w, goroutines=1, compute=0)
        c.update(
            N=w["live_objects"],
            A=w["anchors"],
            ObjSize=w["object_size"],
            Ptrs=w["pointers"],
            AnchorSize=w["anchor_size"],
        )
        flags = ["-m", str(w["replacements"]), "-replace", w.get("replace", "random")]
        return c, ["-shape", "steady", "-seed", seed, *flags]
    if name == "goroutines":
        _require(
            w,
            allocator_frames=True,
            live_in="stack",
            replace="oldest",
            start_barrier=True,
            frame_slots=1,
        )
        G = w["goroutines"]
        if w["allocating"] != G:
            raise ValueError("goroutines: the Go program needs allocating == goroutines")
        if w["replacements"] % G:
            raise ValueError("goroutines: replacements must be a multiple of goroutines")
        c.update(
            Ring=w["live_objects"],
            GObjSize=w["object_size"],
            GPtrs=w["pointers"],
            FObjSize=w["frame_object_size"],
            FPtrs=w["frame_object_fields"],
        )
        flags = [
            "-g", str(G), "-depth", str(w["stack_depth"]), "-k", str(w["replacements"] // G),
            "-yield", str(w["yield_every"]), "-nilfrac", str(w["nil_fraction"]),
        ]  # fmt: skip
        return c, ["-shape", "goroutines", "-seed", seed, *flags]
    if name == "growing":
        _require(w, goroutines=1)
        c.update(GrowSlots=w["peak_objects"] + w.get("base_objects", 0))
        flags = [
            "-peak", str(w["peak_objects"]), "-base", str(w.get("base_objects", 0)),
            "-minsize", str(w["min_size"]), "-maxsize", str(w["max_size"]),
            "-pointers", str(w["pointers"]), "-nilfrac", str(w["nil_fraction"]),
            "-churn", str(w["churn"]), "-phases", str(w["phases"]),
            "-flat", str(w.get("flat_allocs", 0)),
        ]  # fmt: skip
        return c, ["-shape", "growing", "-seed", seed, *flags]
    if name == "binary_trees":
        _require(w, goroutines=1)
        c.update(NodeSize=w["node_size"])
        flags = [
            "-maxdepth", str(w["max_depth"]), "-mindepth", str(w["min_depth"]),
            f"-stretch={str(w.get('stretch', True)).lower()}",
            f"-check={str(w.get('check', True)).lower()}",
        ]  # fmt: skip
        return c, ["-shape", "binarytrees", "-seed", seed, *flags]
    raise ValueError(f"no Go program mirrors workload {name!r}")


def _struct(fields: list[tuple[str, int, str]]) -> str:
    """A Go struct body from ``(field, count, elem)``. A zero-length array is kept unless it
    is the last field: the code indexes ``p`` even when it is empty, but a trailing
    zero-size field would make the compiler pad the struct past its size."""
    while fields and fields[-1][1] == 0:
        fields = fields[:-1]
    return "struct{ " + "; ".join(f"{f} [{n}]{t}" for f, n, t in fields) + " }"


def sizes_source(c: dict[str, int]) -> str:
    """``sizes_gen.go``: the constants and the object types of one configuration."""
    for size, ptrs in (("ObjSize", "Ptrs"), ("GObjSize", "GPtrs"), ("FObjSize", "FPtrs")):
        if c[size] < 8 * c[ptrs] or c[size] < 1:
            raise ValueError(f"{size}={c[size]} cannot hold {ptrs}={c[ptrs]} pointers")
    if c["NodeSize"] < 16:
        raise ValueError("NodeSize must be >= 16 (two pointers)")
    consts = "\n".join(f"\t{k} = {v}" for k, v in c.items())
    obj = _struct([("p", c["Ptrs"], "*anchor"), ("pad", c["ObjSize"] - 8 * c["Ptrs"], "byte")])
    anchor = _struct([("pad", c["AnchorSize"], "byte")])
    gobj = _struct([("p", c["GPtrs"], "*gobj"), ("pad", c["GObjSize"] - 8 * c["GPtrs"], "byte")])
    fobj = _struct([("p", c["FPtrs"], "*fobj"), ("pad", c["FObjSize"] - 8 * c["FPtrs"], "byte")])
    node_pad = f"; pad [{c['NodeSize'] - 16}]byte" if c["NodeSize"] > 16 else ""
    return (
        "// Code generated by experiments/go_reference/matrix.py; DO NOT EDIT.\n\n"
        "package main\n\n"
        f"const (\n{consts}\n)\n\n"
        f"// steady: live object\ntype obj {obj}\n\n"
        f"// steady: pointer-free anchor\ntype anchor {anchor}\n\n"
        f"// goroutines: ring object\ntype gobj {gobj}\n\n"
        f"// goroutines: per-frame object\ntype fobj {fobj}\n\n"
        f"// binarytrees: tree node\ntype node struct{{ left, right *node{node_pad} }}\n"
    )


def gclab_config(name: str, entry: dict[str, Any]) -> dict[str, Any]:
    """The gclab config (as TOML data) that simulates ``entry``: same workload, Ps, GOGC and
    memory limit, the concurrent collector with Go 1.19's hybrid barrier."""
    return {
        "run": {"seed": entry.get("seed", 1), "gomaxprocs": entry["gomaxprocs"]},
        "workload": dict(entry["workload"]),
        "collector": {"name": "concurrent", "barrier": "hybrid-go"},
        "pacer": {
            "name": "go119",
            "gogc": entry["gogc"],
            "memory_limit_mib": entry.get("memory_limit_mib", "off"),
        },
    }


def config_text(name: str, entry: dict[str, Any]) -> str:
    """The TOML of ``configs/<name>.toml``, with a header naming its source."""
    import tomli_w

    head = (
        f"# {name}: {entry['description']}\n"
        "# Generated from experiments/go_reference/matrix.toml by\n"
        "#   python -m experiments.go_reference.matrix --write-configs\n"
        "# Do not edit by hand: edit the matrix and regenerate.\n\n"
    )
    return head + tomli_w.dumps(gclab_config(name, entry))


def write_configs(matrix: dict[str, dict[str, Any]] | None = None) -> list[Path]:
    matrix = load_matrix() if matrix is None else matrix
    CONFIGS.mkdir(exist_ok=True)
    out = []
    for name, entry in matrix.items():
        p = CONFIGS / f"{name}.toml"
        p.write_text(config_text(name, entry))
        out.append(p)
    return out


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--write-configs"]:
        sys.exit("usage: python -m experiments.go_reference.matrix --write-configs")
    for p in write_configs():
        print(p.relative_to(HERE.parent.parent))
