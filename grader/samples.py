"""Sample submissions: the reference, the untouched release, and planted bugs.

They drive the demo and the grader's self-tests: the reference must score full
marks, the empty release 0, and each planted bug must lose exactly the points
of the cells listed in its ``fails``.
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import regions
from .assignments import REPO, Assignment
from .course import Course


@dataclass
class Patch:
    file: str
    old: str
    new: str


@dataclass
class Sample:
    name: str
    description: str
    fill: bool = True  # fill this assignment's regions with the reference
    breaks: str | None = None  # the function the feedback must name
    fails: list[str] = field(default_factory=list)
    timeout: bool = False  # never finishes: loses its cells to the time limit
    patches: list[Patch] = field(default_factory=list)
    # What careless and hostile submissions do besides editing code (tests/hostile/*.toml):
    remove: list[str] = field(default_factory=list)  # files missing from the submission
    link: dict[str, str] = field(default_factory=dict)  # files that are symbolic links (KIT/ = the kit)
    cell: str | None = None  # a code cell the student added
    broken_notebook: bool = False  # the notebook is not valid JSON
    flagged: list[str] = field(default_factory=list)  # cells where notebook and grader disagree


def load(a: Assignment) -> list[Sample]:
    """The implicit reference and empty samples, then those of samples.toml."""
    samples = [
        Sample("reference", "the reference solution"),
        Sample("empty", "the student release, untouched", fill=False),
    ]
    if a.samples_file.exists():
        samples += load_file(a.samples_file)
    return samples


def load_file(path: Path) -> list[Sample]:
    """The samples of one TOML file (format: docs/authoring.md)."""
    samples = []
    for entry in tomllib.loads(Path(path).read_text()).get("sample", []):
        patches = [Patch(**p) for p in entry.pop("patch", [])]
        samples.append(Sample(**entry, patches=patches))
    return samples


def _strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in regions.NOTEBOOK_SOLUTION)


def fill_notebook(released: Path, source: Path) -> None:
    """Answer a released notebook's solution cells with the source notebook's code."""
    nb, ref = nbformat.read(released, as_version=4), nbformat.read(source, as_version=4)
    answers = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in ref.cells}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id") in answers:
            cell.source = _strip_markers(answers[meta["grade_id"]])
    nbformat.write(nb, released)


def apply_patch(folder: Path, patch: Patch, sample: str) -> None:
    path = folder / patch.file
    text = path.read_text()
    count = text.count(patch.old)
    if count != 1:
        raise ValueError(
            f"sample {sample!r}: the patch text occurs {count} times in {patch.file} "
            f"(it must occur exactly once):\n{patch.old}"
        )
    path.write_text(text.replace(patch.old, patch.new))


def make_submission(course: Course, a: Assignment, sample: Sample) -> Path:
    """course/submitted/<sample>/<assignment>: the release, filled and patched."""
    dest = course.submitted(sample.name, a)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(course.release(a), dest)
    if sample.fill:
        source = course.source(a)
        for path in regions.code_files(dest):
            reference = (source / path.relative_to(dest)).read_text()
            bodies = regions.region_bodies(reference, path)
            path.write_text(regions.fill_text(path.read_text(), path, bodies, {a.tag}))
        for notebook in dest.glob("*.ipynb"):
            fill_notebook(notebook, source / notebook.name)
    for patch in sample.patches:
        apply_patch(dest, patch, sample.name)
    for notebook in dest.glob("*.ipynb"):
        if sample.cell is not None:
            nb = nbformat.read(notebook, as_version=4)
            nb.cells.insert(2, nbformat.v4.new_code_cell(sample.cell))
            nbformat.write(nb, notebook)
        if sample.broken_notebook:
            notebook.write_text(notebook.read_text()[: len(notebook.read_text()) // 2])
    for rel in sample.remove:
        (dest / rel).unlink()
    for rel, target in sample.link.items():
        (dest / rel).symlink_to(target.replace("KIT/", str(REPO) + "/"))
    return dest


def make_all(course: Course, a: Assignment) -> list[Sample]:
    samples = load(a)
    for sample in samples:
        make_submission(course, a, sample)
    return samples
