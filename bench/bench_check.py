"""A student's self-check against grading the same work, per assignment (the reference).

    .venv/bin/python bench/bench_check.py [a1 a2 ...]

`python -m grader check` runs the notebook as grading does but stops after the last test
(milestones are opt-in); grading also runs the milestones on a slice and the trusted tests.
Prints a Markdown table; the goal is check ≤ 1.5 × grading.
"""

import sys
import tempfile
import time
from pathlib import Path

from grader import samples
from grader.assignments import available, get
from grader.autograde import Limits, grade_one
from grader.check import run_checks
from grader.course import Course
from grader.release import release


def main():
    chosen = [get(n) for n in sys.argv[1:]] or available()
    print("| assignment | check | grading (one submission) | check / grading |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        course = Course(Path(tmp) / "course")
        for a in chosen:
            release(course, a)
            samples.make_submission(course, a, samples.load(a)[0])
            start = time.perf_counter()
            run = run_checks(course.submitted("reference", a))
            check = time.perf_counter() - start
            assert all(r.passed for r in run.results if not r.hidden)
            start = time.perf_counter()
            graded = grade_one(course, a, "reference", Limits(jobs=1))
            grading = time.perf_counter() - start
            assert graded.score[0] == graded.score[1]
            print(f"| {a.name} | {check:.1f} s | {grading:.1f} s | {check / grading:.2f} |")


if __name__ == "__main__":
    main()
