"""nbgrader preprocessors the kit adds to nbgrader's own pipeline."""

from __future__ import annotations

import re
from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from .regions import has_hidden, hidden_parts

HIDDEN_NOTE = "# Hidden tests ran here. Their code is not shown; the message below says what failed."
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def hide_hidden_source(source: str) -> str:
    """Replace every hidden-test block of a cell's source by a one-line note (nbgrader's marker rule)."""
    out = []
    for part, line in hidden_parts(source):
        if part == "begin":
            out.append(line[: len(line) - len(line.lstrip())] + HIDDEN_NOTE)
        elif part == "visible":
            out.append(line)
    return "\n".join(out)


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback step: hidden test code and tracebacks through it never reach a student.

    A cell that held hidden tests keeps its visible lines and, for an error,
    only ``ErrorName: message`` (the assert messages say what was wrong). Whether a
    cell held hidden tests is read from its source and from the kit's cell metadata.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        hidden = cell.metadata.get("needle", {}).get("hidden_tests") or has_hidden(cell.source)
        if cell.cell_type == "code" and hidden:
            cell.source = hide_hidden_source(cell.source)
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{_ANSI.sub('', output.ename)}: {_ANSI.sub('', output.evalue)}"]
        return cell, resources
