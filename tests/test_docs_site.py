"""The documentation site: built from docs/ in strict mode, one lecture page per
assignment, no solution or hidden test on it, nothing loaded from outside hosts,
and math typeset by the bundled MathJax in a real browser."""

from __future__ import annotations

import html
import logging
import re
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import nbformat
import pytest
import yaml

from grader import leakscan
from grader.assignments import ASSIGNMENTS, available
from tests import chromium

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / "docs" / "_site" / "hooks.py"


@dataclass
class Built:
    """The outcome of a build: did it succeed, and what mkdocs logged."""

    ok: bool
    log: str


def build(site: Path, docs: Path = ROOT / "docs") -> Built:
    """``mkdocs build --strict`` of ``docs`` into ``site`` with the kit's mkdocs.yml.

    The build runs in this process, as the ``mkdocs build`` command runs it (load the config,
    the plugins' start-up, build, shut-down): a subprocess would import mkdocs, and nbformat
    for the hooks, again for every build, which is most of a build's time.
    """
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    settings = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    settings.update(
        docs_dir=str(docs),
        site_dir=str(site),
        hooks=[str(HOOKS)],
        watch=[str(ROOT / path) for path in settings.get("watch", [])],
    )
    config_file = site.parent / f"{site.name}-mkdocs.yml"
    config_file.write_text(yaml.safe_dump(settings, allow_unicode=True))
    records: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: records.append(f"{record.levelname}: {record.getMessage()}")  # type: ignore
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        config = load_config(config_file=str(config_file), strict=True)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config, dirty=False)
        finally:
            config.plugins.on_shutdown()
        ok = True
    except MkDocsException as error:
        records.append(f"{type(error).__name__}: {error}")
        ok = False
    finally:
        logger.removeHandler(handler)
    return Built(ok, "\n".join(records))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("docs") / "site"
    result = build(site)
    assert result.ok, f"mkdocs build --strict failed:\n{result.log}"
    return site


def _html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "mathjax" not in p.parts)


class _Text(HTMLParser):
    """The visible text of a page, and every URL it loads (scripts, styles, images, frames)."""

    LOADS = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "audio": "src",
        "video": "src",
        "embed": "src",
        "object": "data",
        "track": "src",
    }

    def __init__(self):
        super().__init__()
        self.text, self.loads = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.LOADS and attrs.get(self.LOADS[tag]):
            self.loads.append(attrs[self.LOADS[tag]])
        rel = set((attrs.get("rel") or "").split())
        if tag == "link" and attrs.get("href") and not {"canonical", "alternate"} & rel:
            self.loads.append(attrs["href"])
        if attrs.get("style"):
            self.loads += re.findall(r"url\(\s*['\"]?([^'\")]+)", attrs["style"])
        if tag in ("br", "p", "div", "pre", "li", "tr"):
            self.text.append("\n")

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: Path) -> _Text:
    parser = _Text()
    parser.feed(page.read_text())
    return parser


