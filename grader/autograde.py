"""Autograde every submission of an assignment: sandboxed runs in parallel, one writer of grades.

Each submission is graded by :func:`grader.grading.grade_submission`, in a thread here or as a
task on a Dask cluster (:mod:`grader.cluster`); this process alone writes the gradebook and the
autograded notebooks, as each result comes back. The gradebook is backed up before every run,
and the ledger (:mod:`grader.ledger`) records each graded submission, so an interrupted run
resumes and ``changed_only`` skips what did not change. The report
(``course/reports/<assignment>.json``) lists each submission's status and score, the cells where
the notebook's verdict and the trusted one differ, and any protection the machine could not give.
"""

from __future__ import annotations

import datetime
import json
import shutil
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.api import Gradebook
from nbgrader.preprocessors import LimitOutput
from nbgrader.utils import parse_utc

from needle_core.progress import progress

from . import trusted
from .assignments import REPO, Assignment
from .cluster import DaskCluster, Threads
from .course import Course, student_files
from .errors import GraderError
from .gradebook import open_gradebook
from .grading import Graded, Job, Limits, build_cache_seed, grade_points, hidden_lines, sandbox_for
from .leakscan import scrub_outputs
from .ledger import Ledger, assignment_fingerprint, submission_fingerprint
from .regions import has_hidden
from .sandbox import Sandbox
from .text_table import format_table

__all__ = ["Limits", "Outcome", "autograde", "grade_one", "reference_results", "make_job", "summary"]
BACKUPS_KEPT = 10
NOTE_CELL = "needle_grading_note"
EVERY_LINE_UP_TO = 50  # submissions; beyond, only those that need a look get a line


Outcome = Graded


def reference_results(
    course: Course, a: Assignment, limits: Limits, isolate: bool = True, cache_seed: Path | None = None
) -> dict:
    """The trusted tests run on the reference solution (the source folder), once per run."""
    source = course.source(a)
    probes = trusted.probes_file(a.folder)
    if not probes.is_file():
        raise GraderError(f"{a.name} has no trusted tests: write {probes.relative_to(REPO)}")
    job = make_job(course, a, "reference", limits, reference={}, isolate=isolate, cache_seed=cache_seed)
    job.submitted = source
    ids = list(job.points)
    with tempfile.TemporaryDirectory(prefix="grade-reference-") as tmp:
        sandbox, _ = sandbox_for(job, Path(tmp))
        results = trusted.run(sandbox, job.probes, ids, max(limits.cell_timeout, 60))
    failed = {i: r.error for i, r in results.items() if not r.ok}
    if failed or set(results) != set(ids):
        raise trusted.ProbeError(f"the reference of {a.name} fails its trusted tests: {failed}")
    return results


def make_job(
    course: Course,
    a: Assignment,
    student: str,
    limits: Limits,
    reference: dict,
    isolate: bool = True,
    cache_seed: Path | None = None,
) -> Job:
    probes = trusted.probes_file(a.folder).read_text()
    return Job(
        a.name,
        student,
        course.submitted(student, a),
        course.source(a),
        course.release(a),
        student_files(a),
        probes,
        reference,
        grade_points(course.source(a)),
        trusted.tolerances(probes),
        limits,
        REPO / "datasets",
        isolate,
        cache_seed,
    )


def backup_gradebook(course: Course) -> Path | None:
    """Copy gradebook.db to backups/ (the newest few are kept) before grades change."""
    if not course.gradebook.exists():
        return None
    folder = course.root / "backups"
    folder.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = folder / f"gradebook-{stamp}.db"
    shutil.copy2(course.gradebook, dest)
    for old in sorted(folder.glob("gradebook-*.db"))[:-BACKUPS_KEPT]:
        old.unlink()
    return dest


