"""What each run graded, on disk as it happens: resumed runs, ``--changed-only`` and the report.

``course/reports/<assignment>.ledger.jsonl`` gets one line when a run starts, one per graded
submission (right after its grades are written) and one when the run ends. A run with no end
line was interrupted (Ctrl-C, a lost client, a crash): the next run of the same assignment
skips what it already graded. Each submission line carries the submission's fingerprint
(its files and the assignment's), so ``--changed-only`` regrades only what changed since.
Lines are appended and flushed to disk one by one; a line cut short by a crash is ignored.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import trusted
from .assignments import Assignment
from .course import Course, student_files
from .grading import Graded, Limits, student_inputs

MAX_HASHED_BYTES = 64 * 1024 * 1024  # a bigger file is hashed by its size alone


def _hash_file(digest: Any, folder: Path, rel: str) -> None:
    path = folder / rel
    digest.update(rel.encode() + b"\0")
    if path.is_symlink():
        digest.update(b"symlink\0")
    elif not path.is_file():
        digest.update(b"missing\0")
    elif path.stat().st_size > MAX_HASHED_BYTES:
        digest.update(f"size {path.stat().st_size}\0".encode())
    else:
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def assignment_fingerprint(course: Course, a: Assignment, limits: Limits) -> str:
    """The source folder (notebooks, restored files, trusted tests) and the limits grades depend on."""
    source = course.source(a)
    digest = hashlib.sha256()
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            _hash_file(digest, source, path.relative_to(source).as_posix())
    probes = trusted.probes_file(a.folder)
    digest.update(probes.read_bytes() if probes.is_file() else b"")
    digest.update(f"{limits.cell_timeout} {limits.submission_timeout} {limits.memory_gb}".encode())
    return digest.hexdigest()


def submission_fingerprint(course: Course, a: Assignment, student: str, assignment_fp: str) -> str:
    """What grading reads from one student: notebooks, files they edit, the timestamp."""
    folder = course.submitted(student, a)
    names = {*student_inputs(course.source(a), student_files(a)), "timestamp.txt"}  # record() reads the stamp
    digest = hashlib.sha256(assignment_fp.encode())
    for rel in sorted(names):
        _hash_file(digest, folder, rel)
    return digest.hexdigest()


def report_row(graded: Graded) -> dict:
    """One submission as the run's report shows it."""
    score, best = graded.score
    return {
        "student": graded.student,
        "status": graded.status,
        "score": score,
        "max_score": best,
        "seconds": round(graded.seconds, 1),
        "missing_files": graded.missing_files,
        "flagged": [
            {
                "cell": c.grade_id,
                "notebook_passed": c.notebook_passed,
                "trusted_passed": c.trusted_passed,
                "reason": c.message,
            }
            for c in graded.flags
        ],
    }


@dataclass
class Run:
    """A run as the ledger saw it."""

    id: str
    assignment_fp: str
    ended: bool = False
    graded: dict[str, str] = field(default_factory=dict)  # student -> fingerprint graded


class Ledger:
    """The append-only record of one assignment's runs."""

    def __init__(self, course: Course, a: Assignment):
        self.path = course.root / "reports" / f"{a.name}.ledger.jsonl"

    def entries(self) -> list[dict]:
        if not self.path.is_file():
            return []
        found = []
        for line in self.path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # cut short by a crash while it was written
            if isinstance(entry, dict) and "run" in entry:
                found.append(entry)
        return found

    def unfinished(self, students: list[str], assignment_fp: str) -> Run | None:
        """The last run asked to grade exactly ``students``, if it never ended and nothing it
        depends on changed since: the run to resume."""
        runs: dict[str, Run] = {}
        last = None
        for entry in self.entries():
            if "start" in entry:
                runs[entry["run"]] = Run(entry["run"], entry.get("assignment_fp", ""))
                if entry.get("students") == students:
                    last = runs[entry["run"]]
            elif entry["run"] in runs:
                if "end" in entry:
                    runs[entry["run"]].ended = True
                elif "student" in entry:
                    runs[entry["run"]].graded[entry["student"]] = entry.get("fingerprint", "")
        if last is None or last.ended or last.assignment_fp != assignment_fp:
            return None
        return last

    def latest(self) -> dict[str, dict]:
        """student -> the last line written for them, from any run."""
        return {e["student"]: e for e in self.entries() if "student" in e and "row" in e}

    def start(self, assignment_fp: str, students: list[str], resumes: str | None = None) -> str:
        """Open a run (or reopen ``resumes``); returns its id."""
        if resumes:
            self._append({"run": resumes, "resumed": _now()})
            return resumes
        run = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        self._append({"run": run, "start": _now(), "assignment_fp": assignment_fp, "students": students})
        return run

    def graded(self, run: str, fingerprint: str, graded: Graded) -> None:
        self._append(
            {"run": run, "student": graded.student, "fingerprint": fingerprint, "at": _now(), "row": report_row(graded)}
        )

    def end(self, run: str) -> None:
        self._append({"run": run, "end": _now()})

    def _append(self, entry: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
