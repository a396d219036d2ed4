"""needle_core.cuda: one interface, shaped like pycuda's, to run the kit's .cu kernels.

On a machine with an NVIDIA GPU and pycuda it is pycuda; everywhere else it is the CPU runner,
which compiles the same .cu file with g++ and runs it with CUDA's semantics (and checks).
Host code, notebooks and tests use only this module::

    from needle_core import cuda
    mod = cuda.load_kernels("elementwise")            # cuda_kernels/elementwise.cu
    add = mod.get_function("ewise_add")
    add(cuda.In(a), cuda.In(b), cuda.Out(out), np.int32(n),
        block=(256, 1, 1), grid=((n + 255) // 256, 1))

Device memory: ``buf = cuda.mem_alloc(nbytes)``, ``cuda.memcpy_htod(buf, array)``,
``cuda.memcpy_dtoh(array, buf)``; ``buf.ptr()`` is its address, and ``cuda.offset(buf, nbytes)``
passes the buffer from a byte offset on. ``backend()`` says which path is in use;
NEEDLE_CUDA_BACKEND=cpu|pycuda forces one. docs/cuda-runner.md explains the CPU runner.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from .errors import (  # noqa: F401
    BarrierDivergenceError,
    CompileMessage,
    CudaCompileError,
    CudaError,
    KernelLaunchError,
    OrderDependenceError,
    OutOfBoundsError,
    SanitizerError,
    SharedMemoryPoisonError,
)
from .nvcc import nvcc_check, nvcc_path  # noqa: F401

KERNEL_DIR = Path(__file__).resolve().parent.parent.parent / "cuda_kernels"


class _Wrapped:
    def __init__(self, array: np.ndarray) -> None:
        if not isinstance(array, np.ndarray):
            raise TypeError(f"{type(self).__name__} wraps a numpy array, got {type(array).__name__}")
        self.array = array


class In(_Wrapped):
    """A numpy array the kernel reads: copied to the device before the launch."""


class Out(_Wrapped):
    """A numpy array the kernel writes: copied back after the launch."""


class InOut(_Wrapped):
    """A numpy array the kernel reads and writes: copied there and back."""


@functools.cache
def _pycuda_available() -> bool:
    try:
        import pycuda.autoinit  # noqa: F401
        import pycuda.driver as drv

        return drv.Device.count() > 0
    except Exception:
        return False


def backend() -> str:
    """ "pycuda" when pycuda works and sees a GPU, else "cpu";
    NEEDLE_CUDA_BACKEND=cpu|pycuda decides instead."""
    forced = os.environ.get("NEEDLE_CUDA_BACKEND", "").strip().lower()
    if forced in ("cpu", "pycuda"):
        return forced
    if forced:
        raise CudaError(f"NEEDLE_CUDA_BACKEND must be 'cpu' or 'pycuda', not {forced!r}")
    return "pycuda" if _pycuda_available() else "cpu"


def _impl() -> ModuleType:
    if backend() == "pycuda":
        from . import gpu

        return gpu
    from . import cpu

    return cpu


def SourceModule(
    source: str, options: Sequence[str] | None = None, *, filename: str | None = None, **kwargs: Any
) -> Any:
    """Compile CUDA source; `filename` is the .cu file it came from (errors name it).

    The module is pycuda's on a GPU and the CPU runner's elsewhere; both have ``get_function``.
    """
    return _impl().SourceModule(source, options, filename=filename, **kwargs)


def mem_alloc(nbytes: int) -> Any:
    """Device memory of `nbytes` bytes; ``.ptr()`` is its address, usable as a kernel argument."""
    return _impl().mem_alloc(int(nbytes))


def memcpy_htod(dest: Any, array: np.ndarray) -> None:
    """Copy a numpy array into device memory (a buffer, or ``offset(buffer, nbytes)``)."""
    return _impl().memcpy_htod(dest, array)


def memcpy_dtoh(array: np.ndarray, src: Any) -> None:
    """Copy device memory (a buffer, or ``offset(buffer, nbytes)``) into a contiguous
    numpy array."""
    return _impl().memcpy_dtoh(array, src)


def offset(buffer: Any, nbytes: int) -> Any:
    """`buffer` from byte `nbytes` on, as a kernel argument or a memcpy end (an array's offset
    in elements times 4 for float32)."""
    return buffer.view(int(nbytes))


@functools.cache
def _load(path: str, mtime_ns: int, options: tuple[str, ...], which: str) -> Any:
    return SourceModule(
        Path(path).read_text(),
        list(options) or None,
        filename=_display_name(path),
        include_dirs=[str(Path(path).parent)],
    )


def _display_name(path: str) -> str:
    p = Path(path).resolve()
    try:
        return str(p.relative_to(KERNEL_DIR.parent))
    except ValueError:
        return str(p)


def load_kernels(name: str, options: Sequence[str] | None = None) -> Any:
    """The SourceModule of ``cuda_kernels/<name>.cu``, compiled once per process (and cached on
    disk by content); a path to any .cu file works too."""
    path = Path(name)
    if path.suffix != ".cu":
        path = KERNEL_DIR / f"{name}.cu"
    if not path.exists():
        raise FileNotFoundError(f"no kernel file {path}")
    return _load(str(path.resolve()), path.stat().st_mtime_ns, tuple(options or ()), backend())
