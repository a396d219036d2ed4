"""Fixtures shared by the test suite."""

import sys

# jsonschema (under nbformat) imports rfc3987_syntax when it is installed, for its "iri" format
# check alone, and that import compiles 38 grammars: over a second of every test run, more than
# any fast test takes. Nothing the tests run validates IRIs; nbgrader's own processes are unchanged.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import pytest  # noqa: E402

from grader import samples  # noqa: E402
from grader.assignments import available  # noqa: E402
from grader.autograde import Limits, autograde  # noqa: E402
from grader.course import Course  # noqa: E402
from grader.feedback import feedback  # noqa: E402
from grader.release import release  # noqa: E402

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
