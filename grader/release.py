"""Release: build an assignment's source folder, let nbgrader generate the student
version, strip the code regions nbgrader does not know about, and scan for leaks."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from . import leakscan, regions
from .assignments import REPO, Assignment, earlier_tags, later_tags
from .course import Course
from .errors import LeakError

IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "samples.toml", "probes.py", "_build")


def copy_code(a: Assignment, dest: Path) -> None:
    """Copy the code folders into ``dest`` with later assignments' regions already stripped.

    The source folder is what nbgrader restores at grading time, so it must not
    hold solutions of assignments students have not done yet.
    """
    for folder in a.code:
        shutil.copytree(REPO / folder, dest / folder, ignore=IGNORED)
    regions.strip_tree(dest, later_tags(a) - {a.tag})


def build_source(course: Course, a: Assignment) -> Path:
    """course/source/<name>: the instructor notebook(s) plus the code, ready for nbgrader."""
    source = course.source(a)
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(a.folder, source, ignore=IGNORED)
    copy_code(a, source)
    for path in source.glob("*.ipynb"):
        mark_hidden_cells(path)
    return source


def mark_hidden_cells(path: Path) -> None:
    """Store in each cell's metadata whether it holds hidden tests: the release keeps the mark
    after nbgrader has removed the tests themselves, so `check` and feedback need not guess."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and regions.has_hidden(cell.source):
            cell.metadata.setdefault("needle", {})["hidden_tests"] = True
    nbformat.write(nb, path)


def stripped_tags(a: Assignment, carry_forward: bool = False) -> set[str]:
    """Regions emptied in the release: this assignment's and later ones, and with
    ``carry_forward`` the earlier ones too (students then bring their own code)."""
    return later_tags(a) | (earlier_tags(a) if carry_forward else set())


def release(course: Course, a: Assignment, carry_forward: bool = False) -> Path:
    """Build the student release of ``a``; refuse (and delete it) if any solution leaks."""
    source = build_source(course, a)
    course.nbgrader("generate_assignment", a.name, "--force", "--create")
    tags = stripped_tags(a, carry_forward)
    regions.strip_tree(course.release(a), tags)
    secret = leakscan.solution_lines(a, sorted(source.glob("*.ipynb")), tags)
    leaks = leakscan.scan(course.release(a), secret)
    if leaks:
        shutil.rmtree(course.release(a), ignore_errors=True)
        listing = "\n".join(f"  {leak}" for leak in leaks[:20])
        raise LeakError(
            f"Release of {a.name} refused: {len(leaks)} solution line(s) would reach "
            f"students. The release folder was deleted.\n{listing}"
        )
    return course.release(a)