def _note_cell(graded: Graded) -> nbformat.NotebookNode | None:
    """A markdown cell at the top of the feedback: missing files and what the grader decided alone."""
    lines = []
    if graded.missing_files:
        lines.append(
            "**Files missing from your submission:** "
            + ", ".join(f"`{f}`" for f in graded.missing_files)
            + ". The tests that need them score 0: nothing is ever taken from the kit's own code."
        )
    if graded.status == "time limit":
        lines.append("**Your submission ran past its time limit**; the tests that had not finished score 0.")
    if not lines:
        return None
    cell = nbformat.v4.new_markdown_cell("\n\n".join(lines))
    cell.metadata["needle"] = {"note": NOTE_CELL}
    return cell


def _annotate(nb: nbformat.NotebookNode, graded: Graded, hidden_ids: set[str]) -> None:
    """Say, in the cell, where the trusted verdict differs from what the notebook showed."""
    by_id = {c.grade_id: c for c in graded.cells}
    for cell in nb.cells:
        result = by_id.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if result is None or not result.flagged:
            continue
        if result.trusted_passed:
            text = (
                "\n[Grader] The grader's own check of this test passed, so it scores its points; "
                "the error above came from running the notebook.\n"
            )
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=text))
        else:
            where = "" if result.grade_id in hidden_ids else f" ({_where(result.message)})"
            cell.outputs.append(
                nbformat.v4.new_output(
                    "error",
                    ename="GraderCheckFailed",
                    evalue=f"the grader's own check of this test did not pass{where}",
                    traceback=[f"GraderCheckFailed: the grader's own check of this test did not pass{where}"],
                )
            )


def _where(message: str) -> str:
    """Only the names of the values that differed: never values a submission could choose."""
    names = [part.split(":", 1)[0].strip() for part in message.split(";") if ":" in part]
    names = [n for n in names if n.replace(".", "").replace("_", "").replace("[", "").replace("]", "").isalnum()]
    return "differs: " + ", ".join(names[:5]) if names else "wrong result or an error"


def record(
    course: Course, a: Assignment, graded: Graded, secret: set[str], hidden_ids: set[str], gb: Gradebook | None = None
) -> None:
    """Write one graded submission: autograded notebooks (leak-scanned) and the gradebook
    (``gb``, the run's open gradebook, or one opened for this submission)."""
    folder = course.autograded(graded.student, a)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    stamp_file = course.submitted(graded.student, a) / "timestamp.txt"
    timestamp = None
    if stamp_file.is_file() and not stamp_file.is_symlink() and stamp_file.stat().st_size < 100:
        text = stamp_file.read_text(errors="replace").strip()
        try:
            timestamp = parse_utc(text)
            (folder / "timestamp.txt").write_text(text)
        except Exception:
            timestamp = None
    limit = LimitOutput(max_lines=200, max_traceback=40)
    for name, data in graded.notebooks.items():
        nb = nbformat.from_dict(data)
        nb, _ = limit.preprocess(nb, {})
        _annotate(nb, graded, hidden_ids)
        scrub_outputs(nb, secret)
        note = _note_cell(graded)
        if note is not None:
            nb.cells.insert(0, note)
        nbformat.write(nb, folder / f"{name}.ipynb")
    if gb is None:
        with open_gradebook(course) as own:
            return record(course, a, graded, secret, hidden_ids, own)
    scores = {c.grade_id: c.points for c in graded.cells}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy autoflush warnings
        gb.update_or_create_student(graded.student)
        kwargs = {"timestamp": timestamp} if timestamp else {}
        submission = gb.update_or_create_submission(a.name, graded.student, **kwargs)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.name in scores:
                    grade.auto_score = scores[grade.name]
                    grade.needs_manual_grade = False
        gb.db.commit()


def grade_one(
    course: Course, a: Assignment, student: str, limits: Limits | None = None, isolate: bool = True
) -> Graded:
    """Grade and record one submission (the reference's results computed for it)."""
    graded = autograde(course, a, [student], limits, show_progress=False, isolate=isolate, resume=False)
    if not graded:
        raise GraderError(f"{student}'s {a.name} could not be graded: see {course.root / 'reports'}")
    return graded[0]


