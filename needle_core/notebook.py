"""Helpers the notebooks' cells share (given code: restored from the kit when work is graded)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def grading() -> bool:
    """True while the notebook is run to be checked, not studied: milestones then train on a slice.

    nbgrader sets ``NBGRADER_EXECUTION`` in the kernel ("autograde" while it grades, "validate"
    for JupyterLab's Validate button); the kit's grader and ``python -m grader check`` set it too.
    """
    return os.environ.get("NBGRADER_EXECUTION") in ("autograde", "validate")


def needs(*names: str, made_by: str = "the cells above") -> None:
    """Stop a cell whose inputs were never made, saying which cell must work first.

    A cell that plots or inspects what an earlier cell computed would otherwise fail with a
    ``NameError`` (or a puzzling plotting error) while that earlier cell is still a stub.
    """
    namespace = sys._getframe(1).f_globals
    missing = [name for name in names if name not in namespace]
    if missing:
        raise NotImplementedError(
            f"this cell needs {', '.join(missing)} from {made_by}, which did not finish: "
            f"make the functions that cell calls work, run it, then run this cell again"
        )


@contextmanager
def hidden_test(function: str) -> Iterator[None]:
    """The frame of a hidden test cell: a failed check or a stub passes through as it is; any other
    error of the student's code becomes a failed test that names ``function`` and the error."""
    try:
        yield
    except (AssertionError, NotImplementedError):
        raise
    except Exception as error:
        raise AssertionError(f"{function} raised {type(error).__name__} in a hidden test: {error}") from error
