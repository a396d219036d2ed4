"""The ``cuda()`` backend: host code that launches the kernels of ``cuda_kernels/*.cu``.

Every function here has the signature the other backends share; it picks a grid and a
block, turns Python values into the kernel's argument types (``np.int32``, ``np.float32``,
device buffers, shape and strides as small ``int`` arrays) and launches one kernel through
``needle_core.cuda``: pycuda on an NVIDIA GPU, the CPU runner everywhere else. The kernels
are yours to write in a4; this file is given.

Conventions the kernels rely on:
- buffers hold float32; a strided view is passed as the start of its buffer plus
  ``offset``, ``shape`` and ``strides`` (in elements, ``const int*`` of length ``ndim``);
- element-wise kernels see compact arrays and use one thread per element,
  ``i = blockIdx.x * blockDim.x + threadIdx.x`` (guard ``i < n``);
- reductions use one block per output row, ``blockDim.x`` a power of two from 32 to 256
  (so it may exceed the row length) and ``blockDim.x`` floats of dynamic shared memory;
- matmul uses 16×16 blocks, x along the columns of the output and y along its rows.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from needle_core import cuda as nc

__all__ = [
    "Array",
    "to_numpy",
    "from_numpy",
    "fill",
    "compact",
    "ewise_setitem",
    "scalar_setitem",
    "ewise_add",
    "scalar_add",
    "ewise_mul",
    "scalar_mul",
    "ewise_div",
    "scalar_div",
    "ewise_power",
    "scalar_power",
    "ewise_maximum",
    "scalar_maximum",
    "ewise_eq",
    "scalar_eq",
    "ewise_ge",
    "scalar_ge",
    "ewise_log",
    "ewise_exp",
    "ewise_tanh",
    "ewise_sin",
    "ewise_cos",
    "matmul",
    "reduce_sum",
    "reduce_max",
    "enabled",
    "why_disabled",
    "backend_name",
    "KERNEL_DIR",
]

# the .cu files; NEEDLE_CUDA_KERNELS=<folder> runs the kernels of another copy (yours, elsewhere)
KERNEL_DIR = Path(os.environ.get("NEEDLE_CUDA_KERNELS") or Path(__file__).resolve().parents[2] / "cuda_kernels")
THREADS = 256  # threads per block of element-wise and compact launches
REDUCE_THREADS = 256  # at most this many threads per reduction block (a power of two)
TILE = 16  # the matmul block is TILE × TILE
# The matmul kernel: "matmul_tiled" or "matmul_naive"; None picks by path: tiled on a GPU, naive
# on the CPU runner, where every __syncthreads() is a switch between fibers and the naive kernel
# trains the a3 network 4–7× faster (bench/bench_devices.py, docs/benchmarks.md).
MATMUL = None
KERNEL_FILES = ("compact.cu", "elementwise.cu", "reduce.cu", "matmul.cu")

# sin and cos are not part of a4; the kit provides them so that every a3 op runs on cuda().
_KIT_SOURCE = r"""
__global__ void kit_ewise_sin(const float* a, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = sinf(a[i]);
}
__global__ void kit_ewise_cos(const float* a, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = cosf(a[i]);
}
"""

_functions: dict[Any, Any] = {}  # (file, kernel) → (module, function); the kit's kernels by name


def backend_name() -> str:
    """ "pycuda" on an NVIDIA GPU, "cpu" on the CPU runner."""
    return nc.backend()


_enabled = False  # once true, it stays true (enabled() is asked at every Tensor creation)


def why_disabled() -> str:
    """Why the kernels cannot run here ("" when they can)."""
    try:
        backend = nc.backend()
    except Exception as err:  # the CUDA layer is missing or cannot start
        return f"needle_core.cuda cannot start ({type(err).__name__}: {err})"
    missing = [f for f in KERNEL_FILES if not (KERNEL_DIR / f).is_file()]
    if missing:
        return f"kernel files missing in {KERNEL_DIR}: {', '.join(missing)}"
    if backend != "pycuda" and shutil.which("g++") is None:
        return "no GPU, and no g++ for the CPU runner"
    return ""


def enabled() -> bool:
    """Whether the kernels can run here: a GPU through pycuda, or the CPU runner (needs g++)."""
    global _enabled
    if not _enabled:
        _enabled = not why_disabled()
    return _enabled


def _kernel(filename: str, name: str) -> Any:
    """The kernel ``name`` of ``cuda_kernels/<filename>``.

    ``nc.load_kernels`` compiles a file once per process and again only when it changes,
    so an edited kernel is picked up at its next launch.
    """
    if filename == "<kit>":
        if name not in _functions:
            module = nc.SourceModule(_KIT_SOURCE, filename="needle_kit_kernels.cu")
            _functions[name] = module.get_function(name)
        return _functions[name]
    module = nc.load_kernels(str(KERNEL_DIR / filename))
    cached = _functions.get((filename, name))
    if cached is None or cached[0] is not module:
        cached = _functions[(filename, name)] = (module, module.get_function(name))
    return cached[1]


def _grid(n: int, threads: int = THREADS) -> tuple[int, int]:
    return ((n + threads - 1) // threads, 1)


class Array:
    """A device buffer of ``size`` float32 values."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.buf = nc.mem_alloc(max(size, 1) * 4)

    def ptr(self) -> int:
        """The buffer's device address: views of one array share it."""
        return int(self.buf.ptr())