def _hidden_ids(source: Path) -> set[str]:
    ids = set()
    for path in sorted(source.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if has_hidden(cell.source) and cell.metadata.get("nbgrader", {}).get("grade_id"):
                ids.add(cell.metadata.nbgrader.grade_id)
    return ids


def autograde(
    course: Course,
    a: Assignment,
    students: list[str] | None = None,
    limits: Limits | None = None,
    show_progress: bool = True,
    isolate: bool = True,
    *,
    where: Threads | DaskCluster | None = None,
    changed_only: bool = False,
    resume: bool = True,
) -> list[Graded]:
    """Grade every submission of ``a`` (or the named students) and write the report.

    ``where`` grades them (threads here by default, or a Dask cluster). A run that was
    interrupted resumes: the same command skips what it had graded. With ``changed_only``, a
    submission is skipped when neither its files nor the assignment changed since it was
    graded. Returns what this call graded.
    """
    limits = limits or Limits()
    course.write_config()
    students = students or course.students(a)
    if not students:
        raise GraderError(f"No submissions of {a.name} in {course.root / 'submitted'}.")
    ledger = Ledger(course, a)
    assignment_fp = assignment_fingerprint(course, a, limits)
    fingerprints = {s: submission_fingerprint(course, a, s, assignment_fp) for s in students}
    unfinished = ledger.unfinished(students, assignment_fp) if resume else None
    resumed = {s for s in students if unfinished and unfinished.graded.get(s) == fingerprints[s]}
    latest = ledger.latest() if changed_only else {}
    unchanged = {
        s
        for s in students
        if s not in resumed
        and latest.get(s, {}).get("fingerprint") == fingerprints[s]
        and course.autograded(s, a).is_dir()
    }
    todo = [s for s in students if s not in resumed | unchanged]
    if show_progress and (resumed or unchanged):
        said = [
            f"{len(resumed)} already graded by the interrupted run" if resumed else "",
            f"{len(unchanged)} unchanged since graded" if unchanged else "",
        ]
        print(f"{a.name}: skipping {' and '.join(x for x in said if x)}; grading {len(todo)}", flush=True)
    run = ledger.start(assignment_fp, students, resumes=unfinished.id if unfinished else None)
    stats = RunStats(resumed=len(resumed), unchanged=len(unchanged))
    results: list[Graded] = []
    if todo:
        backup_gradebook(course)
        own = where is None
        where = where or Threads(limits.jobs)
        try:
            with tempfile.TemporaryDirectory(prefix="grade-cache-") as tmp:
                seed = build_cache_seed(a.code, Path(tmp))
                results = _grade_all(
                    course,
                    a,
                    todo,
                    limits,
                    show_progress,
                    isolate,
                    seed,
                    where,
                    lambda g: ledger.graded(run, fingerprints[g.student], g),
                    stats,
                )
        finally:
            if own:
                where.close()
    ledger.end(run)
    write_report(course, a, sorted(set(course.students(a)) | set(students)), ledger, stats)
    return results


@dataclass
class RunStats:
    """How a run went, for the progress bar, the summary and the report."""

    resumed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    where: str = ""
    kinds: Counter = field(default_factory=Counter)  # graded / time limit / flagged / crashed
    crashed: dict[str, str] = field(default_factory=dict)  # student -> what went wrong
    missing_protections: set[str] = field(default_factory=set)

    def count(self, graded: Graded) -> None:
        self.kinds[graded.status] += 1
        self.kinds["flagged"] += bool(graded.flags)
        self.missing_protections.update(graded.missing_protections)

    def postfix(self) -> str:
        return " · ".join(
            f"{kind} {self.kinds[kind]}" for kind in ("time limit", "crashed", "flagged") if self.kinds[kind]
        )


def _grade_all(
    course: Course,
    a: Assignment,
    students: list[str],
    limits: Limits,
    show_progress: bool,
    isolate: bool,
    seed: Path | None,
    where: Threads | DaskCluster,
    done: Callable[[Graded], None],
    stats: RunStats,
) -> list[Graded]:
    reference = reference_results(course, a, limits, isolate, seed)
    secret, hidden_ids = hidden_lines(course.source(a)), _hidden_ids(course.source(a))
    missing = Sandbox(course.root, course.root, isolate=isolate).missing
    if missing:
        print(
            "WARNING: grading WITHOUT these protections on this machine:\n  - " + "\n  - ".join(missing),
            file=sys.stderr,
            flush=True,
        )
    stats.where = where.describe()
    results = []
    start = time.perf_counter()
    template = make_job(course, a, "", limits, reference, isolate, seed)  # the source is read once
    jobs = [replace(template, student=s, submitted=course.submitted(s, a)) for s in students]
    bar = progress(None, f"autograding {a.name}", show_progress, total=len(jobs), unit="submission")
    every_line = len(jobs) <= EVERY_LINE_UP_TO
    try:
        with open_gradebook(course) as gb:  # one gradebook session for the whole run
            for job, graded in where.grade(jobs):
                if isinstance(graded, GraderError):
                    raise graded  # the assignment or the set-up is broken
                if isinstance(graded, BaseException):
                    stats.crashed[job.student] = f"{type(graded).__name__}: {graded}"[:500]
                    stats.kinds["crashed"] += 1
                    if show_progress:
                        bar.write(f"{job.student:<28} crashed    {stats.crashed[job.student]}")
                else:
                    record(course, a, graded, secret, hidden_ids, gb)  # only this thread writes grades
                    done(graded)
                    stats.count(graded)
                    results.append(graded)
                    if show_progress and (every_line or graded.status != "graded" or graded.flags):
                        bar.write(graded.describe())
                bar.update(1)
                bar.set_postfix_str(stats.postfix(), refresh=False)
    finally:
        bar.close()
        stats.seconds = time.perf_counter() - start
    results.sort(key=lambda g: g.student)
    return results


def write_report(course: Course, a: Assignment, students: list[str], ledger: Ledger, stats: RunStats) -> Path:
    """course/reports/<assignment>.json: each submission as last graded (by this run or an earlier
    one), and how this run went."""
    folder = course.root / "reports"
    folder.mkdir(exist_ok=True)
    latest = ledger.latest()
    rows: list[dict[str, Any]] = []
    for student in students:
        if student in stats.crashed:
            rows.append({"student": student, "status": "crashed", "error": stats.crashed[student], "flagged": []})
        elif student in latest:
            rows.append({**latest[student]["row"], "graded_at": latest[student].get("at")})
    report = {
        "assignment": a.name,
        "seconds": round(stats.seconds, 1),
        "where": stats.where,
        "run": {
            "graded": stats.kinds["graded"],
            "time limit": stats.kinds["time limit"],
            "crashed": stats.kinds["crashed"],
            "flagged": stats.kinds["flagged"],
            "resumed": stats.resumed,
            "unchanged": stats.unchanged,
        },
        "missing_protections": sorted(stats.missing_protections),
        "submissions": rows,
    }
    path = folder / f"{a.name}.json"
    path.write_text(json.dumps(report, indent=1))
    return path


def summary(report: dict) -> str:
    """The end-of-run table: what happened to how many submissions, and how fast."""
    run = report["run"]
    graded = run["graded"] + run["time limit"]
    rate = f"{report['seconds'] / graded:.1f} s per submission" if graded else ""
    rows = [
        ("submissions", "count"),
        ("graded", run["graded"]),
        ("ran past the time limit", run["time limit"]),
        ("crashed (not graded: run again)", run["crashed"]),
        ("flagged (see the report)", run["flagged"]),
        ("skipped: graded by the interrupted run", run["resumed"]),
        ("skipped: unchanged since graded", run["unchanged"]),
    ]
    head = f"{report['assignment']}: {report['seconds']:.0f} s"
    if report.get("where"):
        head += f", {report['where']}"
    return head + (f", {rate}" if rate else "") + "\n" + format_table(rows)
