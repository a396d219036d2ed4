"""The pycuda path of needle_core.cuda: the same .cu source, compiled by nvcc through pycuda.

Only used where pycuda imports and finds a GPU (or NEEDLE_CUDA_BACKEND=pycuda). The kernel
files need nothing from the kit here: nvcc has CUDA's built-ins itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pycuda.autoinit  # noqa: F401  (creates the context on the first GPU)
import pycuda.driver as drv
from pycuda.compiler import SourceModule as _PycudaSourceModule

from . import source as src
from .errors import CudaCompileError, KernelLaunchError


class DeviceBuffer:
    """GPU memory from pycuda, with the CPU runner's interface (``ptr()``, ``view()``,
    ``nbytes``)."""

    def __init__(self, nbytes: int) -> None:
        self.nbytes = int(nbytes)
        self.allocation = drv.mem_alloc(max(self.nbytes, 1))

    def ptr(self) -> int:
        return int(self.allocation)

    def __int__(self) -> int:
        return int(self.allocation)

    def view(self, offset_bytes: int) -> BufferView:
        return BufferView(self, offset_bytes)

    def free(self) -> None:
        self.allocation.free()


class BufferView:
    def __init__(self, buffer: DeviceBuffer, offset_bytes: int) -> None:
        if not 0 <= offset_bytes <= buffer.nbytes:
            raise ValueError(f"offset {offset_bytes} is outside a buffer of {buffer.nbytes} bytes")
        self.buffer, self.offset = buffer, int(offset_bytes)

    def ptr(self) -> int:
        return self.buffer.ptr() + self.offset


def mem_alloc(nbytes: int) -> DeviceBuffer:
    return DeviceBuffer(nbytes)


def memcpy_htod(dest: DeviceBuffer | BufferView, array: np.ndarray) -> None:
    drv.memcpy_htod(int(dest.ptr()), np.ascontiguousarray(array))


def memcpy_dtoh(array: np.ndarray, src_buf: DeviceBuffer | BufferView) -> None:
    drv.memcpy_dtoh(array, int(src_buf.ptr()))


class SourceModule:
    def __init__(
        self,
        source: str,
        options: Sequence[str] | None = None,
        *,
        filename: str | None = None,
        include_dirs: Iterable[str | os.PathLike[str]] = (),
        sanitize: str | None = None,
    ) -> None:
        # (sanitize is a CPU-runner mode; on a GPU, compute-sanitizer is the tool)
        self.filename = filename or "<kernel source>"
        quoted = self.filename.replace("\\", "\\\\").replace('"', '\\"')
        try:
            # pycuda wraps the source in extern "C" { }; #line keeps nvcc's messages on our lines.
            self.module = _PycudaSourceModule(
                f'#line 1 "{quoted}"\n{source}',
                options=options,
                include_dirs=[str(d) for d in include_dirs],
            )
        except drv.CompileError as e:
            log = f"{getattr(e, 'stdout', '') or ''}\n{getattr(e, 'stderr', '') or ''}\n{e}"
            raise CudaCompileError(self.filename, src.parse_messages(log, self.filename), "nvcc", log) from None
        self.kernels = {k.name: k for k in src.find_kernels(source)}

    def get_function(self, name: str) -> Function:
        return Function(self.module.get_function(name), name, self.kernels.get(name))


class Function:
    """A pycuda function that also takes this module's device buffers and In/Out/InOut."""

    def __init__(self, fn: Any, name: str, kernel: src.Kernel | None) -> None:
        self.fn, self.name, self.kernel = fn, name, kernel

    def __call__(
        self,
        *args: Any,
        block: Sequence[int] = (1, 1, 1),
        grid: Sequence[int] = (1, 1),
        shared: int = 0,
        stream: Any = None,
        time_kernel: bool = False,
    ) -> Any:
        from . import In, InOut, Out

        converted = []
        for a in args:
            if isinstance(a, In):
                converted.append(drv.In(a.array))
            elif isinstance(a, Out):
                converted.append(drv.Out(a.array))
            elif isinstance(a, InOut):
                converted.append(drv.InOut(a.array))
            elif isinstance(a, (DeviceBuffer, BufferView)):
                converted.append(np.uintp(a.ptr()))
            elif isinstance(a, (np.number, np.ndarray)) or hasattr(a, "gpudata"):
                converted.append(a)
            elif isinstance(a, int) and not isinstance(a, bool):
                raise KernelLaunchError(f"{self.name}: pass numbers as numpy scalars (np.int32, np.float32), not int")
            else:
                converted.append(a)
        block = tuple(int(b) for b in block) + (1,) * (3 - len(block))
        grid = tuple(int(g) for g in grid)
        return self.fn(
            *converted,
            block=block,
            grid=grid,
            shared=int(shared),
            stream=stream,
            time_kernel=time_kernel,
        )
