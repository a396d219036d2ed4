"""The grader's errors: one small hierarchy, turned into messages and exit codes only by the CLI."""


class GraderError(Exception):
    """Something the person running the grader must fix; the message says what."""


class UnknownAssignment(GraderError, LookupError):
    """No assignment has that name or tag."""


class LeakError(GraderError):
    """A release would contain solution text; it was deleted."""


class NbgraderFailed(GraderError):
    """An nbgrader command the grader ran failed."""


class ProbeError(GraderError):
    """The reference solution failed its own trusted tests: the assignment is broken, not the student."""
