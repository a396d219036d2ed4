"""The kit's grading against plain nbgrader: N copies of the a1 reference, graded both ways in one run.

    .venv/bin/python bench/bench_vs_nbgrader.py [--students 100] [--jobs N]

1. plain ``nbgrader autograde <a1> --force``: one call for all students (nbgrader runs each
   notebook, one after another, and scores it by its outputs; no sandbox, no trusted tests);
2. the kit: :func:`grader.autograde.autograde` with its default number of parallel jobs (or
   ``--jobs``): each notebook and the trusted tests in the sandbox, the gradebook written.

Also runs the notebook once without grading (nbclient, no sandbox) for the notebook's own
cell time; "beyond cell time" is the time per submission minus that. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import inspect
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_grading_overhead import cell_time, set_up  # noqa: E402

from grader.autograde import Limits, autograde, make_job  # noqa: E402
from grader.course import grading_env  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=None, help="the kit's parallel jobs (default: its own)")
    args = parser.parse_args()
    n = args.students
    limits = Limits() if args.jobs is None else Limits(jobs=args.jobs)
    cpu = (
        subprocess.run(
            ["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"], capture_output=True, text=True
        ).stdout.strip()
        or platform.machine()
    )
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        course, a = set_up(Path(tmp))
        students = [f"student{i:03d}" for i in range(args.students)]
        for s in students:
            if s != "student000":
                shutil.copytree(course.submitted("student000", a), course.submitted(s, a))
        shutil.rmtree(course.root / "submitted" / "reference")
        job = make_job(course, a, "student000", limits, {})
        cells = sorted(cell_time(job)[0] for _ in range(3))[1]  # median of three runs

        rows = []
        start = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "nbgrader", "autograde", a.name, "--force"],
            cwd=course.root,
            env=grading_env(),
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            raise SystemExit(f"nbgrader autograde failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
        rows.append(("plain `nbgrader autograde` (one call, all students, one at a time)", time.perf_counter() - start))
        graded = [p.parent.name for p in (course.root / "autograded").glob(f"*/{a.name}")]
        assert len(graded) == args.students, f"nbgrader autograded {len(graded)} of {args.students}"

        start = time.perf_counter()
        fresh = {"resume": False} if "resume" in inspect.signature(autograde).parameters else {}
        results = autograde(course, a, students, limits, show_progress=False, **fresh)
        assert len(results) == n, f"the kit graded {len(results)} of {n}"
        seconds = time.perf_counter() - start
        assert all(g.score == (13.0, 13.0) for g in results), [g.describe() for g in results if g.score != (13, 13)]
        rows.append((f"the kit: `autograde` (sandbox + trusted tests, {limits.jobs} at a time)", seconds))
    load_end = os.getloadavg()
    print(
        f"{n} copies of the a1 reference; {cpu}, {os.cpu_count()} vCPUs; load average "
        f"{load_start[0]:.2f} at the start, {load_end[0]:.2f} at the end.\n"
    )
    print(f"The notebook's own cell time (run once without grading, nbclient, no sandbox): {cells:.2f} s\n")
    print("| how | total | per submission | beyond cell time | vs nbgrader |")
    print("|---|---|---|---|---|")
    base = rows[0][1]
    for label, total in rows:
        print(
            f"| {label} | {total:.1f} s | {total / n:.2f} s | {total / n - cells:.2f} s | {base / total:.2f}× faster |"
        )


if __name__ == "__main__":
    main()
