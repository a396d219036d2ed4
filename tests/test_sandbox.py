"""The grader as a security boundary: what a sandboxed submission can and cannot do, and a corpus
of hostile and careless a1 submissions graded together in one run (tests/hostile/a1.toml)."""

import hashlib
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest

from grader import gradebook, samples
from grader.assignments import REPO, get
from grader.autograde import Limits, autograde, grade_one
from grader.course import Course
from grader.feedback import feedback
from grader.grading import hidden_lines
from grader.release import release
from grader.sandbox import Sandbox

HOSTILE = samples.load_file(Path(__file__).parent / "hostile" / "a1.toml")
ESCAPE_PORT = 47613
ESCAPES = [
    Path("/tmp/needle-escape-tmp"),
    Path("/tmp/needle-escape-child"),
    Path.home() / ".ipython/profile_default/startup/00-needle-escape.py",
    Path.home() / "needle-escape-home",
    Path("/work/needle-escape-work"),
]

needs_sandbox = pytest.mark.skipif(
    not Sandbox(Path("/"), Path("/")).isolated and not os.environ.get("CI"),
    reason="bubblewrap cannot create namespaces on this machine (CI installs it and always runs these)",
)


# ------------------------------------------------------------------ the sandbox itself (fast)


def run_inside(tmp_path, code: str) -> subprocess.CompletedProcess:
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir(exist_ok=True)
    out.mkdir(exist_ok=True)
    proc = Sandbox(work, out).popen(
        [sys.executable, "-I", "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output, _ = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, output)


@needs_sandbox
def test_the_sandbox_sees_only_its_copy_the_environment_and_the_data(tmp_path):
    code = (
        f"import os, sys; print(sorted(os.listdir({str(REPO)!r})) if os.path.isdir({str(REPO)!r}) else []); "
        "print(os.getcwd()); "
        f"print(os.path.exists({str(REPO / 'needle_core')!r}), os.path.exists({str(REPO / 'grader')!r})); "
        "print(sorted(os.listdir('/datasets'))); print(len(os.listdir('/proc/1/fd')) >= 0, os.getpid() < 10)"
    )
    result = run_inside(tmp_path, code)
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout
    assert set(eval(lines[0])) <= {".venv"}, "of the kit's checkout only its virtual environment is visible"
    assert lines[1] == "/submission"
    assert lines[2] == "False False", "the kit's source must be hidden"
    assert lines[3] == "['README.md', 'fashion-mnist', 'mnist']"
    assert lines[4].endswith("True"), "a sandbox has its own pid namespace"


@needs_sandbox
def test_the_sandbox_writes_only_its_copy_and_a_private_tmp(tmp_path):
    target = tmp_path / "outside.txt"
    places = ["/submission/mine.txt", "/tmp/t.txt", str(target), "/datasets/x", "/usr/x", sys.prefix + "/x"]
    code = (
        f"for p in {places!r}:\n    try:\n        open(p, 'w').write('x'); print('wrote', p)\n"
        "    except OSError as e:\n        print('refused', p)"
    )
    result = run_inside(tmp_path, code)
    assert "wrote /submission/mine.txt" in result.stdout and "wrote /tmp/t.txt" in result.stdout
    assert result.stdout.count("refused") == 4, result.stdout
    assert (tmp_path / "work" / "mine.txt").exists() and not target.exists()


@needs_sandbox
def test_the_sandbox_has_no_network_and_a_minimal_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("NEEDLE_COURSE", str(tmp_path))
    code = (
        "import os, socket\ntry:\n    socket.create_connection(('1.1.1.1', 80), timeout=2); print('connected')\n"
        "except OSError:\n    print('no network')\n"
        "print(sorted(k for k in os.environ if k.startswith(('NEEDLE', 'PYTHONPATH', 'VIRTUAL'))))"
    )
    result = run_inside(tmp_path, code)
    assert result.stdout.splitlines() == ["no network", "[]"], result.stdout


@needs_sandbox
def test_every_process_dies_with_the_sandbox(tmp_path):
    code = "import subprocess, sys\nsubprocess.Popen(['sleep', '919'], start_new_session=True)\nprint('started')"
    result = run_inside(tmp_path, code)
    assert "started" in result.stdout
    assert subprocess.run(["pgrep", "-f", "sleep 919"], capture_output=True).returncode == 1


def test_without_bubblewrap_grading_runs_and_says_what_is_missing(tmp_path):
    box = Sandbox(tmp_path, tmp_path, isolate=False)
    assert not box.isolated and len(box.missing) == 4
    assert all("switched off" in m for m in box.missing)


# ------------------------------------------------------------------ the hostile corpus (slow)


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_symlink():
            digest.update(os.readlink(path).encode())
        elif path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


class Listener:
    """A TCP server on loopback that counts who connects to it (nobody may)."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.connections, self.stop = 0, False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """Every hostile submission, the reference and the empty release, graded in one run."""
    for path in ESCAPES:
        path.unlink(missing_ok=True)
    a = get("a1")
    course = Course(tmp_path_factory.mktemp("hostile") / "course")
    release(course, a)
    for sample in [*samples.load(a)[:2], *HOSTILE]:
        samples.make_submission(course, a, sample)
    before = {s: _tree_digest(course.root / "submitted" / s) for s in course.students(a)}
    listener = Listener(ESCAPE_PORT)
    saved = dict(os.environ)
    os.environ.update(PYTHONPATH=str(REPO), NEEDLE_COURSE=str(course.root))  # must not reach kernels
    try:
        results = autograde(
            course, a, limits=Limits(cell_timeout=15, submission_timeout=400, jobs=2), show_progress=False
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
        listener.close()
    return course, {g.student: g for g in results}, before, listener


def _expected_zero(sample, cells):
    if sample.name == "reference":
        return set()
    if not sample.fill or sample.remove:
        return set(cells) if not sample.fails else set(sample.fails)
    return set(sample.fails)


@pytest.mark.slow
@needs_sandbox
@pytest.mark.parametrize("sample", HOSTILE, ids=lambda s: s.name)
def test_a_hostile_submission_scores_only_what_its_code_earns(hostile_run, sample):
    course, results, _, _ = hostile_run
    graded = results[sample.name]
    cells = gradebook.cell_scores(course, get("a1"), sample.name)
    zero = _expected_zero(sample, cells)
    got_zero = {gid for gid, (score, best) in cells.items() if score == 0}
    assert got_zero == zero, f"{sample.name}: {graded.describe()}\n" + "\n".join(
        f"  {c.grade_id}: {c.message[:200]}" for c in graded.cells if not c.trusted_passed
    )
    assert {c.grade_id for c in graded.flags} == set(sample.flagged)


@pytest.mark.slow
@needs_sandbox
def test_classmates_and_the_gradebook_survive(hostile_run):
    course, results, before, _ = hostile_run
    a = get("a1")
    assert course.gradebook.is_file() and list((course.root / "backups").glob("gradebook-*.db"))
    assert gradebook.submission_score(course, a, "reference") == (13.0, 13.0)
    assert gradebook.submission_score(course, a, "empty") == (0.0, 13.0)  # PYTHONPATH did not reach it
    assert set(results) == set(course.students(a))
    for student in course.students(a):
        assert gradebook.submission_score(course, a, student) is not None
        for notebook in course.autograded(student, a).glob("*.ipynb"):
            nbformat.read(notebook, as_version=4)
    after = {s: _tree_digest(course.root / "submitted" / s) for s in course.students(a)}
    assert after == before, "submitted/ must never change while grading"


@pytest.mark.slow
@needs_sandbox
def test_nothing_escapes_the_sandbox(hostile_run):
    _, _, _, listener = hostile_run
    assert [p for p in ESCAPES if p.exists()] == []
    assert listener.connections == 0
    for pattern in ("needle-escape-token", "sleep 777"):
        assert subprocess.run(["pgrep", "-f", pattern], capture_output=True).returncode == 1, pattern


@pytest.mark.slow
@needs_sandbox
def test_feedback_never_carries_hidden_test_code(hostile_run):
    course, _, _, _ = hostile_run
    a = get("a1")
    feedback(course, a)
    secret = hidden_lines(course.source(a))
    assert secret
    for student in ("print_the_callers_code", "warning_on_a_hidden_line", "read_the_source_notebooks"):
        for page in course.feedback(student, a).glob("*.html"):
            text = page.read_text()
            assert not [line for line in secret if line in text], student
        for notebook in course.autograded(student, a).glob("*.ipynb"):
            raw = notebook.read_text()
            outputs = "".join(str(o) for c in nbformat.reads(raw, as_version=4).cells for o in c.get("outputs", []))
            assert not [line for line in secret if line in outputs], student


@pytest.mark.slow
@needs_sandbox
def test_a_missing_file_scores_zero_with_a_reason(hostile_run):
    course, results, _, _ = hostile_run
    for student in ("notebook_only", "symlink_to_the_reference"):
        assert results[student].missing_files == ["needle_core/simple_ml.py"]
        notebook = next(course.autograded(student, get("a1")).glob("*.ipynb"))
        first = nbformat.read(notebook, as_version=4).cells[0]
        assert "Files missing from your submission" in first.source and "simple_ml.py" in first.source


@pytest.mark.slow
@needs_sandbox
def test_the_report_flags_forged_notebook_verdicts(hostile_run):
    import json

    course, _, _, _ = hostile_run
    report = json.loads((course.root / "reports" / "a1_softmax_regression.json").read_text())
    flagged = {s["student"]: {f["cell"] for f in s["flagged"]} for s in report["submissions"] if s["flagged"]}
    assert flagged == {s.name: set(s.flagged) for s in HOSTILE if s.flagged}
    assert report["missing_protections"] == []


@pytest.mark.slow
@needs_sandbox
def test_grading_a_submission_twice_gives_the_same_score(hostile_run):
    course, results, _, _ = hostile_run
    a = get("a1")
    first = gradebook.cell_scores(course, a, "forge_by_patching_the_checks")
    again = grade_one(course, a, "forge_by_patching_the_checks", Limits(cell_timeout=15))
    assert gradebook.cell_scores(course, a, "forge_by_patching_the_checks") == first
    assert again.score == results["forge_by_patching_the_checks"].score
