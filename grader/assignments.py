"""The one list of the course's assignments, in teaching order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import UnknownAssignment

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Assignment:
    tag: str  # the tag of its student regions: "a1"
    name: str  # nbgrader's assignment id and folder name: "a1_softmax_regression"
    title: str
    code: tuple = ("needle_core",)  # folders of the repository copied into the assignment

    @property
    def folder(self) -> Path:
        return REPO / "assignments" / self.name

    @property
    def samples_file(self) -> Path:
        return self.folder / "samples.toml"


ASSIGNMENTS = [
    Assignment("a1", "a1_softmax_regression", "Softmax regression"),
    Assignment("a2", "a2_manual_backprop", "Manual backprop"),
    Assignment("a3", "a3_autodiff", "Automatic differentiation"),
    Assignment("a4", "a4_cuda_kernels", "CUDA kernels", code=("needle_core", "cuda_kernels")),
]


def available() -> list[Assignment]:
    """The assignments whose folder holds a notebook."""
    return [a for a in ASSIGNMENTS if any(a.folder.glob("*.ipynb"))]


def get(name_or_tag: str) -> Assignment:
    """Look an assignment up by name ("a1_softmax_regression") or tag ("a1")."""
    for a in ASSIGNMENTS:
        if name_or_tag in (a.name, a.tag):
            return a
    known = ", ".join(a.name for a in ASSIGNMENTS)
    raise UnknownAssignment(f"Unknown assignment {name_or_tag!r}. Known assignments: {known}.")


def later_tags(assignment: Assignment) -> set[str]:
    """Tags of this assignment and every later one: their regions are stripped in its release."""
    index = ASSIGNMENTS.index(assignment)
    return {a.tag for a in ASSIGNMENTS[index:]}


def earlier_tags(assignment: Assignment) -> set[str]:
    """Tags of the assignments before this one: their regions keep code (reference or the student's)."""
    return {a.tag for a in ASSIGNMENTS[: ASSIGNMENTS.index(assignment)]}
