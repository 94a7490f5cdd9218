"""Where the runs of a sweep execute: in process, on a local process pool, or on Dask.

Every executor takes tasks ``(run_id, config)`` and yields one ``Outcome`` per task, in
completion order. Rules:
- the task function is always ``worker.execute``, so results do not depend on the executor;
- a task whose worker dies (a crashed process, a lost Dask worker) still yields a
  ``failed`` outcome naming what happened, and the remaining tasks go on;
- Dask is optional (``pip install gclab[dask]``); ``DaskExecutor`` connects to a scheduler
  at ``address`` or starts a ``LocalCluster`` of ``jobs`` single-threaded worker processes.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from framework.sweep.worker import Outcome, die_with, execute

Task = tuple[Any, ...]  # (run_id, config dict, plugin modules): see worker.execute
EXECUTORS = ("serial", "local", "dask")


def _lost(rid: str, what: str) -> Outcome:
    return Outcome(rid, "failed", error=what, traceback=what)


class SerialExecutor:
    """Runs every task in this process, one after another."""

    name = "serial"
    jobs = 1

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def imap_unordered(self, tasks: list[Task]) -> Iterator[Outcome]:
        for t in tasks:
            yield execute(t)


class LocalPoolExecutor:
    """A pool of ``jobs`` worker processes (default: all cores), at most ``jobs`` tasks in
    flight. A pool broken by a dying worker fails only the tasks in flight, then restarts."""

    name = "local"

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = jobs or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        # forkserver: workers never inherit the coordinator's threads (tqdm, sqlite).
        return ProcessPoolExecutor(
            self.jobs,
            mp_context=mp.get_context("forkserver"),
            initializer=die_with,
            initargs=(os.getpid(),),
        )

    def __enter__(self) -> LocalPoolExecutor:
        self._pool = self._new_pool()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def imap_unordered(self, tasks: list[Task]) -> Iterator[Outcome]:
        assert self._pool is not None, "use LocalPoolExecutor as a context manager"
        queue = list(reversed(tasks))
        inflight: dict[Future[Outcome], str] = {}
        while queue or inflight:
            while queue and len(inflight) < self.jobs:
                t = queue.pop()
                inflight[self._pool.submit(execute, t)] = t[0]
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            broken = False
            for f in done:
                rid = inflight.pop(f)
                try:
                    yield f.result()
                except BrokenProcessPool:
                    broken = True
                    yield _lost(
                        rid,
                        "worker process died (BrokenProcessPool): this run, or one running "
                        "beside it, crashed its process; rerun with --retry-failed",
                    )
            if broken:
                for f, rid in list(inflight.items()):
                    if f.done() and not f.exception():
                        yield f.result()
                    else:
                        yield _lost(rid, "worker process died (BrokenProcessPool) while running")
                inflight.clear()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()


def dask_available() -> bool:
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return False
    return True


class DaskExecutor:
    """Runs tasks on a Dask distributed cluster: the scheduler at ``address``, or a
    ``LocalCluster`` of ``jobs`` processes with one thread each."""

    name = "dask"
    connect_timeout = "10s"

    def __init__(self, address: str | None = None, jobs: int | None = None) -> None:
        if not dask_available():
            raise RuntimeError("the dask executor needs dask: pip install 'gclab[dask]'")
        self.address = address
        self.jobs = jobs or os.cpu_count() or 1
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskExecutor:
        from dask.distributed import Client, LocalCluster

        if self.address:
            self._client = Client(self.address, timeout=self.connect_timeout)
        else:
            self._cluster = LocalCluster(
                n_workers=self.jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def imap_unordered(self, tasks: list[Task]) -> Iterator[Outcome]:
        from dask.distributed import as_completed

        futures = {
            self._client.submit(execute, t, key=f"gclab-run-{t[0]}", pure=False): t[0]
            for t in tasks
        }
        for f in as_completed(futures):
            rid = futures[f]
            try:
                yield f.result()
            except Exception as e:  # a lost worker (KilledWorker) or a cancelled task
                yield _lost(rid, f"dask task failed outside the run: {type(e).__name__}: {e}")
            f.release()


def make_executor(
    kind: str, jobs: int | None = None, scheduler: str | None = None
) -> SerialExecutor | LocalPoolExecutor | DaskExecutor:
    if kind == "serial":
        return SerialExecutor()
    if kind == "local":
        return LocalPoolExecutor(jobs)
    if kind == "dask":
        return DaskExecutor(scheduler, jobs)
    raise ValueError(f"unknown executor {kind!r}; allowed: {', '.join(EXECUTORS)}")