def to_numpy(a: Array, shape: Sequence[int], strides: Sequence[int], offset: int) -> np.ndarray:
    host = np.empty(a.size, dtype=np.float32)
    if a.size:
        nc.memcpy_dtoh(host, a.buf)
    view = np.lib.stride_tricks.as_strided(host[offset:], shape=tuple(shape), strides=tuple(s * 4 for s in strides))
    return view.copy()


def from_numpy(a: np.ndarray, out: Array) -> None:
    data = np.ascontiguousarray(a, dtype=np.float32).ravel()
    if data.size:
        nc.memcpy_htod(out.buf, data)


def fill(out: Array, val: float) -> None:
    if out.size:
        scalar_setitem(out.size, val, out, (out.size,), (1,), 0)


def _layout(shape: Sequence[int], strides: Sequence[int]) -> tuple[Any, Any, np.int32]:
    """shape and strides as the kernels' ``const int*`` arguments (a 0-d array as one element)."""
    if len(shape) == 0:
        shape, strides = (1,), (1,)
    return (nc.In(np.asarray(shape, dtype=np.int32)), nc.In(np.asarray(strides, dtype=np.int32)), np.int32(len(shape)))


def compact(a: Array, out: Array, shape: Sequence[int], strides: Sequence[int], offset: int) -> None:
    """out (compact) ← the strided view (shape, strides, offset) of a."""
    size = int(np.prod(shape, dtype=np.int64))
    if size == 0:
        return
    shape_arg, strides_arg, ndim = _layout(shape, strides)
    _kernel("compact.cu", "compact_kernel")(
        a.buf,
        out.buf,
        np.int32(size),
        shape_arg,
        strides_arg,
        ndim,
        np.int32(offset),
        block=(THREADS, 1, 1),
        grid=_grid(size),
    )


def ewise_setitem(a: Array, out: Array, shape: Sequence[int], strides: Sequence[int], offset: int) -> None:
    """The strided view (shape, strides, offset) of out ← a (compact)."""
    size = int(np.prod(shape, dtype=np.int64))
    if size == 0:
        return
    shape_arg, strides_arg, ndim = _layout(shape, strides)
    _kernel("compact.cu", "ewise_setitem_kernel")(
        a.buf,
        out.buf,
        np.int32(size),
        shape_arg,
        strides_arg,
        ndim,
        np.int32(offset),
        block=(THREADS, 1, 1),
        grid=_grid(size),
    )


