"""Where submissions are graded: threads on this machine, or the workers of a Dask cluster.

Both run :func:`grader.grading.grade_submission`, one task per submission, and hand back each
result as data as soon as it is done; the caller alone writes grades. On a cluster a task
carries the student's files as bytes and the assignment's folders are sent once to every
worker, so a worker needs the kit installed (with its data sets) but no access to the course
directory. A worker that dies mid-run costs nothing: the scheduler gives its tasks to another.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
import uuid
from itertools import islice
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .assignments import REPO
from .assignments import get as get_assignment
from .errors import GraderError
from .grading import Graded, Job, build_cache_seed, grade_submission, student_inputs

Result = tuple[Job, "Graded | BaseException"]
QUEUED_PER_THREAD = 3  # tasks waiting per worker thread on a cluster


class Threads:
    """Grade on this machine, ``jobs`` submissions at a time (each in its own sandboxed processes)."""

    def __init__(self, jobs: int):
        self.jobs = max(1, jobs)

    def describe(self) -> str:
        return f"{self.jobs} at a time on this machine"

    def grade(self, jobs: list[Job]) -> Iterator[Result]:
        pool = ThreadPoolExecutor(max_workers=self.jobs)
        futures = {pool.submit(grade_submission, job): job for job in jobs}
        try:
            for future in as_completed(futures):
                error = future.exception()
                yield futures[future], error if error is not None else future.result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        pass


# ------------------------------------------------------------------ Dask


@dataclass(frozen=True)
class Folders:
    """An assignment's source and release folders as bytes, sent once to each worker."""

    digest: str
    files: dict[str, bytes]  # "source/<path>" or "release/<path>" -> content


def pack_folders(source: Path, release: Path) -> Folders:
    files = {}
    for name, folder in (("source", source), ("release", release)):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
                files[f"{name}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    digest = hashlib.sha256()
    for rel, data in files.items():
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return Folders(digest.hexdigest(), files)


def pack_submission(job: Job) -> dict[str, bytes]:
    """The files grading reads from a student, as bytes; links and giants are left out (as locally)."""
    files = {}
    for rel, limit in sorted(student_inputs(job.source, job.student_files).items()):
        path = job.submitted / rel
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= limit:
            files[rel] = path.read_bytes()
    return files


def _unpack(files: dict[str, bytes], dest: Path) -> None:
    for rel, data in files.items():
        path = (dest / rel).resolve()
        if not path.is_relative_to(dest.resolve()):
            raise GraderError(f"refusing to write {rel!r} outside {dest}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


_on_worker: dict[str, Path] = {}
_on_worker_lock = threading.Lock()


def _worker_folder(key: str, make: Callable[[Path], object]) -> Path:
    """A folder made once per worker process (assignment folders, the cache every submission's starts from),
    in the worker's own directory, which goes when the worker does."""
    from distributed import get_worker

    with _on_worker_lock:
        if key not in _on_worker or not _on_worker[key].exists():
            folder = Path(tempfile.mkdtemp(prefix="needle-", dir=get_worker().local_directory))
            make(folder)
            _on_worker[key] = folder
        return _on_worker[key]


def grade_on_worker(job: Job, folders: Folders, files: dict[str, bytes]) -> Graded:
    """A Dask task: grade one submission on this worker, in the sandbox, and return the result."""
    datasets = REPO / "datasets"
    if not datasets.is_dir():
        raise GraderError(
            f"this worker has no data sets at {datasets}: install the kit from a checkout "
            "(pip install -e '.[cluster]') on every worker"
        )
    here = _worker_folder("folders-" + folders.digest, lambda d: _unpack(folders.files, d))
    code = get_assignment(job.assignment).code
    seed = _worker_folder(f"cache-seed-{code}", lambda d: build_cache_seed(code, d / "cache"))
    with tempfile.TemporaryDirectory(prefix=f"submitted-{job.student}-") as tmp:
        _unpack(files, Path(tmp))
        local = replace(
            job,
            submitted=Path(tmp),
            source=here / "source",
            release=here / "release",
            datasets=datasets,
            cache_seed=seed / "cache",
        )
        return grade_submission(local)


class DaskCluster:
    """Grade on a Dask distributed cluster: a scheduler's address, or a LocalCluster started here."""

    def __init__(self, scheduler: str | None = None, local_workers: int = 2, connect_timeout: str = "20s"):
        try:
            from distributed import Client, LocalCluster
        except ImportError as error:
            raise GraderError("grading on a cluster needs Dask: pip install -e '.[cluster]'") from error
        self._local = None
        if scheduler is None:
            self._local = LocalCluster(
                n_workers=local_workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = Client(self._local)
            self.address = self._local.scheduler_address
        else:
            self.address = scheduler
            try:
                self.client = Client(scheduler, timeout=connect_timeout)
            except (OSError, TimeoutError) as error:
                raise GraderError(f"no Dask scheduler answered at {scheduler}: {error}") from error

    def describe(self) -> str:
        workers = self.client.scheduler_info().get("workers", {})
        threads = sum(w.get("nthreads", 1) for w in workers.values())
        kind = "a local Dask cluster" if self._local else f"the Dask cluster at {self.address}"
        return f"{len(workers)} worker{'s' if len(workers) != 1 else ''}, {threads} at a time, on {kind}"

    def grade(self, jobs: list[Job]) -> Iterator[Result]:
        """Keep a few tasks per worker thread queued, no more: the students' files are read and sent
        as the cluster needs them, so a class of thousands costs the client little memory."""
        from distributed import as_completed as completed

        if not jobs:
            return
        folders = self.client.scatter(pack_folders(jobs[0].source, jobs[0].release), broadcast=True)
        run, waiting = uuid.uuid4().hex[:8], iter(jobs)
        futures: dict[Any, Job] = {}
        done = completed(with_results=True, raise_errors=False)

        def fill(want: int) -> None:
            for job in islice(waiting, max(0, want - len(futures))):
                future = self.client.submit(
                    grade_on_worker,
                    job,
                    folders,
                    pack_submission(job),
                    key=f"grade-{job.assignment}-{job.student}-{run}",
                    pure=False,
                )
                futures[future] = job
                done.add(future)

        fill(self._queue_length())
        try:
            for n, (future, result) in enumerate(done, 1):
                yield futures.pop(future), result
                # one in for one out; now and then as many as the cluster has threads for (it may grow)
                fill(self._queue_length() if n % 50 == 0 else len(futures) + 1)
        finally:
            self.client.cancel(list(futures))

    def _queue_length(self) -> int:
        threads = sum(self.client.nthreads().values())
        return max(8, QUEUED_PER_THREAD * threads)

    def close(self) -> None:
        self.client.close()
        if self._local is not None:
            self._local.close()


def where_to_grade(scheduler: str | None, cluster: str | None, jobs: int) -> Threads | DaskCluster:
    """The CLI's choice: ``--scheduler ADDRESS``, ``--cluster local`` or threads here."""
    if scheduler and cluster:
        raise GraderError("give either --scheduler ADDRESS or --cluster local, not both")
    if cluster not in (None, "local"):
        raise GraderError(
            f"--cluster {cluster!r}: only 'local' is known; for another cluster start it "
            "(e.g. with dask-jobqueue) and pass its scheduler with --scheduler"
        )
    if scheduler or cluster:
        return DaskCluster(scheduler, local_workers=jobs)
    return Threads(jobs)
