"""Grading on a Dask cluster, and runs that survive interruption: nothing lost, nothing graded twice."""

import json
import os
import re
import shutil
import signal
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import grader.cluster
from grader import gradebook, samples
from grader.assignments import get
from grader.autograde import autograde
from grader.cli import main
from grader.cluster import DaskCluster, pack_submission, where_to_grade
from grader.course import Course
from grader.errors import GraderError
from grader.ledger import Ledger
from grader.release import build_source, release

from conftest import TEST_LIMITS

HOSTILE = samples.load_file(Path(__file__).parent / "hostile" / "a1.toml")
DEMO = ["reference", "empty", "loss_sums_instead_of_mean", "epoch_divides_by_batch"]
HANDED_IN_NOTHING = ["notebook_only", "symlink_to_the_reference"]  # every cell scores 0
NOTEBOOK_UNREADABLE = "broken_notebook_json"  # right code: full marks


def a1_course(root: Path, names: list[str]) -> Course:
    a = get("a1")
    course = Course(root)
    release(course, a)
    by_name = {s.name: s for s in [*samples.load(a), *HOSTILE]}
    for name in names:
        samples.make_submission(course, a, by_name[name])
    return course


def run_lines(course: Course, run: str | None = None) -> list[dict]:
    entries = Ledger(course, get("a1")).entries()
    return [e for e in entries if "student" in e and (run is None or e["run"] == run)]


class KillAWorkerMidRun(DaskCluster):
    """A LocalCluster whose busy worker is killed (SIGKILL) once the first result is back."""

    killed_while_busy: list = []

    def grade(self, jobs):
        for i, result in enumerate(super().grade(jobs)):
            if i == 0:
                busy = [w for w, keys in self.client.processing().items() if keys]
                pid = self.client.run(os.getpid, workers=busy[:1])[busy[0]]
                self.killed_while_busy = self.client.processing()[busy[0]]
                os.kill(pid, signal.SIGKILL)
            yield result


@pytest.mark.slow
def test_a_local_cluster_grades_as_the_local_runner_even_when_a_worker_dies(graded_course, tmp_path):
    a = get("a1")
    names = [*DEMO, *HANDED_IN_NOTHING, NOTEBOOK_UNREADABLE]
    course = a1_course(tmp_path / "course", names)
    cluster = KillAWorkerMidRun(local_workers=2)
    try:
        graded = autograde(course, a, limits=TEST_LIMITS, show_progress=False, where=cluster)
    finally:
        cluster.close()
    assert cluster.killed_while_busy, "the killed worker was grading a submission"
    assert sorted(g.student for g in graded) == sorted(names)
    assert sorted(e["student"] for e in run_lines(course)) == sorted(names)  # each recorded once
    for name in DEMO:  # the same cell scores as the local runner's
        assert gradebook.cell_scores(course, a, name) == gradebook.cell_scores(graded_course, a, name), name
    by_student = {g.student: g for g in graded}
    for name in HANDED_IN_NOTHING:
        assert by_student[name].score[0] == 0, name
    assert by_student[NOTEBOOK_UNREADABLE].score[0] == by_student[NOTEBOOK_UNREADABLE].score[1]
    report = json.loads((course.root / "reports" / f"{a.name}.json").read_text())
    assert report["run"]["graded"] == len(names) and report["run"]["crashed"] == 0
    assert "local Dask cluster" in report["where"]