def scalar_setitem(
    size: int, val: float, out: Array, shape: Sequence[int], strides: Sequence[int], offset: int
) -> None:
    """Every entry of the strided view (shape, strides, offset) of out ← val."""
    if size == 0:
        return
    shape_arg, strides_arg, ndim = _layout(shape, strides)
    _kernel("compact.cu", "scalar_setitem_kernel")(
        np.float32(val),
        out.buf,
        np.int32(size),
        shape_arg,
        strides_arg,
        ndim,
        np.int32(offset),
        block=(THREADS, 1, 1),
        grid=_grid(size),
    )


def _ewise(name: str) -> Callable[[Array, Array, Array], None]:
    def launch(a: Array, b: Array, out: Array) -> None:
        n = out.size
        if n:
            _kernel("elementwise.cu", name)(a.buf, b.buf, out.buf, np.int32(n), block=(THREADS, 1, 1), grid=_grid(n))

    launch.__name__ = name
    launch.__doc__ = f"out ← {name}(a, b), element by element (compact buffers)."
    return launch


def _scalar(name: str) -> Callable[[Array, float, Array], None]:
    def launch(a: Array, val: float, out: Array) -> None:
        n = out.size
        if n:
            _kernel("elementwise.cu", name)(
                a.buf, np.float32(val), out.buf, np.int32(n), block=(THREADS, 1, 1), grid=_grid(n)
            )

    launch.__name__ = name
    launch.__doc__ = f"out ← {name}(a, val), element by element (a compact buffer)."
    return launch


def _unary(filename: str, name: str) -> Callable[[Array, Array], None]:
    def launch(a: Array, out: Array) -> None:
        n = out.size
        if n:
            _kernel(filename, name)(a.buf, out.buf, np.int32(n), block=(THREADS, 1, 1), grid=_grid(n))

    launch.__name__ = name
    launch.__doc__ = f"out ← {name}(a), element by element (a compact buffer)."
    return launch


ewise_add, ewise_mul, ewise_div, ewise_power, ewise_maximum, ewise_eq, ewise_ge = (
    _ewise("ewise_" + op) for op in ("add", "mul", "div", "power", "maximum", "eq", "ge")
)
scalar_add, scalar_mul, scalar_div, scalar_power, scalar_maximum, scalar_eq, scalar_ge = (
    _scalar("scalar_" + op) for op in ("add", "mul", "div", "power", "maximum", "eq", "ge")
)
ewise_log, ewise_exp, ewise_tanh = (_unary("elementwise.cu", "ewise_" + op) for op in ("log", "exp", "tanh"))
ewise_sin = _unary("<kit>", "kit_ewise_sin")
ewise_cos = _unary("<kit>", "kit_ewise_cos")


def matmul(a: Array, b: Array, out: Array, m: int, n: int, p: int) -> None:
    """out (m×p) ← a (m×n) @ b (n×p), all compact: one thread per output entry."""
    name = MATMUL or ("matmul_tiled" if nc.backend() == "pycuda" else "matmul_naive")
    _kernel("matmul.cu", name)(
        a.buf,
        b.buf,
        out.buf,
        np.int32(m),
        np.int32(n),
        np.int32(p),
        block=(TILE, TILE, 1),
        grid=((p + TILE - 1) // TILE, (m + TILE - 1) // TILE),
    )


def _reduce(name: str, a: Array, out: Array, reduce_size: int) -> None:
    outer = out.size
    if outer == 0:
        return
    threads = 32  # at least a warp: a smaller block would leave most of its warp idle
    while threads < min(reduce_size, REDUCE_THREADS):
        threads *= 2
    _kernel("reduce.cu", name)(
        a.buf,
        out.buf,
        np.int32(outer),
        np.int32(reduce_size),
        block=(threads, 1, 1),
        grid=(outer, 1),
        shared=threads * 4,
    )


def reduce_sum(a: Array, out: Array, reduce_size: int) -> None:
    """out[i] ← the sum of row i of a compact (outer × reduce_size) buffer."""
    _reduce("reduce_sum", a, out, reduce_size)


def reduce_max(a: Array, out: Array, reduce_size: int) -> None:
    """out[i] ← the maximum of row i of a compact (outer × reduce_size) buffer."""
    _reduce("reduce_max", a, out, reduce_size)
