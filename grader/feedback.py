"""Feedback: a thin face over nbgrader's generate_feedback."""

from __future__ import annotations

from pathlib import Path

from .assignments import Assignment
from .course import Course


def feedback(course: Course, a: Assignment) -> list[Path]:
    """Per-student HTML feedback (hidden tests removed by grader.preprocessors)."""
    course.nbgrader("generate_feedback", a.name, "--force")
    return sorted((course.root / "feedback").glob(f"*/{a.name}/*.html"))
