"""The leakage scan: no line of a solution may survive into a student release."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from pathlib import Path

import nbformat

from . import regions
from .assignments import REPO, Assignment

MIN_LENGTH = 12  # shorter lines ("return Z", "else:") are too generic to call a leak


@dataclass
class Leak:
    file: str
    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.file} ({self.where}): {self.text}"


def _blocks(source: str) -> tuple[list[str], list[str]]:
    """Split a notebook cell into (lines inside solution/hidden blocks, lines outside)."""
    visible, hidden = regions.split_hidden(source)
    inside, outside, solution = list(hidden), [], False  # type: list[str], list[str], bool
    begin, end = regions.NOTEBOOK_SOLUTION
    for line in visible:
        stripped = line.strip()
        if stripped.startswith(begin):
            solution = True
        elif stripped.startswith(end):
            solution = False
        else:
            (inside if solution else outside).append(line)
    return inside, outside


def solution_lines(a: Assignment, source_notebooks: list[Path], stripped: set[str]) -> set[str]:
    """Lines that must not appear in the release of ``a``.

    Solution lines of every stripped region (tags in ``stripped``) and
    of the notebooks' solution and hidden-test blocks, minus lines that the release
    legitimately contains elsewhere (given code, earlier assignments' regions).
    """
    secret: set[str] = set()
    given: set[str] = set()
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


def _output_texts(output: dict[str, Any]) -> Iterator[str]:
    """Every piece of text an output carries: streams, rich data, tracebacks."""
    pieces = [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
    pieces += list(output.get("data", {}).values())
    for piece in pieces:
        yield "".join(piece) if isinstance(piece, list) else str(piece)


def _text_lines(path: Path) -> Iterator[tuple[str, str]]:
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
            if stripped in secret or regions.HIDDEN_DELIMITERS[0] in line:
                leaks.append(Leak(rel, where, stripped))
    return leaks


SCRUBBED = "[This output was removed: it contained code of a hidden test.]\n"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _leaks(text: str, secret: set[str]) -> bool:
    text = _ANSI.sub("", text)
    return regions.HIDDEN_DELIMITERS[0] in text or any(line in text for line in secret)


def scrub_outputs(nb: nbformat.NotebookNode, secret: set[str]) -> list[str]:
    """Remove from ``nb``'s outputs everything that contains a ``secret`` line (or a hidden-test marker).

    Every kind of output is read (colours stripped): a stream loses the lines that leak, an error
    whose traceback leaks keeps only ``ename: evalue``, anything else that leaks is replaced by a
    note. Returns the grade ids (or cell numbers) of the cells that had something removed.
    """
    removed = []
    for i, cell in enumerate(nb.cells):
        where = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {i}"
        for j, output in enumerate(cell.get("outputs", [])):
            if not _leaks("\n".join(_output_texts(output)), secret):
                continue
            removed.append(where)
            kind = output.get("output_type")
            if kind == "stream":
                kept = [line for line in output.get("text", "").splitlines(keepends=True) if not _leaks(line, secret)]
                output["text"] = "".join(kept) + SCRUBBED
            elif kind == "error" and not _leaks(f"{output.get('ename')}: {output.get('evalue')}", secret):
                output["traceback"] = [f"{output.get('ename')}: {output.get('evalue')}"]
            else:
                cell.outputs[j] = nbformat.v4.new_output("stream", name="stdout", text=SCRUBBED)
    return removed
