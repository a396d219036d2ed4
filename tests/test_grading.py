"""The grading pipeline grades the student's code: the empty release scores 0, the
reference full marks, and each planted bug loses exactly the points of its tests."""

import html
import re
import shutil

import nbformat
import pytest

from grader import gradebook, samples
from grader.assignments import available, get
from grader.autograde import Limits, grade_one
from grader.check import report, run_checks
from grader.course import Course
from grader.leakscan import scan, solution_lines
from grader.regions import NOTEBOOK_HIDDEN
from grader.carry import carry
from grader.release import LeakError, release, stripped_tags

pytestmark = pytest.mark.slow

CASES = [(a.name, s) for a in available() for s in samples.load(a)]


def case_id(case):
    return case.name if isinstance(case, samples.Sample) else case


@pytest.mark.parametrize("name,sample", CASES, ids=case_id)
def test_sample_scores(graded_course, name, sample):
    a = get(name)
    cells = gradebook.cell_scores(graded_course, a, sample.name)
    assert cells, f"{sample.name} was not graded"
    if sample.name == "reference":
        expected_zero = set()
    elif sample.name == "empty":
        expected_zero = set(cells)
    else:
        assert sample.fails, f"sample {sample.name} must list the cells it fails"
        assert set(sample.fails) <= set(cells), f"unknown grade ids in {sample.name}: {set(sample.fails) - set(cells)}"
        expected_zero = set(sample.fails)
    for grade_id, (score, best) in cells.items():
        assert best > 0
        assert score == (0 if grade_id in expected_zero else best), f"{sample.name}: {grade_id} scored {score}/{best}"
    timed_out = {
        gid for gid, errors in _cell_errors(graded_course, a, sample.name).items() if "CellTimeoutError" in errors
    }
    assert timed_out == (set(sample.fails) if sample.timeout else set())


def _cell_errors(course, a, student) -> dict[str, list[str]]:
    """{grade_id: error names} of the graded cells of an autograded notebook."""
    errors = {}
    for path in course.autograded(student, a).glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.metadata.get("nbgrader", {}).get("grade"):
                errors[grade_id] = [o.ename for o in cell.get("outputs", []) if o.output_type == "error"]
    return errors


def _error_texts(page: str) -> list[str]:
    blocks = re.findall(r'<div class="output_subarea output_text output_error">(.*?)</div>', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks]


@pytest.mark.parametrize("name,sample", [c for c in CASES if c[1].breaks], ids=case_id)
def test_feedback_names_the_broken_function(graded_course, name, sample):
    a = get(name)
    pages = list(graded_course.feedback(sample.name, a).glob("*.html"))
    errors = [text for page in pages for text in _error_texts(page.read_text())]
    assert errors, "the feedback shows no failure"
    assert any(sample.breaks in text for text in errors), f"no error message names {sample.breaks}"


@pytest.mark.parametrize("name", [a.name for a in available()])
def test_feedback_never_shows_hidden_test_code(graded_course, name):
    a = get(name)
    source_notebooks = sorted(graded_course.source(a).glob("*.ipynb"))
    hidden = set()
    for notebook in source_notebooks:
        for cell in nbformat.read(notebook, as_version=4).cells:
            begin, end = NOTEBOOK_HIDDEN
            for block in cell.source.split(begin)[1:]:
                hidden.update(line.strip() for line in block.split(end)[0].splitlines() if len(line.strip()) >= 12)
    assert hidden, f"{name} has no hidden tests"
    for student in graded_course.students(a):
        pages = list(graded_course.feedback(student, a).glob("*.html"))
        assert pages, f"no feedback for {student}"
        for page in pages:
            text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
            shown = [line for line in hidden if line in text]
            assert not shown, f"{student}'s feedback shows hidden test code: {shown[:3]}"


@pytest.mark.parametrize("name", [a.name for a in available()])
def test_release_has_no_solution_text(graded_course, name):
    a = get(name)
    secret = solution_lines(a, sorted(graded_course.source(a).glob("*.ipynb")), stripped_tags(a))
    assert secret
    assert scan(graded_course.release(a), secret) == []


def test_release_refuses_a_planted_leak(tmp_path, monkeypatch):
    import grader.release as rel

    a = get("a1")
    leaked = "    return float(np.mean(log_sum_exp - Z[np.arange(Z.shape[0]), y]))\n"
    original = rel.copy_code

    def copy_code_with_a_leak(assignment, dest):
        original(assignment, dest)
        helper = dest / "needle_core" / "data.py"
        helper.write_text(helper.read_text() + "\n\ndef _peek(Z, y, log_sum_exp):\n" + leaked)

    monkeypatch.setattr(rel, "copy_code", copy_code_with_a_leak)
    course = Course(tmp_path / "course")
    with pytest.raises(LeakError, match="needle_core/data.py"):
        release(course, a)
    assert not course.release(a).exists()


def test_a_memory_bomb_costs_only_its_own_cells(graded_course):
    a = get("a1")
    bomb = samples.Sample(
        "memory_bomb",
        "softmax_loss allocates until it runs out of memory",
        breaks="softmax_loss",
        patches=[
            samples.Patch(
                "needle_core/simple_ml.py",
                "    Z = np.asarray(Z)\n",
                "    hog = []\n    while True:\n        hog.append(np.ones(10**8))\n",
            )
        ],
    )
    samples.make_submission(graded_course, a, bomb)
    outcome = grade_one(graded_course, a, bomb.name, Limits(cell_timeout=60, memory_gb=2.0))
    assert outcome.status == "graded", outcome.log[-2000:]
    reference = gradebook.cell_scores(graded_course, a, "reference")
    cells = gradebook.cell_scores(graded_course, a, bomb.name)
    lost = {gid for gid, (score, best) in cells.items() if score < best}
    # exactly the cells that any broken softmax_loss loses (they use it, directly or as oracle)
    uses_loss = set().union(*(s.fails for s in samples.load(a) if s.breaks == "softmax_loss"))
    assert lost == uses_loss
    assert set(cells) == set(reference)


