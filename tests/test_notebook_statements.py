"""Every property a test holds a student to is stated where the student reads about the function.

A test cell that checks a dtype, that an input is left unchanged, or that an update happens in
place must have a sentence saying so in the notebook's markdown about that function (before the
test), so that a correct solution never loses a point for a rule it could not know.
"""

import ast
import re

import nbformat
import pytest

from grader.assignments import available

PROPERTIES = {
    # property: (how a test cell checks it, how a statement says it)
    "float32": (re.compile(r"dtype\s*==\s*np\.float32"), re.compile(r"float32")),
    "input unchanged": (
        re.compile(
            r"must not modify|changed the (array|logits)|but \w+ changed"
            r"|changed during the call|but they changed"
        ),
        re.compile(r"not (modify|change)|unchanged|a new array", re.I),
    ),
    "in place": (re.compile(r"in place"), re.compile(r"in place", re.I)),
}
GRADE_ID = re.compile(r"test_(\w+?)_(visible|hidden)")
NAMED = re.compile(r"""["'](\w+)[:( ]""")


def _function_of(grade_id: str, line: str) -> str:
    """The function an assert is about: the name its message starts with, else the grade id's."""
    message = line.split(",", 1)[-1]
    named = NAMED.search(message)
    return named.group(1) if named else GRADE_ID.match(grade_id).group(1)


def _asserts(source: str) -> list[str]:
    """Each assert statement of a cell on one line, its message's pieces joined into one string."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [line for line in source.splitlines() if line.strip().startswith("assert")]
    return [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.Assert)]


def _cases():
    for a in available():
        for path in sorted(a.folder.glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            for i, cell in enumerate(nb.cells):
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
                if not cell.metadata.get("nbgrader", {}).get("grade") or not GRADE_ID.match(grade_id):
                    continue
                checks = _asserts(cell.source)
                seen = set()
                for name, (checked, _) in PROPERTIES.items():
                    for line in checks:
                        function = _function_of(grade_id, line)
                        if checked.search(line) and (function, name) not in seen:
                            seen.add((function, name))
                            case = f"{grade_id}-{function}-{name.replace(' ', '_')}"
                            yield pytest.param(path, i, function, name, id=case)


@pytest.mark.parametrize("path,index,function,prop", list(_cases()))
def test_a_graded_property_is_stated_next_to_the_function(path, index, function, prop):
    nb = nbformat.read(path, as_version=4)
    said = PROPERTIES[prop][1]
    markdown = [c.source for c in nb.cells[:index] if c.cell_type == "markdown" and f"`{function}" in c.source]
    assert any(said.search(text) for text in markdown), (
        f"{path.name}: a test of `{function}` checks '{prop}', but no text of the notebook about `{function}` says so"
    )
