"""Where the seconds of grading one a1 submission go, phase by phase.

    .venv/bin/python bench/bench_grading_overhead.py [--repeat 3]

Grades one copy of the a1 reference the way :func:`grader.grading.grade_submission` does, step
by step, timing each step; inside the sandbox the notebook runner and the probe runner are
started through small wrappers (written into the submission's scratch copy, for this
measurement only) that record when the interpreter started, when imports were done, when the
kernel was ready, each cell, each probe. Also runs the notebook once without grading (nbclient
directly, ``NBGRADER_EXECUTION=autograde``, no sandbox) for the notebook's own cell time, and
finally grades the submission with ``grade_submission`` itself. Prints Markdown tables; each
figure is the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from grader import grading, samples, trusted  # noqa: E402
from grader.assignments import get  # noqa: E402
from grader.autograde import _hidden_ids, make_job, record, reference_results  # noqa: E402
from grader.course import Course  # noqa: E402
from grader.grading import Limits  # noqa: E402
from grader.release import release  # noqa: E402
from grader.sandbox import MOUNT_SCRIPTS, MOUNT_SUBMISSION  # noqa: E402

# Wrappers run inside the sandbox in place of the runners (same arguments); they import the
# runner from /grader and record wall-clock times (time.time: one clock for every process).
NOTEBOOK_WRAPPER = r"""
import time
T = {"python_started": time.time()}
import json, os, sys
sys.path.insert(0, sys.argv.pop(1))
import run_notebook
T["runner_imported"] = time.time()
from nbclient import NotebookClient
cells = []
start_kernel = NotebookClient.start_new_kernel
def timed_start(self, **kw):
    T.setdefault("kernel_start_called", time.time())
    return start_kernel(self, **kw)
NotebookClient.start_new_kernel = timed_start
start_client = NotebookClient.start_new_kernel_client
def timed_client(self):
    out = start_client(self)
    T.setdefault("kernel_ready", time.time())
    return out
