"""Sweep specs: expansion order, variants, zipped axes, seeds, stable ids, and errors that
name the key and what is allowed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framework.config import ConfigError
from framework.sweep import build_sweep, load_sweep, run_id

BASE = {
    "run": {"seed": 7, "gomaxprocs": 2},
    "workload": {"name": "steady", "live_objects": 1000},
    "collector": {"name": "concurrent", "barrier": "hybrid"},
}


def sweep(table, base=None, overrides=None):
    return build_sweep({**(base or BASE), "sweep": table}, "t", "t.toml", overrides)


def test_grid_is_the_product_in_file_order_with_seeds_innermost():
    s = sweep({"pacer.gogc": [50, 100], "collector.barrier": ["dijkstra", "yuasa"], "seeds": 2})
    assert s.axes == ["pacer.gogc", "collector.barrier"]
    pts = [
        (r.params["pacer.gogc"], r.params["collector.barrier"], r.params["seed"]) for r in s.runs
    ]
    assert pts == [
        (50, "dijkstra", 7), (50, "dijkstra", 8), (50, "yuasa", 7), (50, "yuasa", 8),
        (100, "dijkstra", 7), (100, "dijkstra", 8), (100, "yuasa", 7), (100, "yuasa", 8),
    ]  # fmt: skip
    assert all(r.config["run"]["seed"] == r.params["seed"] for r in s.runs)
    assert [r.index for r in s.runs] == list(range(8))


def test_nested_tables_in_sweep_are_dotted_axes():
    a = sweep({"pacer": {"gogc": [50, 100]}})
    b = sweep({"pacer.gogc": [50, 100]})
    assert [r.run_id for r in a.runs] == [r.run_id for r in b.runs]


def test_zipped_axes_vary_together_and_cross_the_grid():
    s = sweep(
        {
            "pacer.gogc": [50, 100],
            "zip": {"workload.live_objects": [1000, 2000, 3000], "workload.anchors": [8, 16, 32]},
        }
    )
    pts = [
        (r.params["pacer.gogc"], r.params["workload.live_objects"], r.params["workload.anchors"])
        for r in s.runs
    ]
    assert pts == [(g, n, a) for g in (50, 100) for n, a in ((1000, 8), (2000, 16), (3000, 32))]


def test_several_zip_groups_are_crossed():
    s = sweep({"zip": [{"pacer.gogc": [50, 100]}, {"workload.anchors": [8, 16]}]})
    assert len(s.runs) == 4


def test_variant_switching_collector_drops_keys_the_new_one_rejects():
    s = sweep(
        {"variants": {"stw": {"collector.name": "stw"}, "dij": {"collector.barrier": "dijkstra"}}}
    )
    assert s.axes == ["variant"]
    stw, dij = s.runs
    assert stw.params == {"variant": "stw", "seed": 7}
    assert stw.config["collector"] == {"name": "stw"}
    assert dij.config["collector"]["barrier"] == "dijkstra"


def test_explicit_seed_list():
    s = sweep({"seeds": [3, 11]})
    assert [r.config["run"]["seed"] for r in s.runs] == [3, 11]


def test_run_id_is_a_stable_hash_of_the_resolved_config():
    a = sweep({"pacer.gogc": [100]}).runs[0]
    b = sweep({}).runs[0]  # GOGC 100 is the default: the same resolved config
    assert a.run_id == b.run_id == run_id(a.config)
    c = sweep({"seeds": [8]}).runs[0]
    assert c.run_id != a.run_id
    assert a.run_id == run_id(dict(reversed(list(a.config.items()))))  # key order ignored


def test_plain_config_is_a_sweep_of_one_run(tmp_path):
    p = tmp_path / "plain.toml"
    p.write_text('[workload]\nname = "steady"\n')
    s = load_sweep(p)
    assert s.name == "plain" and len(s.runs) == 1 and s.axes == []


def test_base_reference_chain_and_override_only_file(tmp_path):
    (tmp_path / "a.toml").write_text('[workload]\nname = "steady"\nlive_objects = 1234\n')
    (tmp_path / "b.toml").write_text('base = "a.toml"\n[workload]\nanchors = 9\n')
    (tmp_path / "s.toml").write_text('base = "b.toml"\n[sweep]\n"pacer.gogc" = [50]\n')
    r = load_sweep(tmp_path / "s.toml").runs[0]
    assert r.config["workload"]["live_objects"] == 1234
    assert r.config["workload"]["anchors"] == 9
    assert r.config["pacer"]["gogc"] == 50


def test_set_overrides_the_base_but_not_an_axis():
    s = sweep({"pacer.gogc": [50]}, overrides=["workload.live_objects=99"])
    assert s.runs[0].config["workload"]["live_objects"] == 99
    with pytest.raises(ConfigError, match=r"--set pacer.gogc: is swept"):
        sweep({"pacer.gogc": [50]}, overrides=["pacer.gogc=10"])


VALUES = "values must be numbers, strings or booleans"
ZIP = {"pacer.gogc": [1, 2], "workload.anchors": [3]}
STW = {"stw": {"collector.name": "stw"}}


@pytest.mark.parametrize(
    ("table", "needles"),
    [
        ({"pacer.gogc": []}, ["sweep.pacer.gogc: empty axis"]),
        ({"pacer.gogc": 100}, ["sweep.pacer.gogc: an axis must be a list"]),
        ({"pacer.gogcc": [1]}, ["pacer.gogcc: unknown key", "allowed keys here:", "gogc"]),
        ({"pacer.gogc": ["lots"]}, ["pacer.gogc", "lots"]),
        ({"pacer.gogc": [-5]}, ["pacer.gogc"]),
        ({"frob.x": [1]}, ["sweep.frob.x: unknown config section 'frob'", "allowed: collector"]),
        ({"bogus": 1}, ["sweep.bogus: unknown key; allowed: name, description, seeds"]),
        ({"seeds": 0}, ["sweep.seeds: a count must be in 1.."]),
        ({"seeds": "two"}, ["sweep.seeds: must be a count"]),
        ({"seeds": [1, 1]}, ["sweep.seeds: repeated seeds"]),
        ({"run.seed": [1, 2]}, ["sweep.run.seed: run.seed is set by sweep.seeds"]),
        ({"pacer.gogc": [[1, 2]]}, [f"sweep.pacer.gogc: {VALUES}"]),
        ({"pacer.gogc": [50, 50]}, ["sweep.pacer.gogc: repeated values"]),
        ({"zip": ZIP}, ["sweep.zip: zipped axes must have equal lengths"]),
        ({"variants": {"v": 3}}, ["sweep.variants.v: must be a table"]),
        ({"variants": {"v": {"collector.name": "zgc"}}}, ["collector.name: unknown name 'zgc'"]),
        ({"pacer.gogc": [5], "variants": {"v": {"pacer.gogc": 1}}}, ["v: 'pacer.gogc' is"]),
        ({"variants": {"a": {"pacer.gogc": 100}, "b": {}}}, ["resolves to the same config"]),
        ({"variants": STW, "collector.barrier": ["yuasa"]}, ["variant='stw'", "barrier: unknown"]),
    ],
)  # fmt: skip
def test_malformed_specs_name_the_key_and_what_is_allowed(table, needles):
    with pytest.raises(ConfigError) as e:
        sweep(table)
    for n in needles:
        assert n in str(e.value), (n, str(e.value))


def test_unknown_top_level_key_and_bad_base(tmp_path):
    with pytest.raises(ConfigError, match="frob: unknown top-level key; allowed: base, collector"):
        build_sweep({**BASE, "frob": {}}, "t")
    (tmp_path / "s.toml").write_text('base = "missing.toml"\n')
    with pytest.raises(ConfigError, match="cannot read"):
        load_sweep(tmp_path / "s.toml")
    (tmp_path / "loop.toml").write_text('base = "loop.toml"\n')
    with pytest.raises(ConfigError, match="circular"):
        load_sweep(tmp_path / "loop.toml")
    (tmp_path / "sw.toml").write_text('[workload]\nname="steady"\n[sweep]\n"pacer.gogc" = [1]\n')
    (tmp_path / "on_sweep.toml").write_text('base = "sw.toml"\n')
    with pytest.raises(ConfigError, match="a base must be a plain config"):
        load_sweep(tmp_path / "on_sweep.toml")


@given(
    gogc=st.lists(st.integers(10, 400), min_size=1, max_size=4, unique=True),
    anchors=st.lists(st.integers(1, 64), min_size=1, max_size=3, unique=True),
    nzip=st.integers(1, 3),
    seeds=st.integers(1, 3),
    nvariants=st.integers(0, 2),
)
def test_expansion_is_the_product_of_every_axis_with_unique_stable_ids(
    gogc, anchors, nzip, seeds, nvariants
):
    table = {
        "seeds": seeds,
        "pacer.gogc": gogc,
        "workload.anchors": anchors,
        "zip": {"workload.live_objects": [1000 + i for i in range(nzip)],
                "workload.object_size": [64 + 8 * i for i in range(nzip)]},
    }  # fmt: skip
    if nvariants:
        table["variants"] = {f"q{q}": {"run.quantum_ops": 100 * (q + 1)} for q in range(nvariants)}
    s = sweep(table)
    n = len(gogc) * len(anchors) * nzip * seeds * max(nvariants, 1)
    assert len(s.runs) == n
    assert len({r.run_id for r in s.runs}) == n
    assert [r.run_id for r in sweep(table).runs] == [r.run_id for r in s.runs]
    for r in s.runs:
        cfg = r.config
        assert cfg["pacer"]["gogc"] == r.params["pacer.gogc"]
        assert cfg["workload"]["anchors"] == r.params["workload.anchors"]
        assert cfg["workload"]["object_size"] == 64 + 8 * (cfg["workload"]["live_objects"] - 1000)
        assert cfg["run"]["seed"] == r.params["seed"]
