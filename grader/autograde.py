"""Autograde submissions in parallel, each in its own process with time and memory limits.

One nbgrader process per submission: an infinite loop, a crash or a memory bomb
costs only that student's points. Cells that run too long are interrupted by
nbgrader (``Execute.timeout``); a whole submission that runs past
``submission_timeout`` is killed and scores 0.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from needle_core.progress import progress

from . import gradebook
from .assignments import Assignment
from .course import Course, grading_env

GiB = 1024 ** 3


@dataclass
class Limits:
    cell_timeout: int | None = None      # seconds per cell; None: the committed config's value
    submission_timeout: int = 900        # seconds for one whole submission
    memory_gb: float = 4.0               # address space of the grading process and its kernel
    jobs: int = os.cpu_count() or 1


@dataclass
class Outcome:
    student: str
    status: str          # "graded", "time limit" or "failed"
    seconds: float
    score: tuple[float, float] | None
    log: str

    def describe(self) -> str:
        score = f"{self.score[0]:g}/{self.score[1]:g}" if self.score else "0 (no grade)"
        return f"{self.student:<24} {self.status:<10} {score:>12}  {self.seconds:6.1f} s"


def _limit_memory(max_bytes: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _run_nbgrader(course: Course, a: Assignment, student: str, limits: Limits):
    cmd = [sys.executable, "-m", "nbgrader", "autograde", a.name, "--student", student, "--force"]
    if limits.cell_timeout:
        cmd.append(f"--Execute.timeout={limits.cell_timeout}")
    proc = subprocess.Popen(cmd, cwd=course.root, env=grading_env({"NEEDLE_GRADING": "1"}),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True,
                            preexec_fn=_limit_memory(int(limits.memory_gb * GiB)))
    try:
        log, _ = proc.communicate(timeout=limits.submission_timeout)
        return ("graded" if proc.returncode == 0 else "failed"), log
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        log, _ = proc.communicate()
        return "time limit", log


def grade_one(course: Course, a: Assignment, student: str, limits: Limits) -> Outcome:
    """Autograde one submission in its own process group."""
    start = time.perf_counter()
    for _attempt in range(3):
        status, log = _run_nbgrader(course, a, student, limits)
        if "database is locked" not in log:
            break
    score = gradebook.submission_score(course, a, student) if status == "graded" else None
    return Outcome(student, status, time.perf_counter() - start, score, log)


def autograde(course: Course, a: Assignment, students: list[str] | None = None,
              limits: Limits | None = None, show_progress: bool = True) -> list[Outcome]:
    """Grade every submission of ``a`` (or the named students), in parallel."""
    limits = limits or Limits()
    course.write_config()
    students = students or course.students(a)
    if not students:
        raise SystemExit(f"No submissions of {a.name} in {course.root / 'submitted'}.")
    outcomes = []
    with ThreadPoolExecutor(max_workers=max(1, limits.jobs)) as pool:
        futures = [pool.submit(grade_one, course, a, s, limits) for s in students]
        bar = progress(as_completed(futures), f"autograding {a.name}", show_progress,
                       total=len(futures), unit="submission")
        for future in bar:
            outcome = future.result()
            outcomes.append(outcome)
            if show_progress:
                bar.write(outcome.describe())
    return sorted(outcomes, key=lambda o: o.student)
