"""`carry`: bring a student's own code of earlier assignments into a new assignment's copy."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import regions
from .assignments import Assignment, earlier_tags


@dataclass
class Carried:
    changed: list[Path] = field(default_factory=list)  # files that received the student's regions
    left_behind: dict[Path, list[str]] = field(default_factory=dict)  # code outside the markers, not carried


def _outside_regions(text: str, path: Path) -> list[str]:
    """The lines of a code file that are not inside any region (markers excluded)."""
    prefix = regions.marker(path) or "###"
    lines = text.splitlines()
    inside: set[int] = set()
    for region in regions.find_regions(text, prefix, str(path)):
        inside.update(range(region.begin, region.end + 1))
    return [line for i, line in enumerate(lines) if i not in inside]


def carry(a: Assignment, earlier_work: Path, into: Path) -> Carried:
    """Copy a student's own regions of earlier assignments from ``earlier_work`` into ``into``.

    Both are assignment folders (a working copy or a submission). Only code inside the markers
    travels; what the student wrote outside them (helpers, imports) is reported, not guessed at.
    """
    result = Carried()
    for path in regions.code_files(into):
        theirs = earlier_work / path.relative_to(into)
        if not theirs.exists() or not (regions.tags_in(path) & earlier_tags(a)):
            continue
        their_text = theirs.read_text()
        bodies = regions.region_bodies(their_text, theirs)
        before = path.read_text()
        text = regions.fill_text(before, path, bodies, earlier_tags(a))
        if text != before:
            path.write_text(text)
            result.changed.append(path)
        ours = {line.strip() for line in _outside_regions(text, path)}
        extra = [line for line in _outside_regions(their_text, theirs) if line.strip() and line.strip() not in ours]
        if extra:
            result.left_behind[path] = extra
    return result


def describe(result: Carried) -> str:
    """What `carry` did, and what the student must bring by hand."""
    text = f"carried your earlier code into {len(result.changed)} file(s): " + (
        ", ".join(str(p) for p in result.changed) or "none"
    )
    for path, lines in result.left_behind.items():
        shown = "\n".join(f"    {line}" for line in lines[:15])
        more = f"\n    … and {len(lines) - 15} more line(s)" if len(lines) > 15 else ""
        text += (
            f"\n\nNot carried: {len(lines)} line(s) you wrote outside the marked regions of "
            f"{path.name} (only code between the BEGIN/END SOLUTION markers travels). Copy them "
            f"by hand into {path}, in the same place, if your code uses them:\n{shown}{more}"
        )
    return text
