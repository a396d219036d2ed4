"""JupyterLab as students get it: `make lab` pins BLAS to one thread, and, in a real
browser, the a1 student release filled with the reference solution runs its visible tests
and passes nbgrader's Validate button (headless Chromium; screenshots in
build/test-artifacts/)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

from grader import samples
from grader.assignments import get
from grader.course import Course
from tests import chromium

ROOT = Path(__file__).resolve().parent.parent
WAIT_MS = 120_000  # generous: a busy two-core machine starts a kernel in seconds, not milliseconds
SUCCESS = {
    "parse_mnist": "all as expected",
    "softmax_loss": "all as expected",
    "softmax_regression_epoch": "your gradient is right",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def a1_student_copy(tmp_path) -> Path:
    """A student's a1 folder: the release made by the CLI, regions filled with the reference."""
    if chromium.chromium_path() is None:
        pytest.skip("no Chromium found (/usr/bin/chromium; .ci/run installs Debian's `chromium`)")
    course = Course(tmp_path / "course")
    result = subprocess.run(
        [sys.executable, "-m", "grader", "--course", str(course.root), "release", "a1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    a = get("a1")
    filled = samples.make_submission(course, a, samples.Sample("reference", "the reference solution"))
    home = tmp_path / "student" / a.name
    shutil.copytree(filled, home)
    return home


@contextmanager
def jupyterlab(root: Path, state: Path):
    """JupyterLab with nbgrader's extensions on ``root``, on a free localhost port with a token."""
    port, token = _free_port(), secrets.token_hex(16)
    config = state / "config"
    (config / "labconfig").mkdir(parents=True)
    # No "news" question in the corner of the screenshots.
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "NEEDLE_DATASETS": str(ROOT / "datasets"),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }
    # Validate runs the whole notebook; nbgrader sets NBGRADER_EXECUTION=validate, so the milestone
    # trains on a slice, as in grading (needle_core.notebook.grading).
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.workspaces_dir={state / 'workspaces'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log_path = state / "jupyterlab.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT_MS / 1000
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.25)
        yield base, token, log_path
    finally:
        server.terminate()  # JupyterLab shuts its kernels down on SIGTERM
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _cells(notebook: Path):
    """(index of every visible graded cell, index of the first cell after the graded ones)."""
    cells = nbformat.read(notebook, as_version=4).cells
    graded = [i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade")]
    visible = [i for i in graded if "Hidden tests for" not in cells[i].source]
    return visible, graded[-1] + 1


def test_make_lab_runs_blas_on_one_thread_unless_told_otherwise():
    def lab_command(*args):
        return subprocess.run(["make", "-n", "lab", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout

    default, four = lab_command(), lab_command("BLAS_THREADS=4")
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        assert f"{variable}=1 " in default and f"{variable}=4 " in four
    assert "jupyter lab" in default


@pytest.mark.slow
def test_a1_runs_its_visible_tests_and_validates_in_jupyterlab(a1_student_copy, tmp_path):
    name = a1_student_copy.name
    notebook = a1_student_copy / f"{name}.ipynb"
    visible, after_graded = _cells(notebook)
    assert len(visible) == len(SUCCESS)
    with jupyterlab(a1_student_copy.parent, tmp_path / "lab") as (base, token, log), chromium.browser() as chrome:
        page = chrome.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(WAIT_MS)
        outside = chromium.record_outside_requests(page, urlparse(base).netloc)
        page.goto(f"{base}/lab/tree/{name}/{name}.ipynb?token={token}")
        page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=WAIT_MS)

        # Select the first cell after the tests, then Run > Run All Above Selected Cell:
        # the set-up and every test cell run; the milestone's training does not.
        cells = page.locator(".jp-Notebook .jp-Cell")
        cells.nth(after_graded).click()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Above Selected Cell").click()
        page.wait_for_function(
            """n => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].slice(0, n)
                   .filter(c => c.classList.contains('jp-CodeCell'))
                   .every(c => /^\\[\\d+\\]:$/.test(c.querySelector('.jp-InputPrompt').textContent.trim()))""",
            arg=after_graded,
            timeout=WAIT_MS,
        )
        outputs = page.evaluate(
            """n => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].slice(0, n)
                   .map(c => (c.querySelector('.jp-OutputArea') || {}).textContent || '')""",
            after_graded,
        )
        for i, text in enumerate(outputs):
            assert "Error" not in text and "Traceback" not in text, f"cell {i} failed:\n{text}"
        for i, (function, message) in zip(visible, SUCCESS.items()):
            assert outputs[i].startswith(f"{function}:") and message in outputs[i], (
                f"the visible test of {function} (cell {i}) printed {outputs[i]!r}"
            )

        # The screenshot shows the softmax_loss test cell and the message it printed.
        page.evaluate(
            "i => document.querySelectorAll('.jp-Notebook .jp-Cell')[i].scrollIntoView({block: 'start'})", visible[1]
        )
        shot = chromium.screenshot(page, "a1-jupyterlab.png")

        page.locator('[title="Validate Assignment"]').first.click()  # nbgrader's button
        result = page.wait_for_selector("#validation-message", timeout=WAIT_MS)
        message = result.text_content()
        chromium.screenshot(page, "a1-jupyterlab-validate.png")
        assert "validation-success" in result.get_attribute("class"), (
            f"Validate says: {message}\n{log.read_text()[-3000:]}"
        )
        assert "Success! Your notebook passes all the tests." in message
        assert outside == [], f"JupyterLab asked outside hosts for {outside}"
    assert shot.stat().st_size > 10_000
