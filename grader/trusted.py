"""Trusted scoring: whether a graded test passed is decided here, never in the student's process.

Each assignment has ``probes.py`` beside its notebook: one function per graded cell, named by
the cell's grade id, that calls the student's code on the test's inputs and returns what came
back (numbers, arrays, strings, nested lists and dicts of them). The probes run in the sandbox,
once on the submission and once on the reference solution; the values come back as plain data
(JSON, and ``.npz`` read without pickle), and :func:`judge` compares them here. The notebook's
own test cells still run, for the feedback; where their verdict differs from this one, the
instructor's report flags the cell.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from typing import Any
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ProbeError
from .sandbox import MOUNT_OUT, MOUNT_SCRIPTS, Sandbox, kill_group

MAX_RESULT_BYTES = 64 * 1024 * 1024
DEFAULT_TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}


@dataclass
class ProbeResult:
    ok: bool
    error: str | None = None
    values: object = None  # JSON data with arrays put back in place


@dataclass
class Verdict:
    passed: bool
    message: str = ""


def probes_file(folder: Path) -> Path:
    return Path(folder) / "probes.py"


def tolerances(source: str) -> dict[str, dict]:
    """The probes module's optional ``TOLERANCE = {grade_id: {"rtol": ..., "atol": ...}}``."""
    namespace: dict = {}
    exec(compile(source, "probes.py", "exec"), namespace)
    return namespace.get("TOLERANCE", {})


def _load(out: Path, n: int) -> ProbeResult | None:
    meta, arrays = out / f"{n}.json", out / f"{n}.npz"
    if not meta.is_file() or not arrays.is_file():
        return None
    if meta.stat().st_size + arrays.stat().st_size > MAX_RESULT_BYTES:
        return ProbeResult(False, f"the results were larger than {MAX_RESULT_BYTES >> 20} MiB")
    try:
        data = json.loads(meta.read_text())
        with np.load(arrays, allow_pickle=False) as stored:
            loaded = {key: stored[key] for key in stored.files}
        if not isinstance(data, dict):
            raise ValueError("not an object")
        values = _restore(data.get("json"), loaded)
        return ProbeResult(bool(data.get("ok")), _text(data.get("error")), values)
    except Exception as error:  # anything malformed is a failure of the submission, never a crash here
        return ProbeResult(False, f"unreadable results ({type(error).__name__})")


def _text(value: object) -> str | None:
    return None if value is None else str(value)[:2000]


