"""`python -m grader` as instructors and students type it."""

import csv
import subprocess
import sys

import pytest

from grader.assignments import available, get

pytestmark = pytest.mark.slow


def grader(course, *args):
    return subprocess.run(
        [sys.executable, "-m", "grader", "--course", str(course.root), *args], capture_output=True, text=True
    )


def test_export_writes_every_grade_as_csv(graded_course, tmp_path):
    out = tmp_path / "grades.csv"
    result = grader(graded_course, "export", "--to", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open()))
    for a in available():
        mine = {r["student_id"]: r for r in rows if r["assignment"] == a.name}
        assert set(graded_course.students(a)) <= set(mine)  # nbgrader lists every student
        assert float(mine["reference"]["score"]) == float(mine["reference"]["max_score"]) > 0
        assert float(mine["empty"]["score"]) == 0


def test_gradebook_prints_one_row_per_submission(graded_course):
    result = grader(graded_course, "gradebook", "a1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.split()[:2] == ["reference", "a1_softmax_regression"] and line.split()[-1] == "100" for line in lines
    )
    assert len(lines) == 2 + len(graded_course.students(get("a1")))


def test_check_fails_on_an_untouched_release_and_says_why(graded_course):
    result = grader(graded_course, "check", str(graded_course.release(get("a1"))))
    assert result.returncode == 1
    assert "FAILED" in result.stdout and "not implemented yet" in result.stdout
    assert "hidden" in result.stdout and "0 of" in result.stdout


def test_unknown_assignment_is_a_clear_error(graded_course):
    result = grader(graded_course, "autograde", "a9")
    assert result.returncode != 0
    assert "Unknown assignment 'a9'" in result.stderr and "a1_softmax_regression" in result.stderr
