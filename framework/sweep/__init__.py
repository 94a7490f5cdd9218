"""Experiment batches: sweep specs, executors, the resumable results store and the runner.

``load_sweep(path)`` expands a sweep file into validated runs; ``run_sweep`` executes the
missing ones on an executor and records each outcome in a ``Store``; ``load_results`` and
``load_series`` read a finished (or partial) sweep back as tidy pandas DataFrames.
"""

from framework.sweep.spec import RunSpec, SweepSpec, build_sweep, load_sweep, run_id

__all__ = ["RunSpec", "SweepSpec", "build_sweep", "load_sweep", "run_id"]
