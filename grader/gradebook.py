"""Read scores out of nbgrader's gradebook (SQLite)."""

from __future__ import annotations

from nbgrader.api import Gradebook, MissingEntry

from .assignments import Assignment
from .course import Course
from .text_table import format_table


def open_gradebook(course: Course) -> Gradebook:
    """nbgrader's gradebook of the course (created if missing); use it as a context manager."""
    return Gradebook(f"sqlite:///{course.gradebook}", course_id="needle")


def submission_score(course: Course, a: Assignment, student: str) -> tuple[float, float] | None:
    """(score, max score) of one submission, or None if it was never graded."""
    with open_gradebook(course) as gb:
        try:
            sub = gb.find_submission(a.name, student)
        except MissingEntry:
            return None
        return float(sub.score), float(sub.max_score)


def cell_scores(course: Course, a: Assignment, student: str) -> dict[str, tuple[float, float]]:
    """{grade_id: (score, max score)} of every graded cell of one submission."""
    scores = {}
    with open_gradebook(course) as gb:
        sub = gb.find_submission(a.name, student)
        for notebook in sub.notebooks:
            for grade in notebook.grades:
                scores[grade.name] = (float(grade.score), float(grade.max_score))
    return scores


def table(course: Course, assignments: list[Assignment]) -> str:
    """The gradebook as a text table: one row per student and assignment."""
    rows = [("student", "assignment", "score", "max", "%")]
    for a in assignments:
        for student in course.students(a):
            result = submission_score(course, a, student)
            if result is None:
                rows.append((student, a.name, "-", "-", "not graded"))
            else:
                score, best = result
                rows.append((student, a.name, f"{score:g}", f"{best:g}", f"{100 * score / best:.0f}" if best else "-"))
    return format_table(rows)