@pytest.mark.slow
def test_an_interrupted_run_resumes_and_changed_only_regrades_what_changed(tmp_path, monkeypatch):
    a = get("a1")
    names = ["reference", "empty", "loss_sums_instead_of_mean"]
    course = a1_course(tmp_path / "course", names)
    graded_here = []
    real_grade = grader.cluster.grade_submission
    monkeypatch.setattr(
        grader.cluster, "grade_submission", lambda job: graded_here.append(job.student) or real_grade(job)
    )
    real_record, recorded = grader.autograde.record, []

    def record_then_interrupt(*args):
        if recorded:
            raise KeyboardInterrupt  # Ctrl-C while the second result is being written
        real_record(*args)
        recorded.append(args[2].student)

    monkeypatch.setattr(grader.autograde, "record", record_then_interrupt)
    limits = replace(TEST_LIMITS, jobs=1)
    with pytest.raises(KeyboardInterrupt):
        autograde(course, a, limits=limits, show_progress=False)
    assert [e["student"] for e in run_lines(course)] == recorded and len(recorded) == 1

    monkeypatch.setattr(grader.autograde, "record", real_record)
    graded_here.clear()
    resumed = autograde(course, a, limits=limits, show_progress=False)
    assert set(graded_here) == set(names) - set(recorded)  # what was recorded is not redone
    assert sorted(g.student for g in resumed) == sorted(set(names) - set(recorded))
    report = json.loads((course.root / "reports" / f"{a.name}.json").read_text())
    assert sorted(s["student"] for s in report["submissions"]) == sorted(names)
    assert report["run"]["resumed"] == 1
    assert {e["run"] for e in run_lines(course)} == {run_lines(course)[0]["run"]}  # one run, finished

    graded_here.clear()
    assert autograde(course, a, limits=limits, show_progress=False, changed_only=True) == []
    assert graded_here == []
    late = course.submitted("empty", a) / "needle_core" / "simple_ml.py"
    late.write_text(late.read_text() + "\n# handed in again after the deadline\n")
    again = autograde(course, a, limits=limits, show_progress=False, changed_only=True)
    assert graded_here == ["empty"] and [g.student for g in again] == ["empty"]
    report = json.loads((course.root / "reports" / f"{a.name}.json").read_text())
    assert report["run"]["graded"] == 1 and report["run"]["unchanged"] == 2
    assert sorted(s["student"] for s in report["submissions"]) == sorted(names)  # the others as last graded
    graded_here.clear()
    autograde(course, a, limits=limits, show_progress=False)  # a finished run is not resumed
    assert sorted(graded_here) == sorted(names)


def test_a_task_carries_only_the_files_grading_reads(tmp_path):
    a = get("a1")
    course = Course(tmp_path / "course")
    # Packing reads file names and kinds, not contents: a copy of the source (no nbgrader
    # release, which takes seconds) has the release's files.
    folder = course.submitted("reference", a)
    shutil.copytree(build_source(course, a), folder)
    (folder / "notes.txt").write_text("not graded")
    (folder / "needle_core" / "simple_ml.py").unlink()
    (folder / "needle_core" / "simple_ml.py").symlink_to("/etc/passwd")
    from grader.autograde import make_job

    job = make_job(course, a, "reference", TEST_LIMITS, reference={})
    files = pack_submission(job)
    assert set(files) == {p.name for p in course.source(a).glob("*.ipynb")}  # no link, no extra file


def test_the_cluster_options_say_what_is_wrong(capsys):
    with pytest.raises(GraderError, match="either --scheduler"):
        where_to_grade("tcp://127.0.0.1:8786", "local", 2)
    with pytest.raises(GraderError, match="only 'local'"):
        where_to_grade(None, "slurm", 2)
    with pytest.raises(GraderError, match="no Dask scheduler answered at tcp://127.0.0.1:9"):
        DaskCluster("tcp://127.0.0.1:9", connect_timeout="1s")
    assert main(["autograde", "a1", "--scheduler", "tcp://127.0.0.1:9", "--cluster", "local"]) == 2
    assert "either --scheduler" in capsys.readouterr().err


@pytest.mark.slow
def test_the_command_line_grades_on_a_local_cluster_and_skips_what_did_not_change(tmp_path, capsys):
    course = a1_course(tmp_path / "course", ["reference"])
    command = ["--course", str(course.root), "autograde", "a1", "--cell-timeout", "15", "--jobs", "1"]
    assert main([*command, "--cluster", "local"]) == 0
    out = capsys.readouterr().out
    assert "local Dask cluster" in out and "graded" in out
    assert gradebook.submission_score(course, get("a1"), "reference") == (13.0, 13.0)
    assert main([*command, "--changed-only"]) == 0
    out = capsys.readouterr().out
    assert "skipping 1 unchanged since graded; grading 0" in out
    assert re.search(r"skipped: unchanged since graded +1\n", out)


def test_without_dask_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(GraderError, match=r"pip install -e '\.\[cluster\]'"):
        DaskCluster(local_workers=1)
