"""python -m grader: the instructor's and the student's command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import assignments, gradebook, samples
from .autograde import Limits, autograde, summary
from .check import report, run_checks
from .cluster import where_to_grade
from .course import Course, default_root
from .demo import demo
from .errors import GraderError
from .export import export
from .feedback import feedback
from .carry import carry, describe
from .release import release


def _assignments(names: list[str]) -> list[assignments.Assignment]:
    return [assignments.get(n) for n in names] if names else assignments.available()


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        cell_timeout=args.cell_timeout, submission_timeout=args.timeout, memory_gb=args.memory_gb, jobs=args.jobs
    )


def cmd_release(course: Course, args: argparse.Namespace) -> None:
    for a in _assignments(args.assignments):
        print(f"released {a.name} -> {release(course, a, carry_forward=args.carry_forward)}")


def cmd_samples(course: Course, args: argparse.Namespace) -> None:
    for a in _assignments(args.assignments):
        made = samples.make_all(course, a)
        print(f"{a.name}: {', '.join(s.name for s in made)} -> {course.root / 'submitted'}")


def cmd_autograde(course: Course, args: argparse.Namespace) -> int:
    a = assignments.get(args.assignment)
    where = where_to_grade(args.scheduler, args.cluster, args.jobs)
    try:
        autograde(
            course,
            a,
            args.student or None,
            _limits(args),
            isolate=not args.no_sandbox,
            where=where,
            changed_only=args.changed_only,
            resume=not args.restart,
        )
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: every submission graded so far is saved; the same command resumes "
            f"{a.name} where it stopped",
            file=sys.stderr,
        )
        return 130
    finally:
        where.close()
    path = course.root / "reports" / f"{a.name}.json"
    report = json.loads(path.read_text())
    print("\n" + summary(report))
    if report["run"]["flagged"] or report["run"]["crashed"]:
        print(
            f"\nflagged: the notebook's verdict and the grader's own check differ; crashed: grading failed "
            f"and the same command grades them again. Details in {path}"
        )
    return 1 if report["run"]["crashed"] else 0


def cmd_feedback(course: Course, args: argparse.Namespace) -> None:
    for a in _assignments(args.assignments):
        for path in feedback(course, a):
            print(path)


def cmd_export(course: Course, args: argparse.Namespace) -> None:
    print(f"grades written to {export(course, Path(args.to))}")


def cmd_gradebook(course: Course, args: argparse.Namespace) -> None:
    print(gradebook.table(course, _assignments(args.assignments)))


def cmd_check(course: Course, args: argparse.Namespace) -> int:
    release = None
    if not Path(args.target).exists():
        try:
            release = course.release(assignments.get(args.target))
        except GraderError:
            release = None
    run = run_checks(args.target, cell_timeout=args.cell_timeout, milestones=args.milestones, course_release=release)
    print(report(run))
    return 0 if all(r.passed for r in run.results if not r.hidden) else 1


def cmd_carry(course: Course, args: argparse.Namespace) -> None:
    a = assignments.get(args.assignment)
    print(describe(carry(a, Path(args.source), Path(args.into))))


def cmd_demo(course: Course, args: argparse.Namespace) -> None:
    demo(course, _assignments(args.assignments), _limits(args))


def _add_limits(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", type=int, default=Limits.jobs, help="submissions graded at once")
    p.add_argument(
        "--cell-timeout", type=int, default=Limits.cell_timeout, help="seconds per notebook cell and per trusted test"
    )
    p.add_argument(
        "--timeout",
        type=int,
        default=Limits.submission_timeout,
        help="seconds for one whole submission before it is killed",
    )
    p.add_argument(
        "--memory-gb", type=float, default=Limits.memory_gb, help="memory limit of one submission's grading process"
    )


def _command(sub: Any, name: str, help: str, *examples: str) -> argparse.ArgumentParser:
    """A subcommand whose help ends with examples of how it is typed."""
    return sub.add_parser(
        name,
        help=help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n" + "".join(f"  {line}\n" for line in examples),
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    top.add_argument(
        "--course", type=Path, default=None, help="nbgrader course directory (default: ./course or $NEEDLE_COURSE)"
    )
    sub = top.add_subparsers(dest="command", required=True)

    p = _command(
        sub,
        "release",
        "build student releases (solutions stripped, leak-scanned)",
        "python -m grader release a1",
        "python -m grader release            # every assignment",
        "python -m grader release a2 --carry-forward",
    )
    p.add_argument("assignments", nargs="*", help="names or tags (default: all)")
    p.add_argument(
        "--carry-forward",
        action="store_true",
        help="strip earlier assignments' regions too; students fill them with `carry`",
    )
    p.set_defaults(run=cmd_release)

    p = _command(
        sub, "samples", "create the sample submissions (reference, empty, planted bugs)", "python -m grader samples a1"
    )
    p.add_argument("assignments", nargs="*")
    p.set_defaults(run=cmd_samples)

    p = _command(
        sub,
        "autograde",
        "grade submissions in parallel, each in its own process",
        "python -m grader autograde a1",
        "python -m grader autograde a1 --student alice --student bob",
        "python -m grader autograde a2 --jobs 4 --cell-timeout 60 --memory-gb 2",
        "python -m grader autograde a1 --cluster local --jobs 4   # a Dask LocalCluster",
        "python -m grader autograde a1 --scheduler tcp://10.0.0.5:8786",
        "python -m grader autograde a1 --changed-only            # late work, regrade requests",
    )
    p.add_argument("assignment")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on the Dask cluster whose scheduler is at ADDRESS (docs/instructor-guide.md)",
    )
    p.add_argument(
        "--cluster", choices=["local"], help="'local': start a Dask LocalCluster of --jobs worker processes here"
    )
    p.add_argument(
        "--changed-only",
        action="store_true",
        help="grade only submissions whose files (or the assignment) changed since they were graded",
    )
    p.add_argument(
        "--restart",
        action="store_true",
        help="grade everything again, even when the last run was interrupted (it resumes by default)",
    )
    p.add_argument(
        "--no-sandbox", action="store_true", help="run student code without the sandbox (only to measure what it costs)"
    )
    _add_limits(p)
    p.set_defaults(run=cmd_autograde)

    p = _command(
        sub, "feedback", "write per-student HTML feedback (no hidden test code)", "python -m grader feedback a1"
    )
    p.add_argument("assignments", nargs="*")
    p.set_defaults(run=cmd_feedback)

    p = _command(sub, "export", "export all grades as CSV", "python -m grader export --to grades.csv")
    p.add_argument("--to", default="grades.csv")
    p.set_defaults(run=cmd_export)

    p = _command(
        sub, "gradebook", "print the gradebook", "python -m grader gradebook", "python -m grader gradebook a1 a2"
    )
    p.add_argument("assignments", nargs="*")
    p.set_defaults(run=cmd_gradebook)

    p = _command(
        sub,
        "check",
        "run the visible tests of your working copy and list them",
        "python -m grader check course/release/a1_softmax_regression",
        "python -m grader check my_a1/a1_softmax_regression.ipynb",
        "python -m grader check a1 --milestones",
    )
    p.add_argument("target", help="your assignment folder, its notebook, or an assignment name (its release)")
    p.add_argument("--cell-timeout", type=int, default=Limits.cell_timeout, help="seconds per cell, as when graded")
    p.add_argument(
        "--milestones", action="store_true", help="also run the cells after the last test (the milestones; not graded)"
    )
    p.set_defaults(run=cmd_check)

    p = _command(
        sub,
        "carry",
        "copy your own code of earlier assignments into a new one",
        "python -m grader carry a2 --from my_a1 --into my_a2",
    )
    p.add_argument("assignment", help="the new assignment, e.g. a2")
    p.add_argument("--from", dest="source", required=True, help="your earlier assignment folder")
    p.add_argument("--into", required=True, help="your copy of the new assignment")
    p.set_defaults(run=cmd_carry)

    p = _command(
        sub,
        "demo",
        "the whole cycle on sample submissions",
        "python -m grader demo",
        "python -m grader --course /tmp/course demo a1",
    )
    p.add_argument("assignments", nargs="*")
    _add_limits(p)
    p.set_defaults(run=cmd_demo)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    course = Course((args.course or default_root()).resolve())
    try:
        return args.run(course, args) or 0
    except GraderError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
