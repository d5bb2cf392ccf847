"""Where a class's grading jobs run: a pool of local processes, or a Dask cluster.

An executor takes `Job`s and returns futures of `Graded`: objects with `.result()`
and `.add_done_callback(fn)`, which both concurrent.futures and dask.distributed
futures have. Everything else about grading a class is the same whichever runs it.
"""
from __future__ import annotations

import multiprocessing
import uuid
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor

from autograder.class_grading.jobs import Job, grade_job, warm
from autograder.isolation.zygote import ZygoteFailed, start


class LocalPool:
    """`jobs` grading processes on this machine, forking their workers from one warm zygote."""

    def __init__(self, jobs: int, assignments=()):
        """assignments: those the class will be graded for, which the zygote warms up for at once."""
        self.zygote = start(list(assignments))  # one warm-up for all the processes, not one each
        try:
            self.door = self.zygote.door()  # each process makes a channel of its own off it
        except ZygoteFailed:  # it could not start: each process starts one of its own
            self.door = None
        # spawn, not fork: the grading processes start clean, not as copies of this one
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=warm, initargs=(tuple(assignments), self.door))
        self.where = f"{jobs} local process{'es' if jobs > 1 else ''}"
        self.jobs = jobs
        for _ in range(jobs):  # start the processes (and their zygotes) now, not at the first job
            self.pool.submit(int)

    def submit(self, job: Job):
        return self.pool.submit(grade_job, job)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.door is not None:
            self.door.close()
        self.zygote.close()


class DaskCluster:
    """A dask.distributed scheduler at `address` (tls://host:8786), reached with the certificates in
    `tls` (`autograder.class_grading.cluster_tls`). Its workers need this course installed as the instructor has
    it (the hidden references included)."""

    def __init__(self, address: str, tls: Path | None):
        from distributed import Client

        from autograder.class_grading.cluster_tls import TlsError, security

        if not address.startswith("tls://") or tls is None:
            raise TlsError(f"{address}: a scheduler is reached over TLS only (tls://HOST:PORT, with --tls DIR): "
                           "whoever reaches a plain one can run code on its workers")
        self.client = Client(address, timeout="10s", security=security(tls))
        self.where = f"the Dask scheduler at {address}"
        self.run = uuid.uuid4().hex[:8]  # keys of this run only: a rerun is graded again
        self.jobs = sum(self.client.nthreads().values()) or 1

    def submit(self, job: Job):
        # pure=False: two jobs with the same text (two blank notebooks) are still two jobs
        return self.client.submit(grade_job, job, pure=False, key=f"grade-{self.run}-{job.student}-{job.assignment}")

    def close(self) -> None:
        self.client.close()


def executor(jobs: int, scheduler: str | None, tls: Path | None = None, assignments=()):
    return DaskCluster(scheduler, tls) if scheduler else LocalPool(jobs, assignments)
