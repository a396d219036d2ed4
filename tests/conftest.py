"""Fixtures shared by the test suite."""

import pytest

from grader import samples
from grader.assignments import available
from grader.autograde import Limits, autograde
from grader.course import Course
from grader.feedback import feedback
from grader.release import release

# Per-cell limit while the tests grade: well above the slowest graded cell of a reference
# solution, short enough that an infinite loop does not stall the suite.
TEST_LIMITS = Limits(cell_timeout=15, submission_timeout=600, memory_gb=4.0, jobs=2)


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory):
    """A course directory in which every assignment was released, its samples
    submitted, autograded and given feedback: the whole cycle, once per test run."""
    course = Course(tmp_path_factory.mktemp("course"))
    for a in available():
        release(course, a)
        samples.make_all(course, a)
        autograde(course, a, limits=TEST_LIMITS, show_progress=False)
        feedback(course, a)
    return course
