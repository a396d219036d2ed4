"""Throughput of grading on a Dask LocalCluster, projected to a large class.

    .venv/bin/python bench/bench_cluster.py [--students 1000] [--workers 2]

Grades N copies of the a1 reference on a LocalCluster of ``--workers`` single-thread worker
processes (`python -m grader autograde a1 --cluster local`), checks every one got full marks,
and prints a Markdown table: wall time, seconds per submission, submissions per minute per
worker, and the machine's busy CPU time per submission (from /proc/stat, so other programs on a
shared machine count too: an upper bound). It projects both to 5,000 submissions on 100 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from grader import samples
from grader.assignments import get
from grader.autograde import Limits, autograde
from grader.cluster import DaskCluster
from grader.course import Course
from grader.release import release

CLASS, CORES = 5000, 100


def busy_cpu_seconds() -> float:
    """CPU seconds all cores of this machine have spent busy since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    a = get("a1")
    with tempfile.TemporaryDirectory() as tmp:
        course = Course(Path(tmp) / "course")
        release(course, a)
        samples.make_submission(course, a, samples.load(a)[0])
        students = [f"student{i:04d}" for i in range(args.students)]
        for s in students:
            shutil.copytree(course.submitted("reference", a), course.submitted(s, a))
        shutil.rmtree(course.root / "submitted" / "reference")
        cluster = DaskCluster(local_workers=args.workers)
        try:
            cpu, start = busy_cpu_seconds(), time.perf_counter()
            results = autograde(course, a, students, Limits(jobs=args.workers), where=cluster)
            wall, cpu = time.perf_counter() - start, busy_cpu_seconds() - cpu
        finally:
            cluster.close()
        assert len(results) == args.students and all(g.score == (13.0, 13.0) for g in results), [
            g.describe() for g in results if g.score != (13.0, 13.0)
        ][:5]
    per_sub = wall / args.students
    rate = args.students / wall * 60 / args.workers
    cpu_per_sub = cpu / args.students
    print(
        f"\n{args.students} copies of the a1 reference on a LocalCluster of {args.workers} worker processes "
        f"(load average at the end: {os.getloadavg()[0]:.1f}):\n"
    )
    print("| total | per submission | per worker | busy CPU per submission |")
    print("|---|---|---|---|")
    print(f"| {wall:.0f} s | {per_sub:.2f} s | {rate:.1f} submissions/min | {cpu_per_sub:.2f} s |")
    print(
        f"\nProjected to {CLASS} submissions on {CORES} single-thread workers: "
        f"{CLASS / (rate * CORES):.0f} min at this per-worker rate; "
        f"{CLASS * cpu_per_sub / CORES / 60:.0f} min if each worker has a core of its own "
        f"(busy CPU per submission)."
    )


if __name__ == "__main__":
    main()
