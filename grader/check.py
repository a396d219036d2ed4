"""A student's self-check: run a working copy's notebook as the autograder does and tabulate its tests.

The notebook runs through the same runner, sandbox, cell time limit and quick milestones
(``NBGRADER_EXECUTION=autograde``) as grading, on a scratch copy of the folder, and a test
passes exactly when grading's notebook verdict says so: when the cell raised no error
(warnings and stderr decide nothing). By default the cells after the last test (the
milestones) are not run; ``milestones=True`` runs them too.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import nbformat

from . import assignments
from .errors import GraderError
from .grading import Limits, run_notebook
from .regions import has_hidden
from .sandbox import Sandbox
from .text_table import format_table

COPY = re.compile(r"(-Copy\d+|\.bak|\s\(\d+\))$")
MESSAGE_WIDTH = 72


@dataclass
class TestResult:
    notebook: str
    grade_id: str
    passed: bool | None  # None: a hidden test cell, which only runs when graded
    points: float
    max_points: float
    message: str

    @property
    def hidden(self) -> bool:
        return self.passed is None


@dataclass
class CheckRun:
    results: list[TestResult]
    ignored: list[str]  # notebooks not checked (copies), named to the student
    notes: list[str]
    seconds: float


def resolve(target: str | Path, course_release: Path | None = None) -> tuple[Path, list[Path], list[str]]:
    """(folder, notebooks to check, notebooks ignored) for a folder, a notebook or an assignment name."""
    path = Path(target)
    if path.suffix == ".ipynb":
        if not path.is_file():
            raise GraderError(f"There is no notebook {path}.")
        return path.parent, [path], []
    if not path.exists():
        try:
            a = assignments.get(str(target))
        except GraderError:
            raise GraderError(
                f"{target} is neither a folder, a notebook nor an assignment name "
                f"(known: {', '.join(x.tag for x in assignments.ASSIGNMENTS)})."
            ) from None
        if course_release is None or not course_release.exists():
            raise GraderError(f"{a.name} has not been released yet; pass the folder of your working copy.")
        path = course_release
    if not path.is_dir():
        raise GraderError(f"{path} is not a folder; pass your assignment folder or its notebook.")
    notebooks = sorted(p for p in path.glob("*.ipynb") if p.is_file())
    if not notebooks:
        raise GraderError(f"No notebook in {path}: pass the folder of your assignment (the one with the .ipynb).")
    known = {nb.stem for a in assignments.ASSIGNMENTS for nb in a.folder.glob("*.ipynb")}
    checked = (
        [p for p in notebooks if p.stem in known] or [p for p in notebooks if not COPY.search(p.stem)] or notebooks
    )
    return path, checked, [p.name for p in notebooks if p not in checked]


def _keep_until_last_test(nb: nbformat.NotebookNode) -> None:
    """Drop the code cells after the last graded cell (the milestones): grading does not score them."""
    last = max((i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade")), default=-1)
    nb.cells = nb.cells[: last + 1]


def _data_sets_note(folder: Path) -> str | None:
    """Say so when the notebook, run by the student, could not find MNIST from where it is."""
    if os.environ.get("NEEDLE_DATASETS") and (Path(os.environ["NEEDLE_DATASETS"]) / "mnist").is_dir():
        return None
    for root in (folder.resolve(), *folder.resolve().parents):
        if (root / "datasets" / "mnist").is_dir():
            return None
    return (
        "Your notebook cannot find the data sets from this folder: put the kit's datasets/ folder next "
        "to it (or in a folder above), or set NEEDLE_DATASETS. Grading provides them, so no points are "
        "lost, but your own runs of the notebook will stop at the first cell."
    )


def run_checks(
    target: str | Path,
    cell_timeout: int = Limits.cell_timeout,
    milestones: bool = False,
    course_release: Path | None = None,
) -> CheckRun:
    """Execute the notebook(s) of a working copy as grading does and grade the visible test cells."""
    start = time.monotonic()
    folder, notebooks, ignored = resolve(target, course_release)
    results, notes = [], []
    note = _data_sets_note(folder)
    if note:
        notes.append(note)
    with tempfile.TemporaryDirectory(prefix="check-") as tmp:
        scratch, out = Path(tmp, "work"), Path(tmp, "out")
        shutil.copytree(
            folder, scratch, symlinks=True, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
        )
        out.mkdir()
        sandbox = Sandbox(scratch, out)
        for path in notebooks:
            nb = nbformat.read(path, as_version=4)
            if not milestones:
                _keep_until_last_test(nb)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            nbformat.write(nb, scratch / path.name)
            executed = _execute(sandbox, path.name, cell_timeout)
            results += _grade(path.name, nb, executed)
    return CheckRun(results, ignored, notes, time.monotonic() - start)


def _execute(sandbox: Sandbox, name: str, cell_timeout: int) -> nbformat.NotebookNode:
    executed, log = run_notebook(sandbox, name, cell_timeout, deadline=time.monotonic() + 3600)
    if executed is None:
        raise GraderError("the notebook could not be run to the end within an hour:\n" + log[-3000:])
    return cast(nbformat.NotebookNode, executed)  # nbformat.read's notebook


def _grade(name: str, nb: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> list[TestResult]:
    results = []
    for cell in executed.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        points = float(meta.get("points", 0))
        if cell.metadata.get("needle", {}).get("hidden_tests") or has_hidden(cell.source):
            results.append(TestResult(name, meta["grade_id"], None, 0.0, points, ""))
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        message = f"{errors[0].ename}: {errors[0].evalue}".strip() if errors else ""
        results.append(TestResult(name, meta["grade_id"], not errors, 0.0 if errors else points, points, message))
    return results


def _wrap(message: str) -> list[str]:
    lines = []
    for paragraph in message.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, MESSAGE_WIDTH, break_long_words=True, break_on_hyphens=False) or [""]
    return lines


def report(run: CheckRun | list[TestResult]) -> str:
    """The table a student sees: each test, its result, points and the whole failure message."""
    run = run if isinstance(run, CheckRun) else CheckRun(run, [], [], 0.0)
    rows = [("test", "result", "points", "message")]
    for r in run.results:
        if r.hidden:
            rows.append((r.grade_id, "hidden", f"-/{r.max_points:g}", "runs when your work is graded"))
            continue
        lines = _wrap(r.message)
        rows.append((r.grade_id, "passed" if r.passed else "FAILED", f"{r.points:g}/{r.max_points:g}", lines[0]))
        rows += [("", "", "", line) for line in lines[1:]]
    visible = [r for r in run.results if not r.hidden]
    got, total = sum(r.points for r in visible), sum(r.max_points for r in visible)
    hidden = sum(r.max_points for r in run.results if r.hidden)
    text = format_table(rows) + (
        f"\n\n{got:g} of {total:g} points from the visible tests; {hidden:g} more from hidden tests when graded."
    )
    if run.ignored:
        text += "\nNot checked (copies): " + ", ".join(run.ignored)
    for note in run.notes:
        text += "\nNote: " + note
    return text
