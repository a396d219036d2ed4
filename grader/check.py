"""A student's self-check: run the notebook of a working copy and tabulate its tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbgrader.utils import determine_grade, is_grade

from .gradebook import format_table
from .course import grading_env
from .errors import GraderError


HIDDEN = re.compile(r"_hidden(_|$)")


@dataclass
class TestResult:
    notebook: str
    grade_id: str
    passed: bool | None      # None: a hidden test cell, which only runs when graded
    points: float
    max_points: float
    message: str

    @property
    def hidden(self) -> bool:
        return self.passed is None


def _message(cell) -> str:
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            text = f"{output.ename}: {output.evalue}".strip()
            return text.splitlines()[0] if text else output.ename
        if output.output_type == "stream" and output.name == "stderr":
            return "wrote to stderr: " + output.text.strip().splitlines()[0][:200]
    return ""


def run_checks(folder: Path, cell_timeout: int = 120) -> list[TestResult]:
    """Execute every notebook in ``folder`` (in a copy held in memory) and grade its test cells."""
    notebooks = sorted(Path(folder).glob("*.ipynb"))
    if not notebooks:
        raise GraderError(f"No notebook in {folder}: pass the folder of your assignment.")
    results = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=cell_timeout, allow_errors=True,
                                interrupt_on_timeout=True, kernel_name="python3",
                                resources={"metadata": {"path": str(Path(folder).resolve())}})
        client.execute(env=grading_env())
        for cell in nb.cells:
            if is_grade(cell) and cell.cell_type == "code":
                grade_id = cell.metadata.nbgrader["grade_id"]
                points, max_points = determine_grade(cell)
                if HIDDEN.search(grade_id):
                    results.append(TestResult(path.name, grade_id, None, 0.0, max_points, ""))
                else:
                    results.append(TestResult(path.name, grade_id, points == max_points,
                                              points or 0.0, max_points, _message(cell)))
    return results


def report(results: list[TestResult]) -> str:
    """The table a student sees: each test, its result, points and failure message."""
    rows = [("test", "result", "points", "message")]
    for r in results:
        if r.hidden:
            rows.append((r.grade_id, "hidden", f"-/{r.max_points:g}", "runs when your work is graded"))
        else:
            rows.append((r.grade_id, "passed" if r.passed else "FAILED",
                         f"{r.points:g}/{r.max_points:g}", r.message[:100]))
    visible = [r for r in results if not r.hidden]
    got, total = sum(r.points for r in visible), sum(r.max_points for r in visible)
    hidden = sum(r.max_points for r in results if r.hidden)
    return (format_table(rows) + f"\n\n{got:g} of {total:g} points from the visible tests; "
            f"{hidden:g} more from hidden tests when graded.")
