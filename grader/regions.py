"""Student regions in `.py` and `.cu` files: find them, strip them, fill them.

A region is the lines between ``### BEGIN SOLUTION <id>`` and ``### END SOLUTION``
(``///`` in CUDA files). nbgrader only strips notebooks, so the kit strips code
files itself, with this one module. Notebook cells use nbgrader's own markers,
named here too so that every part of the grader reads them the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

CODE_SUFFIXES = {".py": "###", ".cu": "///", ".cuh": "///"}
NOTEBOOK_SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
NOTEBOOK_HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
# nbgrader's own rule (ClearHiddenTests): a line that *contains* the delimiter opens or closes a
# hidden block, whatever comes before it. Every part of the kit reads hidden blocks with it.
HIDDEN_DELIMITERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_PY_DEF = re.compile(r"\s*(?:async\s+)?(?:def|class)\s+(\w+)")
_C_CALL = re.compile(r"(\w+)\s*\(")
_C_KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof"}


Key = tuple[str, str, int]  # a region's (tag, function, occurrence within that function)


class RegionError(ValueError):
    """A file's region markers are malformed."""


@dataclass
class Region:
    """One student region: its tag, the lines it spans and the function around it."""

    tag: str
    begin: int  # index of the BEGIN marker line
    end: int  # index of the END marker line
    indent: str
    function: str

    def body(self, lines: list[str]) -> list[str]:
        return lines[self.begin + 1 : self.end]


def hidden_parts(source: str) -> list[tuple[str, str]]:
    """Each line of a notebook cell with its part: "visible", "begin", "hidden" or "end".

    The one reading of hidden blocks, with nbgrader's rule; release, feedback, the leak scan
    and ``check`` all go through it.
    """
    begin, end = HIDDEN_DELIMITERS
    parts: list[tuple[str, str]] = []
    inside = False
    for line in source.split("\n"):
        if begin in line:
            inside = True
            parts.append(("begin", line))
        elif end in line:
            inside = False
            parts.append(("end", line))
        else:
            parts.append(("hidden" if inside else "visible", line))
    return parts


def split_hidden(source: str) -> tuple[list[str], list[str]]:
    """(visible lines, hidden lines) of a notebook cell; marker lines are in neither."""
    parts = hidden_parts(source)
    return ([line for part, line in parts if part == "visible"], [line for part, line in parts if part == "hidden"])


def has_hidden(source: str) -> bool:
    """Does a notebook cell hold hidden tests (nbgrader's rule)?"""
    return HIDDEN_DELIMITERS[0] in source


def hidden_lines_of(source: str, min_length: int = 12) -> set[str]:
    """The stripped hidden-test lines of a cell long enough to recognise when they leak."""
    return {line.strip() for line in split_hidden(source)[1] if len(line.strip()) >= min_length}


def marker(path: Path | str) -> str | None:
    """The comment prefix of region markers for this file type (None: no regions)."""
    return CODE_SUFFIXES.get(Path(path).suffix)


def _enclosing_function(lines: list[str], index: int, indent: str) -> str:
    """Name of the function whose body holds line ``index``: ``Class.method`` for a method."""
    depth = len(indent)
    for i in range(index - 1, -1, -1):
        line = lines[i]
        stripped = line.strip()
        line_depth = len(line) - len(line.lstrip())
        if not stripped or line_depth >= depth or stripped.startswith(("#", "//", "/*", "*")):
            continue
        depth = line_depth
        match = _PY_DEF.match(line)
        if match:
            owner = _enclosing_function(lines, i, line[:line_depth]) if line_depth else None
            return f"{owner}.{match.group(1)}" if owner and owner != "this function" else match.group(1)
        names = [n for n in _C_CALL.findall(line) if n not in _C_KEYWORDS]
        if names and not line.rstrip().endswith(":"):
            return names[0]
    return "this function"


