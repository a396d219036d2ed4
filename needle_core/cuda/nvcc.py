"""Where nvcc is installed, compile kernel files for real GPUs as a check (no GPU needed).

The CPU runner compiles with g++, which accepts some code nvcc refuses; compiling each file
for sm_80 (A100) and sm_90 (H100) catches that before a student meets it on a GPU. Errors
come in the same ``file:line: error: message`` form as the runner's. Files that compiled
are remembered by content, so a second check is free.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import source as src
from .errors import CudaCompileError

ARCHS = ("sm_80", "sm_90")


def nvcc_path() -> str | None:
    """nvcc on PATH (or $CUDA_HOME/bin/nvcc), else None."""
    found = shutil.which("nvcc")
    if found:
        return found
    home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH")
    if home and os.access(os.path.join(home, "bin", "nvcc"), os.X_OK):
        return os.path.join(home, "bin", "nvcc")
    return None


def nvcc_check(
    path: str | os.PathLike[str] | None,
    archs: Sequence[str] = ARCHS,
    *,
    filename: str | None = None,
    source: str | None = None,
) -> list[str]:
    """Compile `path` (or `source`, reported as `filename`) to a cubin for each arch.
    Returns the archs checked; raises CudaCompileError with nvcc's errors, normalized."""
    from .cpu import cache_dir

    nvcc = nvcc_path()
    if nvcc is None:
        raise FileNotFoundError("nvcc is not installed (it comes with the CUDA toolkit)")
    path = Path(path) if path is not None else None
    if source is not None:
        text = source
    elif path is not None:
        text = path.read_text()
    else:
        raise TypeError("nvcc_check: give the path of a kernel file or its source")
    name = filename or (str(path) if path is not None else "<kernel source>")
    version = subprocess.run([nvcc, "--version"], capture_output=True, text=True).stdout
    key = hashlib.sha256("\0".join([text, name, version, *archs]).encode()).hexdigest()[:24]
    marker = cache_dir() / f"nvcc-ok-{key}"
    if marker.exists():
        return list(archs)
    include = str(path.resolve().parent) if path is not None else os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        cu = Path(tmp) / "kernel.cu"
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        cu.write_text(f'#line 1 "{quoted}"\n{text}')

        def compile_for(arch: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [
                    nvcc,
                    f"-arch={arch}",
                    "-cubin",
                    "-I",
                    include,
                    str(cu),
                    "-o",
                    str(Path(tmp) / f"{arch}.cubin"),
                ],
                capture_output=True,
                text=True,
            )

        with ThreadPoolExecutor(len(archs)) as pool:
            results = list(pool.map(compile_for, archs))
    for arch, proc in zip(archs, results):
        if proc.returncode != 0:
            log = proc.stdout + proc.stderr
            raise CudaCompileError(name, src.parse_messages(log, name), f"nvcc -arch={arch}", log)
    marker.touch()
    return list(archs)