def _is_outside(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme not in ("", "data", "blob") or url.startswith("//")


def test_site_has_the_nav_of_the_course(site):
    index = (site / "index.html").read_text()
    for page in [
        "lectures/01-softmax-regression.html",
        "lectures/04-gpu-acceleration.html",
        "student-guide.html",
        "instructor-guide.html",
        "authoring.html",
        "benchmarks.html",
        "glossary.html",
    ]:
        assert (site / page).is_file(), page
        assert f'href="{page}"' in index, f"{page} is not in the site's navigation"


def test_every_assignment_has_its_lecture_page(site):
    index = (site / "index.html").read_text()
    assert [a.name for a in available()] == [a.name for a in ASSIGNMENTS], "an assignment has no notebook"
    for a in available():
        page = site / "assignments" / f"{a.name}.html"
        assert page.is_file(), f"no lecture page for {a.name}"
        assert f'href="assignments/{a.name}.html"' in index, f"{a.name} is not in the navigation"
        text = "".join(_parse(page).text)
        notebook = nbformat.read(next(a.folder.glob("*.ipynb")), as_version=4)
        headings = [
            line.lstrip("#").strip()
            for cell in notebook.cells
            if cell.cell_type == "markdown"
            for line in cell.source.splitlines()
            if line.startswith("## ")
        ]
        assert len(headings) >= 3
        for heading in headings:
            plain = re.sub(r"[`*]|\$[^$]*\$", "", heading).strip()
            assert plain.split()[-1] in text, f"{a.name}: section {heading!r} is missing from its page"


def test_no_solution_or_hidden_test_reaches_the_site(site):
    every_tag = {a.tag for a in ASSIGNMENTS}
    notebooks = [p for a in available() for p in a.folder.glob("*.ipynb")]
    secret = set()
    for a in available():
        secret |= leakscan.solution_lines(a, notebooks, every_tag)
    assert len(secret) > 50, "the scan has too few solution lines to mean anything"
    found = []
    for page in [*_html_pages(site), site / "search" / "search_index.json"]:
        text = html.unescape("".join(_parse(page).text)) if page.suffix == ".html" else page.read_text()
        lines = {line.strip() for line in text.splitlines()}
        found += [f"{page.relative_to(site)}: {line}" for line in secret & lines]
    for a in available():
        page = (site / "assignments" / f"{a.name}.html").read_text()
        found += [f"{a.name}: {m}" for m in ("BEGIN HIDDEN TESTS", "BEGIN SOLUTION") if m in page]
    assert not found, "solution or hidden-test text on the site:\n" + "\n".join(found)


def _prose(page: Path) -> str:
    """A page's text outside code, scripts and typeset math."""
    text = re.sub(r"<(pre|code|script|style)\b.*?</\1>", " ", page.read_text(), flags=re.S)
    text = re.sub(r'<(span|div) class="arithmatex">.*?</\1>', " ", text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def test_every_formula_is_recognised_as_math(site):
    # A "$" left in the prose is a formula the page shows as raw TeX.
    raw = {}
    for page in _html_pages(site):
        found = re.findall(r".{0,40}\$.{0,40}", _prose(page))
        if found:
            raw[str(page.relative_to(site))] = found[:3]
    assert not raw, f"formulas left as raw TeX: {raw}"


def test_the_leak_check_sees_code_in_a_highlighted_block():
    # The check above reads the pages' text: code split into highlighting spans still reads whole.
    snippet = '<pre><code><span class="n">theta</span> <span class="o">-=</span> <span class="n">lr</span></code></pre>'
    parser = _Text()
    parser.feed(snippet)
    assert "theta -= lr" in {line.strip() for line in "".join(parser.text).splitlines()}


def test_pages_load_nothing_from_outside_hosts(site):
    outside = []
    for page in _html_pages(site):
        outside += [f"{page.relative_to(site)}: {url}" for url in _parse(page).loads if _is_outside(url)]
    for css in site.rglob("*.css"):
        outside += [
            f"{css.relative_to(site)}: {url}"
            for url in re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])((?:https?:)?//[^'\")]+)", css.read_text())
        ]
    assert not outside, "pages load from outside hosts:\n" + "\n".join(outside)
    lecture = _parse(site / "lectures" / "01-softmax-regression.html").loads
    assert any(url.endswith("MathJax.js?config=TeX-AMS-MML_HTMLorMML-full") for url in lecture)
    assert (site / "assets" / "mathjax" / "MathJax.js").is_file()


def _strict_copy(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("_site"))
    return docs


def test_strict_build_fails_on_a_broken_link_and_a_missing_page(tmp_path):
    docs = _strict_copy(tmp_path)
    with (docs / "student-guide.md").open("a") as f:
        f.write("\nSee [the missing page](no-such-page.md).\n")
    (docs / "glossary.md").unlink()
    result = build(tmp_path / "site", docs)
    assert not result.ok
    output = result.log
    assert "no-such-page.md" in output, output
    assert "glossary.md" in output, output


def test_a_notebook_page_never_takes_code_or_answer_cells(tmp_path):
    hooks = _load_hooks()
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Assignment 9 — Test\n\nIntro with $x^2$."),
            nbformat.v4.new_code_cell("SECRET_CODE = 1"),
            nbformat.v4.new_markdown_cell("An answer", metadata={"nbgrader": {"solution": True}}),
            nbformat.v4.new_markdown_cell("## 1. Section"),
        ]
    )
    nbformat.write(notebook, tmp_path / "a9_test.ipynb")
    a = SimpleNamespace(folder=tmp_path, tag="a9", title="Test")
    page = hooks.lecture_markdown(a)
    assert page.startswith("# Assignment 9 — Test\n")
    assert "Intro with $x^2$." in page and "## 1. Section" in page
    assert "SECRET_CODE" not in page and "An answer" not in page
    notebook.cells.append(nbformat.v4.new_markdown_cell("```\n### BEGIN HIDDEN TESTS\nassert x\n```"))
    nbformat.write(notebook, tmp_path / "a9_test.ipynb")
    with pytest.raises(Exception, match="hidden-test marker"):
        hooks.lecture_markdown(a)


def _load_hooks():
    import importlib.util

    spec = importlib.util.spec_from_file_location("docs_site_hooks", HOOKS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_math_is_typeset_offline_in_chromium(site):
    with chromium.browser() as chrome, chromium.serve(site) as base:
        page = chrome.new_page(viewport={"width": 1280, "height": 900})
        outside = chromium.record_outside_requests(page, urlparse(base).netloc)
        for path in ["lectures/01-softmax-regression.html", "assignments/a1_softmax_regression.html"]:
            page.goto(f"{base}/{path}")
            page.wait_for_function(
                "window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
                " && document.querySelectorAll('.MathJax, .MathJax_Display').length > 0",
                timeout=90_000,
            )
            math = page.evaluate("document.querySelectorAll('.arithmatex').length")
            typeset = page.evaluate(
                "[...document.querySelectorAll('.arithmatex')]"
                ".filter(e => e.querySelector('.MathJax, .MathJax_Display')).length"
            )
            errors = page.evaluate(
                "MathJax.Hub.getAllJax().filter(j => {"
                " const bad = n => !!n && (n.type === 'merror' || (n.data || []).some(bad));"
                " return bad(j.root); }).map(j => j.originalText)"
            )
            assert math > 20, f"{path}: only {math} formulas found"
            assert typeset == math, f"{path}: {math - typeset} of {math} formulas were not typeset"
            assert errors == [], f"{path}: TeX errors in {errors}"
            if path.startswith("lectures"):
                chromium.screenshot(page, "docs-lecture-1.png")
        assert outside == [], f"the pages asked outside hosts for {outside}"