def find_regions(text: str, prefix: str, where: str = "") -> list[Region]:
    """Every region in ``text`` (lines with markers ``prefix BEGIN/END SOLUTION``)."""
    lines = text.splitlines()
    begin_re = re.compile(rf"^(\s*){re.escape(prefix)} BEGIN SOLUTION(?:\s+(\S+))?\s*$")
    end_re = re.compile(rf"^\s*{re.escape(prefix)} END SOLUTION\s*$")
    regions, open_at = [], None
    for i, line in enumerate(lines):
        begin, end = begin_re.match(line), end_re.match(line)
        if begin:
            if open_at is not None:
                raise RegionError(f"{where}:{i + 1}: BEGIN SOLUTION inside the region opened on line {open_at[0] + 1}")
            if not begin.group(2):
                raise RegionError(
                    f"{where}:{i + 1}: BEGIN SOLUTION needs an assignment tag, e.g. '{prefix} BEGIN SOLUTION a1'"
                )
            open_at = (i, begin.group(1), begin.group(2))
        elif end:
            if open_at is None:
                raise RegionError(f"{where}:{i + 1}: END SOLUTION without a BEGIN SOLUTION")
            start, indent, tag = open_at
            regions.append(Region(tag, start, i, indent, _enclosing_function(lines, start, indent)))
            open_at = None
    if open_at is not None:
        raise RegionError(f"{where}:{open_at[0] + 1}: BEGIN SOLUTION is never closed")
    return regions


def stub(region: Region, path: Path | str) -> str:
    """The line a stripped region becomes: it fails clearly when the code runs."""
    message = f"{region.function} is not implemented yet: write it in {Path(path).as_posix()} (assignment {region.tag})"
    if marker(path) == "###":
        return f'{region.indent}raise NotImplementedError("{message}")'
    return f"{region.indent}/* {message} */"


def _keyed(regions: list[Region]) -> Iterator[tuple[Key, Region]]:
    """(key, region) pairs, the key being (tag, function, occurrence within that function)."""
    seen: dict[tuple[str, str], int] = {}
    for region in regions:
        n = seen.get((region.tag, region.function), 0)
        seen[(region.tag, region.function)] = n + 1
        yield (region.tag, region.function, n), region


def _rewrite(text: str, path: Path | str, new_body: Callable[[Key, Region], list[str] | None]) -> str:
    """``text`` with each region's body replaced by ``new_body(key, region)`` (None: keep it)."""
    prefix = marker(path)
    if prefix is None:
        return text
    lines = text.splitlines()
    out, last = [], 0
    for key, region in _keyed(find_regions(text, prefix, str(path))):
        body = new_body(key, region)
        if body is None:
            continue
        out += lines[last : region.begin + 1] + body + [lines[region.end]]
        last = region.end + 1
    out += lines[last:]
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def strip_text(text: str, path: Path | str, tags: set[str]) -> str:
    """``text`` with every region whose tag is in ``tags`` replaced by its stub."""
    return _rewrite(text, path, lambda key, r: [stub(r, path)] if r.tag in tags else None)


def fill_text(text: str, path: Path | str, bodies: dict[Key, list[str]], tags: set[str]) -> str:
    """``text`` with regions of ``tags`` replaced by the matching bodies from ``bodies``."""
    return _rewrite(text, path, lambda key, r: bodies.get(key) if r.tag in tags else None)


def region_bodies(text: str, path: Path | str) -> dict[Key, list[str]]:
    """Region bodies keyed by (tag, function, occurrence within that function)."""
    prefix = marker(path)
    if prefix is None:
        return {}
    lines = text.splitlines()
    return {key: region.body(lines) for key, region in _keyed(find_regions(text, prefix, str(path)))}


def strip_tree(root: Path, tags: set[str]) -> None:
    """Strip the regions of ``tags`` from every code file under ``root`` (stubs name paths from ``root``)."""
    for path in code_files(root):
        path.write_text(strip_text(path.read_text(), path.relative_to(root), tags))


def tags_in(path: Path) -> set[str]:
    """The assignment tags of the regions in a file."""
    prefix = marker(path)
    if prefix is None:
        return set()
    return {r.tag for r in find_regions(path.read_text(), prefix, str(path))}


def code_files(root: Path) -> Iterator[Path]:
    """Every file under ``root`` that can hold regions, skipping caches."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and marker(path) and "__pycache__" not in path.parts:
            yield path
