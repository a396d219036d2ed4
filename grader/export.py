"""Export every grade of the gradebook as CSV (nbgrader's own exporter)."""

from __future__ import annotations

from pathlib import Path

from .course import Course


def export(course: Course, to: Path) -> Path:
    """All grades of the gradebook as CSV."""
    to = Path(to).resolve()
    course.nbgrader("export", f"--to={to}")
    return to
