"""What the sandbox and trusted scoring cost: 20 a1 submissions graded three ways in one run.

    .venv/bin/python bench/bench_sandbox.py [--students 20] [--jobs 2]

1. as the kit graded before them: one `nbgrader autograde` process per student (nbgrader runs
   the notebook and scores it by its outputs), `--jobs` at a time;
2. the kit now: each submission's notebook and trusted tests in the bubblewrap sandbox,
   verdicts decided by the grader;
3. the same without the sandbox (`--no-sandbox`), to separate the sandbox's share.
Every submission is a copy of the reference. Prints a Markdown table.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grader import samples
from grader.assignments import get
from grader.autograde import Limits, autograde
from grader.course import Course, grading_env
from grader.release import release


def plain_nbgrader(course: Course, a, students, jobs):
    course.write_config()

    def one(student):
        cmd = [sys.executable, "-m", "nbgrader", "autograde", a.name, "--student", student, "--force"]
        for _ in range(3):  # nbgrader retries nothing itself when SQLite is busy
            run = subprocess.run(cmd, cwd=course.root, env=grading_env(), capture_output=True, text=True)
            if "database is locked" not in run.stdout + run.stderr:
                return run.returncode

    with ThreadPoolExecutor(jobs) as pool:
        codes = list(pool.map(one, students))
    assert codes == [0] * len(students), codes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    a = get("a1")
    with tempfile.TemporaryDirectory() as tmp:
        course = Course(Path(tmp) / "course")
        release(course, a)
        reference = samples.load(a)[0]
        samples.make_submission(course, a, reference)
        students = [f"student{i:03d}" for i in range(args.students)]
        for s in students:
            shutil.copytree(course.submitted("reference", a), course.submitted(s, a))
        shutil.rmtree(course.root / "submitted" / "reference")
        limits = Limits(jobs=args.jobs)
        rows = []
        start = time.perf_counter()
        plain_nbgrader(course, a, students, args.jobs)
        rows.append(("one `nbgrader autograde` per student (before)", time.perf_counter() - start, None))
        for label, isolate in (("sandbox + trusted tests (now)", True), ("trusted tests, no sandbox", False)):
            start = time.perf_counter()
            results = autograde(course, a, students, limits, show_progress=False, isolate=isolate)
            seconds = time.perf_counter() - start
            assert all(g.score == (13.0, 13.0) for g in results), [g.describe() for g in results]
            rows.append((label, seconds, results))
    base = rows[0][1]
    print(f"{args.students} copies of the a1 reference, {args.jobs} at a time:\n")
    print("| how | total | per submission | vs before |")
    print("|---|---|---|---|")
    for label, seconds, _ in rows:
        print(f"| {label} | {seconds:.1f} s | {seconds / args.students:.2f} s | {seconds / base:.2f}× |")


if __name__ == "__main__":
    main()
