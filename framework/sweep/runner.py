"""Running a sweep: plan against the store, execute what is missing, record every outcome.

Rules:
- runs already ``ok`` in the store are never submitted again; ``failed`` ones only with
  ``retry_failed``; so a sweep killed at any moment and restarted completes only the rest;
- each outcome is committed to the store as soon as it arrives (one transaction per run);
- a failed run never stops the others; ``SweepReport.failed`` counts failures over the
  whole sweep (this session's and earlier ones), and the CLI exits 1 when it is non-zero;
- progress (runs done, failed, ETA) goes to stderr through tqdm.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from framework.plugins import outside_modules
from framework.sweep.spec import SweepSpec
from framework.sweep.store import Store


@dataclass(frozen=True)
class SweepReport:
    planned: int  # runs in the sweep
    already_done: int  # finished (ok or failed) before this session
    submitted: int  # runs this session executed
    ok: int  # ok in the store at the end
    failed: int  # failed in the store at the end
    session: int
    failures: list[tuple[str, dict[str, Any], str]]  # (run_id, params, error)


def plan(spec: SweepSpec, store: Store, retry_failed: bool = False) -> list[int]:
    """Indices of the runs to execute: pending ones (and failed ones if asked)."""
    status = store.status()
    todo = {"pending", "failed"} if retry_failed else {"pending"}
    return [r.index for r in spec.runs if status.get(r.run_id, "pending") in todo]


def run_sweep(
    spec: SweepSpec,
    store: Store,
    executor: Any,
    retry_failed: bool = False,
    progress: bool = True,
) -> SweepReport:
    """Execute the missing runs of ``spec`` on ``executor`` (entered by the caller, so a
    connection failure comes before anything is written) and record them in ``store``."""
    store.register(spec)
    todo = plan(spec, store, retry_failed)
    before = store.counts()
    session = store.start_session(f"{executor.name} x{executor.jobs}", len(spec.runs), len(todo))
    modules = outside_modules()  # plugins the workers import before validating
    tasks = [(spec.runs[i].run_id, spec.runs[i].config, modules) for i in todo]
    ok = failed = 0
    bar = tqdm(
        total=len(tasks),
        disable=not progress or not tasks,
        unit="run",
        desc=spec.name,
        dynamic_ncols=True,
    )
    with bar:
        for outcome in executor.imap_unordered(tasks):
            store.record(outcome, session)
            if outcome.status == "ok":
                ok += 1
            else:
                failed += 1
            bar.set_postfix(done=ok, failed=failed, refresh=False)
            bar.update(1)
    store.finish_session(session, ok, failed)
    counts = store.counts()
    by_id = {r.run_id: r.params for r in spec.runs}
    failures = [
        (r["run_id"], by_id.get(r["run_id"], r["params"]), r["error"] or "")
        for r in store.runs()
        if r["status"] == "failed"
    ]
    return SweepReport(
        planned=len(spec.runs),
        already_done=before["ok"] + before["failed"] - (before["failed"] if retry_failed else 0),
        submitted=len(tasks),
        ok=counts["ok"],
        failed=counts["failed"],
        session=session,
        failures=failures,
    )


class ExecutorStartError(OSError):
    """The executor could not start (e.g. no Dask scheduler at the address)."""


def run_into(
    spec: SweepSpec,
    folder: str | Path,
    executor: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    progress: bool = True,
) -> SweepReport:
    """Run every missing run of ``spec`` into ``folder/results.sqlite``: the one way a batch
    of runs is executed (``gclab sweep``, ``gclab experiment``, ``api.sweep``).

    The folder is locked before its store is opened; an existing store is checked (a
    foreign one or another sweep's raises ``StoreError``) before the executor starts; a new
    folder is made only once the executor is up (``ExecutorStartError`` otherwise), so a
    failure before any run writes nothing."""
    from framework.sweep.executors import make_executor
    from framework.sweep.store import DB_NAME, FolderLock

    out = Path(folder)
    with contextlib.ExitStack() as stack:
        lock = stack.enter_context(FolderLock(out, acquire=False))
        store: Store | None = None
        if out.is_dir():
            lock.acquire()
            if (out / DB_NAME).exists():
                store = stack.enter_context(Store(out))
                store.check_compatible(spec)
        try:
            ex = stack.enter_context(make_executor(executor, jobs, scheduler))
        except OSError as e:
            raise ExecutorStartError(str(e)) from e
        if store is None:
            out.mkdir(parents=True, exist_ok=True)
            lock.acquire()
            store = stack.enter_context(Store(out, create=True))
        return run_sweep(spec, store, ex, retry_failed=retry_failed, progress=progress)
