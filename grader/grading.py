"""Grade one submission: a private scratch copy, the notebook and the trusted tests run in the
sandbox, verdicts decided here. Pure data in, pure data out: :func:`grade_submission` writes
nothing outside its own temporary folder, so it can run in a thread, a process or on another
machine; the gradebook is written by the caller alone (:func:`grader.autograde.record`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from typing import Any
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import trusted
from .regions import hidden_lines_of
from .sandbox import MOUNT_SCRIPTS, MOUNT_SUBMISSION, Sandbox, kill_group

MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024
MAX_FILE_BYTES = 16 * 1024 * 1024


@dataclass
class Limits:
    cell_timeout: int = 30  # seconds per notebook cell and per trusted test
    submission_timeout: int = 900  # seconds for one whole submission
    memory_gb: float = 4.0  # address space of each sandboxed process
    jobs: int = os.cpu_count() or 1  # submissions graded at once


@dataclass
class Job:
    """Everything needed to grade one submission, read before grading starts."""

    assignment: str
    student: str
    submitted: Path  # the student's folder (read only)
    source: Path  # the instructor's folder: restored files, notebooks
    release: Path  # the release: a notebook a student did not hand in
    student_files: list[str]  # files the student edits (relative paths)
    probes: str  # the text of probes.py
    reference: dict  # grade_id -> trusted.ProbeResult of the reference
    points: dict[str, float]  # grade_id -> points of every graded cell (grade_points)
    tolerances: dict
    limits: Limits
    datasets: Path
    isolate: bool = True
    cache_seed: Path | None = None  # a ~/.cache (font list, CUDA runtime), copied per submission


@dataclass
class CellResult:
    grade_id: str
    points: float
    max_points: float
    notebook_passed: bool | None  # None: the cell was not in the student's notebook
    trusted_passed: bool
    message: str = ""

    @property
    def flagged(self) -> bool:
        return self.notebook_passed is not None and self.notebook_passed != self.trusted_passed


@dataclass
class Graded:
    """The result of grading one submission, as plain data."""

    assignment: str
    student: str
    status: str  # "graded" or "time limit"
    seconds: float
    notebooks: dict[str, dict] = field(default_factory=dict)  # name -> executed notebook (JSON)
    cells: list[CellResult] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    missing_protections: list[str] = field(default_factory=list)
    log: str = ""

    @property
    def score(self) -> tuple[float, float]:
        return sum(c.points for c in self.cells), sum(c.max_points for c in self.cells)

    @property
    def flags(self) -> list[CellResult]:
        return [c for c in self.cells if c.flagged]

    def describe(self) -> str:
        score, best = self.score
        flags = f"  flagged: {', '.join(c.grade_id for c in self.flags)}" if self.flags else ""
        return f"{self.student:<28} {self.status:<10} {score:>5g}/{best:<5g} {self.seconds:6.1f} s{flags}"


def grade_points(source: Path) -> dict[str, float]:
    """{grade_id: points} of every graded code cell of the source notebooks, in notebook order."""
    points = {}
    for path in sorted(source.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and cell.cell_type == "code":
                points[meta["grade_id"]] = float(meta.get("points", 0))
    return points


# ------------------------------------------------------------------ the scratch copy


def _copy_file(src: Path, dest: Path) -> bool:
    """Copy a regular file of sane size; links, devices and giants are refused."""
    if src.is_symlink() or not src.is_file() or src.stat().st_size > MAX_FILE_BYTES:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return True


def student_inputs(source: Path, student_files: list[str]) -> dict[str, int]:
    """The files grading reads from a student's folder, each with the largest size it accepts:
    the assignment's notebooks and the files students edit."""
    inputs = {p.name: MAX_NOTEBOOK_BYTES for p in source.glob("*.ipynb")}
    inputs.update({rel: MAX_FILE_BYTES for rel in student_files})
    return inputs


def build_scratch(job: Job, scratch: Path) -> list[str]:
    """The submission as it is graded: the student's files, every other file from the source.

    Returns the student files the submission lacks (nothing falls back to the kit's code).
    """
    for path in sorted(job.source.rglob("*")):
        rel = path.relative_to(job.source).as_posix()
        if (
            path.is_file()
            and path.suffix != ".ipynb"
            and rel not in job.student_files
            and path.name not in ("probes.py", "samples.toml")
        ):
            _copy_file(path, scratch / rel)
    missing = []
    for rel in job.student_files:
        if not _copy_file(job.submitted / rel, scratch / rel):
            missing.append(rel)
    return missing


