"""The leakage scan: no line of a solution may survive into a student release."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import regions
from .assignments import REPO, Assignment

MIN_LENGTH = 12   # shorter lines ("return Z", "else:") are too generic to call a leak
NOTEBOOK_BLOCKS = [regions.NOTEBOOK_SOLUTION, regions.NOTEBOOK_HIDDEN]


@dataclass
class Leak:
    file: str
    where: str
    text: str

    def __str__(self):
        return f"{self.file} ({self.where}): {self.text}"


def _blocks(source: str):
    """Split a notebook cell into (lines inside solution/hidden blocks, lines outside)."""
    inside, outside, closing = [], [], None
    for line in source.splitlines():
        stripped = line.strip()
        if closing is None:
            opened = [end for begin, end in NOTEBOOK_BLOCKS if stripped.startswith(begin)]
            if opened:
                closing = opened[0]
            else:
                outside.append(line)
        elif stripped.startswith(closing):
            closing = None
        else:
            inside.append(line)
    return inside, outside


def solution_lines(a: Assignment, source_notebooks: list[Path], stripped: set[str]) -> set[str]:
    """Lines that must not appear in the release of ``a``.

    Solution lines of every stripped region (tags in ``stripped``) and
    of the notebooks' solution and hidden-test blocks, minus lines that the release
    legitimately contains elsewhere (given code, earlier assignments' regions).
    """
    secret, given = set(), set()
    for folder in a.code:
        for path in regions.code_files(REPO / folder):
            text = path.read_text()
            for (tag, _, _), body in regions.region_bodies(text, path).items():
                if tag in stripped:
                    secret.update(line.strip() for line in body)
            given.update(line.strip() for line in regions.strip_text(text, path, stripped).splitlines())
    for notebook in source_notebooks:
        for cell in nbformat.read(notebook, as_version=4).cells:
            inside, outside = _blocks(cell.source)
            secret.update(line.strip() for line in inside)
            given.update(line.strip() for line in outside)
    return {line for line in secret - given if len(line) >= MIN_LENGTH}


def _output_texts(output: dict):
    """Every piece of text an output carries: streams, rich data, tracebacks."""
    pieces = [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
    pieces += list(output.get("data", {}).values())
    for piece in pieces:
        yield "".join(piece) if isinstance(piece, list) else str(piece)


def _text_lines(path: Path):
    """(where, line) for every line of text in a file, notebook outputs included."""
    if path.suffix == ".ipynb":
        for i, cell in enumerate(json.loads(path.read_text()).get("cells", [])):
            for line in "".join(cell.get("source", "")).splitlines():
                yield f"cell {i}", line
            for output in cell.get("outputs", []):
                for text in _output_texts(output):
                    for line in text.splitlines():
                        yield f"cell {i} output", line
        return
    try:
        text = path.read_text()
    except (UnicodeDecodeError, ValueError):
        return
    for number, line in enumerate(text.splitlines(), 1):
        yield f"line {number}", line


def scan(folder: Path, secret: set[str]) -> list[Leak]:
    """Every place under ``folder`` where a secret line appears, or a hidden-test marker."""
    leaks = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        rel = path.relative_to(folder).as_posix()
        for where, line in _text_lines(path):
            stripped = line.strip()
            if stripped in secret or regions.NOTEBOOK_HIDDEN[0] in line:
                leaks.append(Leak(rel, where, stripped))
    return leaks
