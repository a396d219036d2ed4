"""Feedback and export: thin faces over nbgrader's converters."""

from __future__ import annotations

from pathlib import Path

from .assignments import Assignment
from .course import Course


def feedback(course: Course, a: Assignment) -> list[Path]:
    """Per-student HTML feedback (hidden tests removed by grader.preprocessors)."""
    course.nbgrader("generate_feedback", a.name, "--force")
    return sorted((course.root / "feedback").glob(f"*/{a.name}/*.html"))


def export(course: Course, to: Path) -> Path:
    """All grades of the gradebook as CSV."""
    to = Path(to).resolve()
    course.nbgrader("export", f"--to={to}")
    return to
