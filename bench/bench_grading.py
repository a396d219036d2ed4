"""Time of each step of the grading cycle, and of autograding one submission.

    .venv/bin/python bench/bench_grading.py

Runs `python -m grader demo` in a temporary course directory (the full cycle on
every assignment's sample submissions), then grades the reference submission of
each assignment alone, one at a time.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.assignments import available
from grader.autograde import Limits, grade_one
from grader.course import Course


def main():
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        demo = subprocess.run(
            [sys.executable, "-m", "grader", "--course", tmp, "demo"], capture_output=True, text=True, check=True
        )
        total = time.perf_counter() - start
        steps = demo.stdout.split("Time per step:")[1].strip()
        print(f"`make demo` steps ({total:.0f} s in all):\n\n{steps}\n")
        course = Course(Path(tmp))
        print("| assignment | autograde one submission (reference, alone) | score |")
        print("|---|---|---|")
        for a in available():
            outcome = grade_one(course, a, "reference", Limits(jobs=1))
            score = f"{outcome.score[0]:g}/{outcome.score[1]:g}" if outcome.score else outcome.status
            print(f"| {a.name} | {outcome.seconds:.1f} s | {score} |")


if __name__ == "__main__":
    main()