NotebookClient.start_new_kernel_client = timed_client
execute = run_notebook.CappedClient.execute_cell
def timed_execute(self, cell, index, **kw):
    t = time.time()
    try:
        return execute(self, cell, index, **kw)
    finally:
        cells.append([index, cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}", t, time.time()])
run_notebook.CappedClient.execute_cell = timed_execute
write = run_notebook.nbformat.write
def timed_write(nb, out):
    T["write_called"] = time.time()
    write(nb, out)
    T["written"] = time.time()
run_notebook.nbformat.write = timed_write
run_notebook.run(sys.argv[1], sys.argv[2], int(sys.argv[3]))
T["runner_done"] = time.time()
with open(sys.argv[2] + ".profile.json", "w") as f:
    json.dump({"t": T, "cells": cells}, f)
sys.stdout.flush()
os._exit(0)        # as run_notebook.py ends
"""

PROBES_WRAPPER = r"""
import time
T = {"python_started": time.time()}
import json, sys
sys.path.insert(0, sys.argv.pop(1))
import run_probes
T["runner_imported"] = time.time()
probes = []
context = run_probes.Context.__init__
def timed_context(self, datasets):
    probes.append([time.time(), None])
    context(self, datasets)
run_probes.Context.__init__ = timed_context
savez = run_probes.np.savez
def timed_savez(*a, **kw):
    probes[-1][1] = time.time()
    savez(*a, **kw)
run_probes.np.savez = timed_savez
run_probes.main(sys.argv[1])
T["runner_done"] = time.time()
with open(sys.argv[1] + "/../probes.profile.json", "w") as f:
    json.dump({"t": T, "probes": probes}, f)
"""


class Clock:
    """Named wall-clock spans of one run."""

    def __init__(self):
        self.spans: dict[str, float] = {}

    @contextmanager
    def span(self, name):
        start = time.time()
        try:
            yield
        finally:
            self.spans[name] = self.spans.get(name, 0.0) + time.time() - start

    def add(self, name, seconds):
        self.spans[name] = self.spans.get(name, 0.0) + seconds


def set_up(tmp: Path):
    a = get("a1")
    course = Course(tmp / "course")
    release(course, a)
    reference = samples.load(a)[0]
    samples.make_submission(course, a, reference)
    shutil.copytree(course.submitted("reference", a), course.submitted("student000", a))
    course.write_config()
    return course, a


def cell_time(job) -> tuple[float, dict[str, float], float]:
    """The notebook run once without grading: nbclient in-process, no sandbox, no restarts.

    Returns the sum of the cells' execution times, per cell, and the kernel's start-up."""
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        grading.build_scratch(job, scratch)
        name = next(job.source.glob("*.ipynb")).name
        nb = grading.prepare_notebook(job.submitted / name, job.source / name, job.release / name)
        env = {
            "NBGRADER_EXECUTION": "autograde",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0",
            "NEEDLE_DATASETS": str(job.datasets),
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        cwd = os.getcwd()
        os.chdir(scratch)
        try:
            client = NotebookClient(
                nb,
                timeout=300,
                allow_errors=True,
                kernel_name="python3",
                resources={"metadata": {"path": str(scratch)}},
            )
            per_cell = {}
            start = time.time()
            with client.setup_kernel():
                kernel = time.time() - start
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    t = time.time()
                    client.execute_cell(cell, index)
                    per_cell[cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"] = time.time() - t
                    errors = [o for o in cell.outputs if o.output_type == "error"]
                    assert not errors, (index, errors)
        finally:
            os.chdir(cwd)
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return sum(per_cell.values()), per_cell, kernel


def profile_once(course, a, job) -> tuple[Clock, dict]:
    """grade_submission's steps one by one, with the runners' own times from inside."""
    clock = Clock()
    detail: dict = {}
    begin = time.time()
    with tempfile.TemporaryDirectory(prefix="grade-profile-") as tmp:
        with clock.span("scratch copy + own cache + sandbox object"):
            sandbox, _ = grading.sandbox_for(job, Path(tmp))
        scratch = sandbox.work
        source_nb = next(job.source.glob("*.ipynb"))
        with clock.span("prepare the notebook (read, restore cells, write)"):
            nb = grading.prepare_notebook(job.submitted / source_nb.name, source_nb, job.release / source_nb.name)
            nbformat.write(nb, scratch / source_nb.name)
        (scratch / "_profile_notebook.py").write_text(NOTEBOOK_WRAPPER)
        out = sandbox.out / f"{source_nb.stem}.executed.ipynb"
        launched = time.time()
        proc = sandbox.popen(
            [
                sys.executable,
                "-I",
                sandbox.path(f"{MOUNT_SUBMISSION}/_profile_notebook.py"),
                sandbox.path(MOUNT_SCRIPTS),
                sandbox.path(f"{MOUNT_SUBMISSION}/{source_nb.name}"),
                sandbox.path(f"/out/{out.name}"),
                str(job.limits.cell_timeout),
            ],
            env={"NBGRADER_EXECUTION": "autograde"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        log, _ = proc.communicate()
        ended = time.time()
        inner = json.loads(Path(str(out) + ".profile.json").read_text())
        t, cells = inner["t"], inner["cells"]
        clock.add("notebook: sandbox + interpreter start", t["python_started"] - launched)
        clock.add("notebook: runner imports (nbformat, nbclient)", t["runner_imported"] - t["python_started"])
        clock.add("notebook: read notebook, client set-up", t["kernel_start_called"] - t["runner_imported"])
        clock.add("notebook: kernel start (until ready)", t["kernel_ready"] - t["kernel_start_called"])
        first_cell = min(c[2] for c in cells)
        clock.add("notebook: kernel ready to first cell", first_cell - t["kernel_ready"])
        cell_sum = sum(c[3] - c[2] for c in cells)
        clock.add("notebook: cells (as run by the runner)", cell_sum)
        last_cell = max(c[3] for c in cells)
        clock.add("notebook: between cells", (last_cell - first_cell) - cell_sum)
        clock.add("notebook: kernel shutdown", t["write_called"] - last_cell)
        clock.add("notebook: write executed notebook", t["written"] - t["write_called"])
        clock.add("notebook: runner exit, sandbox teardown", ended - t["runner_done"])
        detail["cells"] = {c[1]: c[3] - c[2] for c in cells}
        with clock.span("read executed notebook, stitch outputs"):
            executed = nbformat.read(out, as_version=4)
            grading._stitch(nb, executed)
        with clock.span("fresh scratch copy for the trusted tests"):
            shutil.rmtree(scratch)
            scratch.mkdir()
            grading.build_scratch(job, scratch)
        (scratch / "_profile_probes.py").write_text(PROBES_WRAPPER)
        real_path = sandbox.path

        def path(inside: str) -> str:
            if inside == f"{MOUNT_SCRIPTS}/run_probes.py":
                return f"{real_path(MOUNT_SUBMISSION + '/_profile_probes.py')} {real_path(MOUNT_SCRIPTS)}"
            return real_path(inside)

        popen = sandbox.popen

        def split_popen(argv, **kw):
            argv = [part for arg in argv for part in (arg.split(" ") if "_profile_probes" in arg else [arg])]
            return popen(argv, **kw)

        sandbox.path, sandbox.popen = path, split_popen
        seen = {}
        load = trusted._load

        def timed_load(folder, n):
            if "probes" not in seen:
                seen["probes"] = json.loads((folder.parent / "probes.profile.json").read_text())
                seen["read_start"] = time.time()
            return load(folder, n)

        trusted._load = timed_load
        launched = time.time()
        try:
            results = trusted.run(sandbox, job.probes, list(job.reference), job.limits.cell_timeout)
        finally:
            trusted._load = load
        finished = time.time()
        t, probes = seen["probes"]["t"], seen["probes"]["probes"]
        probe_sum = sum(p[1] - p[0] for p in probes)
        clock.add("probes: sandbox + interpreter start", t["python_started"] - launched)
        clock.add("probes: runner imports (numpy)", t["runner_imported"] - t["python_started"])
        clock.add("probes: read request, exec probes.py", probes[0][0] - t["runner_imported"])
        clock.add("probes: the probes themselves (incl. importing the student's module)", probe_sum)
        clock.add("probes: saving results, between probes", (t["runner_done"] - probes[0][0]) - probe_sum)
        clock.add(
            "probes: exit, sandbox teardown, outside noticing (50 ms poll)", seen["read_start"] - t["runner_done"]
        )
        clock.add("probes: reading results (outside)", finished - seen["read_start"])
        detail["probes"] = {grade_id: p[1] - p[0] for grade_id, p in zip(job.reference, probes)}
        with clock.span("judge the results"):
            cells = grading._cell_results(job, {source_nb.stem: nb}, results)
        graded = grading.Graded(
            job.assignment,
            job.student,
            "graded",
            time.time() - begin,
            {source_nb.stem: dict(nb)},
            cells,
            [],
            list(sandbox.missing),
            "",
        )
    clock.add("temporary folder removed", time.time() - begin - graded.seconds)
    assert graded.score == (13.0, 13.0), graded.describe()
    secret, hidden = grading.hidden_lines(job.source), _hidden_ids(job.source)
    with clock.span("record() (autograde.py: feedback notebook, gradebook)"):
        record(course, a, graded, secret, hidden)
    return clock, detail


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course, a = set_up(Path(tmp))
        limits = Limits(jobs=1)
        seed = grading.build_cache_seed(a.code, Path(tmp, "seed"))  # as autograde makes it, once per run
        reference = reference_results(course, a, limits, cache_seed=seed)
        job = make_job(course, a, "student000", limits, reference, cache_seed=seed)
        runs, cell_runs, whole = [], [], []
        for _ in range(args.repeat):
            cell_runs.append(cell_time(job))
            runs.append(profile_once(course, a, job))
            start = time.time()
            graded = grading.grade_submission(job)
            whole.append(time.time() - start)
            assert graded.score == (13.0, 13.0), graded.describe()
    med = statistics.median
    total_cells = med(r[0] for r in cell_runs)
    print(
        f"One copy of the a1 reference, median of {args.repeat} runs, load average "
        f"{os.getloadavg()[0]:.2f} at the end.\n"
    )
    print(
        f"The notebook's own cell time (nbclient, no sandbox, no grading): **{total_cells:.2f} s** "
        f"(kernel start apart: {med(r[2] for r in cell_runs):.2f} s)\n"
    )
    print("| phase | seconds |")
    print("|---|---|")
    names = list(runs[0][0].spans)
    steps = 0.0
    for name in names:
        value = med(r[0].spans[name] for r in runs)
        steps += value
        print(f"| {name} | {value:.3f} |")
    print(f"| **sum of the phases above** | **{steps:.2f}** |")
    grade = med(whole)
    print(f"| `grade_submission` itself (one call, timed whole) | {grade:.2f} |")
    print(
        f"| **overhead beyond the notebook's cell time** (`grade_submission` − cell time) | "
        f"**{grade - total_cells:.2f}** |"
    )
    print("\nPer cell (the runner in the sandbox, against nbclient alone) and per probe:\n")
    print("| cell | in grading | nbclient alone |")
    print("|---|---|---|")
    for name in runs[0][1]["cells"]:
        print(
            f"| {name} | {med(r[1]['cells'][name] for r in runs):.3f} s | {med(r[1][name] for r in cell_runs):.3f} s |"
        )
    print("\n| probe | seconds |")
    print("|---|---|")
    for name in runs[0][1]["probes"]:
        print(f"| {name} | {med(r[1]['probes'][name] for r in runs):.3f} |")


if __name__ == "__main__":
    main()
