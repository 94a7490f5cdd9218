"""The mutation run's mutants still apply: each one's text is in its file exactly once, so a
refactor that moves the code fails here, not silently in the next mutation run."""

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _mutants():
    spec = importlib.util.spec_from_file_location("gclab_mutants", HERE / "mutants.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gclab_mutants"] = mod
    spec.loader.exec_module(mod)
    return mod


MOD = _mutants()


@pytest.mark.parametrize("mutant", MOD.MUTANTS, ids=lambda m: m.id)
def test_every_mutant_applies_once(mutant):
    text = (MOD.ROOT / mutant.path).read_text()
    assert text.count(mutant.old) == 1, f"{mutant.id}: its text is gone from {mutant.path}"
