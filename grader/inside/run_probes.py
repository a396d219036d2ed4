"""Run inside the sandbox: call the student's code on the trusted tests' inputs, save what comes back.

Usage: ``python -I run_probes.py OUT`` with a JSON object on standard input:
``{"source": <the probes module's text>, "ids": [grade ids, in order]}``. For each id, the
probe function of that name is called with a :class:`Context`; before it starts, ``OUT/<n>.start``
is created (the grader outside times each probe by it), after it ends ``OUT/<n>.json`` holds
``{"ok", "error", "json"}`` and ``OUT/<n>.npz`` its arrays. Nothing here decides whether a test
passed: the values are compared with the reference's outside, by the grader.

This file runs with the student's code beside it and imports nothing of the kit.
"""

import json
import math
import os
import sys
import tempfile
import traceback
from typing import Any
from pathlib import Path

import numpy as np

MAX_ERROR = 2000


class Context:
    """What a probe gets: where the data sets are and a private scratch folder."""

    def __init__(self, datasets: str) -> None:
        self.datasets = Path(datasets)
        self.tmp = Path(tempfile.mkdtemp(prefix="probe-"))

    def mnist(self, name: str = "mnist") -> dict[str, str]:
        folder = self.datasets / name
        return {
            "train_images": str(folder / "train-images-idx3-ubyte.gz"),
            "train_labels": str(folder / "train-labels-idx1-ubyte.gz"),
            "test_images": str(folder / "t10k-images-idx3-ubyte.gz"),
            "test_labels": str(folder / "t10k-labels-idx1-ubyte.gz"),
        }


def plain(value: Any, arrays: dict[str, Any], key: str) -> Any:
    """``value`` as JSON data; arrays go to ``arrays`` and are referenced by key."""
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else {"float": repr(number)}
    if isinstance(value, (list, tuple)):
        return [plain(v, arrays, f"{key}.{i}") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {str(k): plain(v, arrays, f"{key}.{k}") for k, v in value.items()}
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"{key}: {type(value).__name__} is not an array of numbers")
    arrays[key] = np.array(array, copy=True)
    return {"array": key}


def main(out: str) -> None:
    request = json.loads(sys.stdin.read())
    namespace: dict[str, Any] = {"__name__": "probes"}
    exec(compile(request["source"], "probes.py", "exec"), namespace)
    datasets = os.environ.get("PROBE_DATASETS", "/datasets")
    sys.path.insert(0, os.getcwd())
    for n, grade_id in enumerate(request["ids"]):
        Path(out, f"{n}.start").touch()
        arrays: dict[str, Any] = {}
        result: dict[str, Any] = {"ok": True, "error": None, "json": None}
        try:
            values = namespace[grade_id](Context(datasets))
            result["json"] = plain(values, arrays, "out")
        except BaseException as error:  # the student's code may raise anything, SystemExit too
            text = "".join(traceback.format_exception_only(type(error), error)).strip()
            result.update(ok=False, error=text[:MAX_ERROR], json=None)
            arrays = {}
        np.savez(Path(out, f"{n}.npz"), **arrays)
        Path(out, f"{n}.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
