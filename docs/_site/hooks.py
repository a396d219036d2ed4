"""MkDocs hooks: the notebooks' lecture pages and an offline MathJax.

Two jobs the site needs that plain MkDocs does not do:

- one page per assignment, made at build time from the markdown cells of its
  instructor notebook (never from code cells, so no solution or hidden test can
  reach the site), listed under "Assignments" in the navigation;
- MathJax copied into the built site from the ``jupyter-server-mathjax`` package,
  so that the math renders without any network access.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from grader import regions  # noqa: E402
from grader.assignments import Assignment, available  # noqa: E402

NAV_SECTION = "Assignments"
MATHJAX_DEST = "assets/mathjax"
# nbgrader reads a marker anywhere in a line, so look for it without the comment prefix.
FORBIDDEN = [regions.NOTEBOOK_SOLUTION[0].lstrip("# "), regions.NOTEBOOK_HIDDEN[0].lstrip("# ")]


def page_path(a: Assignment) -> str:
    """Where an assignment's lecture page lives in the site's source tree."""
    return f"assignments/{a.name}.md"


def _lecture_link(a: Assignment) -> str:
    """A link to the lecture note of the same number, when there is one."""
    number = a.tag.lstrip("a")
    notes = sorted((REPO / "docs" / "lectures").glob(f"{int(number):02d}-*.md"))
    return f" The lecture note for it is [Lecture {number}](../lectures/{notes[0].name})." if notes else ""


def display_math_as_blocks(source: str) -> str:
    """Put blank lines around ``$$ … $$`` display math.

    Jupyter renders display math in the middle of a paragraph; the site's Markdown
    (pymdownx.arithmatex) only reads ``$$`` that stands as a block of its own.
    """
    out, in_math, fence, math_indent = [], False, None, ""
    for line in source.splitlines():
        stripped = line.strip()
        if fence or stripped.startswith(("```", "~~~")):
            if fence is None:
                fence = stripped[:3]
            elif stripped.startswith(fence):
                fence = None
            out.append(line)
            continue
        opens = not in_math and stripped.startswith("$$")
        closes = stripped.endswith("$$") and (in_math or (opens and len(stripped) > 4))
        if opens:
            out.append("")
            # Inside a list item Jupyter indents by the marker's width (3 for "1. "),
            # Python-Markdown by 4: re-indent so the formula stays in its item.
            indent = len(line) - len(line.lstrip())
            math_indent = " " * 4 if 0 < indent < 4 else line[:indent]
        if opens or in_math:
            line = math_indent + stripped
        out.append(line)
        if closes:
            out.append("")
        if opens != closes:
            in_math = not in_math
    return "\n".join(out)


def lecture_markdown(a: Assignment) -> str:
    """The markdown (lecture) cells of the assignment's notebook, as one page.

    Code cells are left out entirely; a markdown cell that nbgrader treats as a
    student answer (``solution: true``) is left out too, and a cell carrying a
    solution or hidden-test marker stops the build.
    """
    notebook = next(a.folder.glob("*.ipynb"))
    cells = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "markdown" or cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        if any(marker in cell.source for marker in FORBIDDEN):
            raise PluginError(f"{notebook.name}: a markdown cell holds a solution or hidden-test marker")
        cells.append(display_math_as_blocks(cell.source).strip())
    if not cells:
        raise PluginError(f"{notebook.name}: no markdown cells to make a lecture page from")
    title, _, rest = cells[0].partition("\n")
    if not title.startswith("# "):
        title, rest = f"# {a.title}", cells[0]
    note = (
        '!!! note "This page is the text of a notebook"\n'
        f"    These are the explanations of `{notebook.name}`, without its code and test cells. "
        "Run `make lab` to open the notebook itself, write the functions and run the tests."
        f"{_lecture_link(a)}\n"
    )
    return "\n\n".join([title, note, rest.strip(), *cells[1:]]) + "\n"


def _nav_paths(nav) -> set[str]:
    """Every page path named anywhere in a navigation tree."""
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, dict):
        return set().union(*(_nav_paths(v) for v in nav.values()))
    if isinstance(nav, list):
        return set().union(set(), *(_nav_paths(v) for v in nav))
    return set()


def on_config(config):
    """Fill the "Assignments" section of the navigation from the assignment list, and
    list under "More" any page of docs/ that mkdocs.yml does not name yet."""
    nav = config["nav"] or []
    sections = [item for item in nav if isinstance(item, dict) and NAV_SECTION in item]
    if not sections:
        raise PluginError(f"mkdocs.yml: the nav needs an '{NAV_SECTION}' section")
    sections[0][NAV_SECTION] = [{f"{a.tag.upper()} · {a.title}": page_path(a)} for a in available()]
    docs = Path(config["docs_dir"])
    named = _nav_paths(nav)
    unlisted = sorted(
        p.relative_to(docs).as_posix() for p in docs.rglob("*.md")
        if "_site" not in p.relative_to(docs).parts and p.relative_to(docs).as_posix() not in named
    )
    if unlisted:
        nav.append({"More": unlisted})
    return config


def on_page_markdown(markdown, page, config, files):
    """Let Markdown inside ``<details>`` (answers to exercises) render, math included."""
    return re.sub(r"<details>", '<details markdown="1">', markdown)


def on_files(files, config):
    """Add one generated page per assignment."""
    for a in available():
        files.append(File.generated(config, page_path(a), content=lecture_markdown(a)))
    return files


def mathjax_source() -> Path:
    """MathJax 2 as shipped in the ``jupyter-server-mathjax`` wheel."""
    try:
        import jupyter_server_mathjax
    except ImportError as error:
        raise PluginError("jupyter-server-mathjax is not installed: run `make venv`") from error
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def on_post_build(config):
    """Copy MathJax into the built site (the pages load it from there, not from a CDN)."""
    dest = Path(config["site_dir"]) / MATHJAX_DEST
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(mathjax_source(), dest, ignore=shutil.ignore_patterns("__pycache__"))