def _restore(value: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    if isinstance(value, list):
        return [_restore(v, arrays) for v in value]
    if isinstance(value, dict):
        if set(value) == {"array"}:
            return arrays[value["array"]]
        if set(value) == {"float"}:
            return float(value["float"])
        return {k: _restore(v, arrays) for k, v in value.items()}
    return value


def run(
    sandbox: Sandbox, source: str, grade_ids: list[str], probe_timeout: float, deadline: float | None = None
) -> dict[str, ProbeResult]:
    """Run the probes ``grade_ids`` in ``sandbox``; a crash or a hang costs only its own probe."""
    results: dict[str, ProbeResult] = {}
    remaining = list(grade_ids)
    while remaining:
        out = Path(tempfile.mkdtemp(dir=sandbox.out))
        out.chmod(0o777)
        inside_out = f"{MOUNT_OUT}/{out.name}"
        proc = sandbox.popen(
            [sys.executable, "-I", sandbox.path(f"{MOUNT_SCRIPTS}/run_probes.py"), sandbox.path(inside_out)],
            env={"PROBE_DATASETS": sandbox.path("/datasets")},
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        reason = _watch(proc, json.dumps({"source": source, "ids": remaining}), out, probe_timeout, deadline)
        done = 0
        for n, grade_id in enumerate(remaining):
            result = _load(out, n)
            if result is None:
                break
            results[grade_id] = result
            done = n + 1
        shutil.rmtree(out, ignore_errors=True)
        if done < len(remaining):
            if reason is None:
                reason = f"the process running it ended (exit code {proc.returncode})"
            results[remaining[done]] = ProbeResult(False, f"this test did not finish: {reason}")
            if reason.startswith("the submission ran past"):
                for grade_id in remaining[done + 1 :]:
                    results[grade_id] = ProbeResult(False, f"not run: {reason}")
                break
        remaining = remaining[done + 1 :]
    return results


def _watch(proc: subprocess.Popen, request: str, out: Path, probe_timeout: float, deadline: float | None) -> str | None:
    """Feed the request, then wait; kill the sandbox when a probe or the submission runs too long."""
    stdin = proc.stdin
    assert stdin is not None, "the probe runner is started with stdin=PIPE"
    try:
        stdin.write(request.encode())
        stdin.close()
    except BrokenPipeError:
        pass
    current, started = -1, time.monotonic()
    while True:
        try:
            proc.wait(timeout=0.05)
            if proc.stderr is not None:
                proc.stderr.close()
            return None
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        n = current + 1
        while (out / f"{n}.start").exists():
            current, started, n = n, now, n + 1
        if deadline is not None and now > deadline:
            kill_group(proc)
            proc.wait()
            return "the submission ran past its time limit"
        if now - started > probe_timeout:
            kill_group(proc)
            proc.wait()
            return f"it ran past the time limit ({probe_timeout:g} s)"


def judge(student: ProbeResult, reference: ProbeResult, tolerance: dict | None = None) -> Verdict:
    """Does the student's result match the reference's? Compared value by value, NaN never passes."""
    if not reference.ok:
        raise ProbeError(f"the reference failed its own trusted test: {reference.error}")
    if not student.ok:
        return Verdict(False, student.error or "failed")
    problems = _compare(student.values, reference.values, "result", {**DEFAULT_TOLERANCE, **(tolerance or {})})
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return Verdict(False, "; ".join(problems[:3]) + more)
    return Verdict(True)


def _compare(got: Any, want: Any, where: str, tol: dict) -> list[str]:
    if isinstance(want, np.ndarray):
        return _compare_arrays(got, want, where, tol)
    if isinstance(want, bool) or want is None or isinstance(want, str):
        return [] if type(got) is type(want) and got == want else [f"{where}: expected {want!r}, got {_short(got)}"]
    if isinstance(want, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return [f"{where}: expected a number, got {_short(got)}"]
        if isinstance(want, int) and isinstance(got, int):
            return [] if got == want else [f"{where}: expected {want}, got {got}"]
        return _compare_arrays(np.asarray(got, dtype=float), np.asarray(want, dtype=float), where, tol)
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{where}: expected {len(want)} values, got {_short(got)}"]
        return [p for i, (g, w) in enumerate(zip(got, want)) for p in _compare(g, w, f"{where}[{i}]", tol)]
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            return [f"{where}: expected the values {sorted(want)}, got {_short(got)}"]
        return [
            p
            for key in want
            for p in _compare(got[key], want[key], key if where == "result" else f"{where}.{key}", tol)
        ]
    return [f"{where}: cannot compare {type(want).__name__}"]


def _compare_arrays(got: Any, want: np.ndarray, where: str, tol: dict) -> list[str]:
    if not isinstance(got, np.ndarray):
        if isinstance(got, (int, float)) and not isinstance(got, bool):
            got = np.asarray(got)
        else:
            return [f"{where}: expected an array of shape {want.shape}, got {_short(got)}"]
    if got.shape != want.shape:
        return [f"{where}: expected shape {want.shape}, got {got.shape}"]
    if want.dtype.kind in "biu" or want.dtype.kind == "U":
        if got.dtype.kind != want.dtype.kind and not (want.dtype.kind in "iu" and got.dtype.kind in "iu"):
            return [f"{where}: expected {want.dtype.kind}-kind values, got {got.dtype}"]
        return [] if np.array_equal(got, want) else [f"{where}: values differ from the expected ones"]
    if got.dtype.kind not in "biuf":
        return [f"{where}: expected numbers, got {got.dtype}"]
    got64, want64 = got.astype(np.float64), want.astype(np.float64)
    close = np.isclose(got64, want64, rtol=tol["rtol"], atol=tol["atol"], equal_nan=False)
    close |= np.isnan(want64) & np.isnan(got64)  # NaN only where the reference has NaN
    if close.all():
        return []
    worst = np.unravel_index(np.argmax(~close), close.shape) if close.ndim else ()
    return [
        f"{where}: {int((~close).sum())} of {close.size} values differ "
        f"(e.g. at {tuple(int(i) for i in worst)}: expected {_num(want64[worst])}, got {_num(got64[worst])})"
    ]


def _num(x: float) -> str:
    x = float(x)
    return repr(x) if not math.isfinite(x) else f"{x:.6g}"


def _short(value: object) -> str:
    text = repr(value) if not isinstance(value, np.ndarray) else f"array of shape {value.shape}"
    return text if len(text) < 60 else text[:57] + "..."