def test_a_submission_past_its_time_limit_is_killed(graded_course):
    outcome = grade_one(graded_course, get("a1"), "reference", Limits(submission_timeout=2))
    assert outcome.status == "time limit" and outcome.score == (0.0, 13.0)


def test_check_tabulates_the_visible_tests(graded_course):
    a = get("a1")
    empty = run_checks(graded_course.release(a)).results
    visible = [r for r in empty if not r.hidden]
    assert visible and not any(r.passed for r in visible)
    assert all("not implemented yet" in r.message for r in visible)
    assert not any(str(graded_course.root) in r.message for r in visible)  # paths relative to the assignment
    assert {r.grade_id for r in empty if r.hidden} == {r.grade_id for r in empty if r.grade_id.endswith("_hidden")}
    reference = run_checks(graded_course.submitted("reference", a)).results
    assert [r.grade_id for r in reference] == [r.grade_id for r in empty]
    assert all(r.passed and r.points == r.max_points for r in reference if not r.hidden)
    assert "not implemented yet" in report(empty) and "hidden" in report(empty)


def test_check_gives_whole_messages_and_the_verdict_grading_gives(graded_course, tmp_path):
    a = get("a1")
    folder = tmp_path / "mine"
    shutil.copytree(graded_course.submitted("loss_overflows", a), folder)
    notebook = next(folder.glob("*.ipynb"))
    shutil.copy(notebook, folder / (notebook.stem + "-Copy1.ipynb"))
    path = folder / "needle_core" / "simple_ml.py"  # a harmless warning on stderr: not a failure
    anchor = '    with gzip.open(image_filename, "rb") as f:\n'
    path.write_text(path.read_text().replace(anchor, "    import warnings; warnings.warn('hi')\n" + anchor, 1))
    run = run_checks(folder)
    assert run.ignored == [notebook.stem + "-Copy1.ipynb"]
    by_id = {r.grade_id: r for r in run.results}
    assert by_id["test_parse_mnist_visible"].passed
    failed = by_id["test_softmax_loss_visible"]
    assert not failed.passed and "subtract each row's maximum before calling exp" in failed.message
    table = report(run)
    assert "subtract each row's maximum before calling exp" in " ".join(table.split())
    assert "Copy1" in table and "data sets" in table
    one = run_checks(notebook)  # a notebook's path works too
    assert [r.grade_id for r in one.results] == [r.grade_id for r in run.results] and one.ignored == []


@pytest.mark.parametrize("target", ["no/such/folder", "a9"])
def test_check_says_clearly_what_it_needs(graded_course, target):
    from grader.errors import GraderError

    with pytest.raises(GraderError, match="neither a folder, a notebook nor an assignment"):
        run_checks(target)


def test_carry_brings_a_students_own_earlier_code(graded_course, tmp_path):
    a1, a2 = get("a1"), get("a2")
    mine = tmp_path / "my_a1"
    shutil.copytree(graded_course.submitted("reference", a1), mine)
    path = mine / "needle_core" / "simple_ml.py"
    path.write_text(
        path.read_text().replace(
            "shift = Z.max(axis=1, keepdims=True)", "shift = Z.max(axis=1, keepdims=True)  # my own"
        )
    )
    new = tmp_path / "my_a2"
    shutil.copytree(graded_course.release(a1), new)  # stands in for an a2 release with a1 stripped
    result = carry(a2, mine, new)
    text = (new / "needle_core" / "simple_ml.py").read_text()
    assert result.changed and "# my own" in text
    assert result.left_behind == {}
    assert "softmax is not implemented yet" in text  # a2's own regions stay for the student


def test_a_release_fills_earlier_regions_unless_students_carry_their_own(graded_course, tmp_path):
    a2 = get("a2")
    default = (graded_course.release(a2) / "needle_core" / "simple_ml.py").read_text()
    assert "parse_mnist is not implemented yet" not in default  # a1: the reference
    assert "nn_epoch is not implemented yet" in default  # a2: the student's job
    autograd = (graded_course.release(a2) / "needle_core" / "autograd.py").read_text()
    assert "find_topo_sort is not implemented yet" in autograd

    course = Course(tmp_path / "course")
    release(course, a2, carry_forward=True)
    own = (course.release(a2) / "needle_core" / "simple_ml.py").read_text()
    assert "parse_mnist is not implemented yet" in own and "nn_epoch is not implemented yet" in own


@pytest.mark.parametrize("name", [a.name for a in available()])
def test_a_release_runs_top_to_bottom_failing_only_at_its_stubs(graded_course, name):
    a = get(name)
    errors = []
    for path in graded_course.autograded("empty", a).glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    errors.append((cell.metadata.get("nbgrader", {}).get("grade_id"), output.ename, output.evalue))
    assert errors, "the untouched release should fail at its stubs"
    unrelated = [e for e in errors if e[1] != "NotImplementedError" and "not implemented yet" not in e[2]]
    assert unrelated == [], unrelated