def _grade_id(cell: Mapping[str, Any]) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def prepare_notebook(submitted: Path | None, source: Path, release: Path) -> nbformat.NotebookNode:
    """The student's notebook with every test and locked cell put back as the instructor wrote it.

    Like nbgrader's OverwriteCells, read from the source notebook rather than the gradebook, so
    that grading needs no database. A notebook that is missing or unreadable is replaced by the
    release's.
    """
    reference = nbformat.read(source, as_version=4)
    by_id = {_grade_id(c): c for c in reference.cells if _grade_id(c)}
    nb = None
    if (
        submitted is not None
        and submitted.is_file()
        and not submitted.is_symlink()
        and submitted.stat().st_size <= MAX_NOTEBOOK_BYTES
    ):
        try:
            nb = nbformat.read(submitted, as_version=4)
        except Exception:
            nb = None
    if nb is None:
        nb = nbformat.read(release, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.get("cell_type") not in ("code", "markdown", "raw"):
            continue
        original = by_id.get(_grade_id(cell))
        if original is not None:
            meta = original.metadata.get("nbgrader", {})
            if meta.get("locked") or (meta.get("grade") and not meta.get("solution")):
                cell = nbformat.from_dict(original)
            else:
                cell.metadata["nbgrader"] = nbformat.from_dict(meta)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = cells
    nb.metadata = nbformat.from_dict(reference.metadata)
    return nb


# ------------------------------------------------------------------ running


def run_notebook(
    sandbox: Sandbox, filename: str, cell_timeout: int, deadline: float
) -> tuple[nbformat.NotebookNode | None, str]:
    """Execute ``filename`` (a notebook of the scratch copy) in the sandbox, as grading runs it.

    Returns the executed notebook (None if it ran past ``deadline`` or came back unreadable) and
    the end of the runner's log. ``check`` runs students' notebooks through here too.
    """
    out = sandbox.out / f"{Path(filename).stem}.executed.ipynb"
    proc = sandbox.popen(
        [
            sys.executable,
            "-I",
            sandbox.path(f"{MOUNT_SCRIPTS}/run_notebook.py"),
            sandbox.path(f"{MOUNT_SUBMISSION}/{filename}"),
            sandbox.path(f"/out/{out.name}"),
            str(cell_timeout),
        ],
        env={"NBGRADER_EXECUTION": "autograde"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        log, _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        kill_group(proc)
        log, _ = proc.communicate()
        return None, "the submission ran past its time limit\n" + log[-4000:].decode(errors="replace")
    text = log[-4000:].decode(errors="replace")
    if not out.is_file() or out.is_symlink() or out.stat().st_size > MAX_NOTEBOOK_BYTES:
        return None, text
    try:
        return nbformat.read(out, as_version=4), text
    except Exception as error:
        return None, f"{text}\nunreadable executed notebook: {error}"


def _stitch(prepared: nbformat.NotebookNode, executed: nbformat.NotebookNode | None) -> None:
    """Copy the executed notebook's outputs into ``prepared`` (whose sources are trusted)."""
    if executed is None or len(executed.cells) != len(prepared.cells):
        return
    for mine, theirs in zip(prepared.cells, executed.cells):
        if mine.cell_type == "code" and theirs.get("cell_type") == "code":
            outputs = theirs.get("outputs", [])
            mine.outputs = [
                nbformat.from_dict(o)
                for o in outputs
                if isinstance(o, dict) and o.get("output_type") in ("stream", "error", "display_data", "execute_result")
            ]


def _errors(cell: Mapping[str, Any]) -> list[str]:
    return [
        f"{o.get('ename', '')}: {o.get('evalue', '')}"
        for o in cell.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def sandbox_for(job: Job, tmp: Path) -> tuple[Sandbox, list[str]]:
    """A sandbox over a fresh scratch copy of the job's submission in ``tmp``; also the files it lacks."""
    scratch, out = Path(tmp, "submission"), Path(tmp, "out")
    scratch.mkdir()
    out.mkdir()
    missing = build_scratch(job, scratch)
    sandbox = Sandbox(
        scratch,
        out,
        datasets=job.datasets,
        memory_gb=job.limits.memory_gb,
        isolate=job.isolate,
        cache=own_cache(job.cache_seed, Path(tmp, "cache")),
    )
    return sandbox, missing


def grade_submission(job: Job) -> Graded:
    """Grade one submission; writes nothing outside its own temporary folder."""
    start = time.monotonic()
    deadline = start + job.limits.submission_timeout
    with tempfile.TemporaryDirectory(prefix=f"grade-{job.student}-") as tmp:
        sandbox, missing = sandbox_for(job, Path(tmp))
        scratch = sandbox.work
        notebooks, logs, status = {}, [], "graded"
        for source_nb in sorted(job.source.glob("*.ipynb")):
            name = source_nb.stem
            nb = prepare_notebook(job.submitted / source_nb.name, source_nb, job.release / source_nb.name)
            nbformat.write(nb, scratch / source_nb.name)
            executed, log = run_notebook(sandbox, source_nb.name, job.limits.cell_timeout, deadline)
            logs.append(log)
            if executed is None and "ran past its time limit" in log:
                status = "time limit"
            _stitch(nb, executed)
            notebooks[name] = nb
        # The trusted tests run on a fresh copy: nothing the notebook's run left behind counts.
        shutil.rmtree(scratch)
        scratch.mkdir()
        build_scratch(job, scratch)
        ids = list(job.reference)
        results = trusted.run(sandbox, job.probes, ids, job.limits.cell_timeout, deadline)
        if any("ran past its time limit" in (r.error or "") for r in results.values()):
            status = "time limit"
        cells = _cell_results(job, notebooks, results)
        return Graded(
            job.assignment,
            job.student,
            status,
            time.monotonic() - start,
            {k: dict(v) for k, v in notebooks.items()},
            cells,
            missing,
            list(sandbox.missing),
            "\n".join(logs)[-8000:],
        )


def _cell_results(job: Job, notebooks: dict, results: dict) -> list[CellResult]:
    graded_cells = {}
    for nb in notebooks.values():
        for cell in nb.cells:
            if _grade_id(cell) and cell.cell_type == "code":
                graded_cells[_grade_id(cell)] = cell
    cells = []
    for grade_id, max_points in job.points.items():
        if grade_id not in job.reference:
            raise trusted.ProbeError(f"probes.py of {job.assignment} has no trusted test {grade_id!r}")
        result = results.get(grade_id, trusted.ProbeResult(False, "not run"))
        verdict = trusted.judge(result, job.reference[grade_id], job.tolerances.get(grade_id))
        cell = graded_cells.get(grade_id)
        notebook_passed = None if cell is None else not _errors(cell)
        cells.append(
            CellResult(
                grade_id,
                max_points if verdict.passed else 0.0,
                max_points,
                notebook_passed,
                verdict.passed,
                verdict.message,
            )
        )
    return cells


def own_cache(seed: Path | None, dest: Path) -> Path:
    """A submission's own ~/.cache, shared by its notebook and its trusted tests only.

    It starts as a copy of ``seed`` (matplotlib's font list, the kit's CUDA runtime: made once per
    run by the grader, :func:`build_cache_seed`), so no submission pays for them and none can
    touch another's cache.
    """
    if seed is not None and seed.is_dir():
        shutil.copytree(seed, dest)
    else:
        dest.mkdir()
    return dest


def build_cache_seed(code: tuple[str, ...], dest: Path) -> Path | None:
    """Fill ``dest``, the ~/.cache every submission's own cache is copied from, once per run.

    It holds matplotlib's list of the machine's fonts (each kernel would otherwise scan the
    fonts again when the notebook imports pyplot) and, when the assignment uses kernels, the
    kit's compiled CUDA runtime. Only the kit's own code runs here, never a submission's.
    """
    dest.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MPLCONFIGDIR": str(dest / "matplotlib")}
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, capture_output=True)
    if "cuda_kernels" in code:
        env["NEEDLE_CUDA_CACHE"] = str(dest / "needle-kit" / "cuda")
        done = subprocess.run(
            [sys.executable, "-c", "from needle_core.cuda import cpu; cpu.runtime()"],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:  # no compiler: each submission compiles its own
            shutil.rmtree(dest / "needle-kit", ignore_errors=True)
    return dest if dest.is_dir() and any(dest.iterdir()) else None


def hidden_lines(source: Path) -> set[str]:
    """Lines of hidden-test code in the source notebooks: they must never reach feedback."""
    lines: set[str] = set()
    for path in sorted(source.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            lines |= hidden_lines_of(cell.source)
    return lines
