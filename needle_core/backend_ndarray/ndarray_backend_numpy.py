"""The ``cpu_numpy()`` backend: each flat-buffer function written with numpy's own strided views.

The simplest backend, and the reference the others are tested against. A buffer is a
1-D float32 numpy array; strided access goes through ``numpy.lib.stride_tricks.as_strided``.
Every function has the signature all backends share (see ``ndarray.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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
]

_ITEM = 4  # bytes per float32


class Array:
    """A flat buffer of ``size`` float32 values."""

    def __init__(self, size: int) -> None:
        self.array = np.empty(size, dtype=np.float32)

    @property
    def size(self) -> int:
        return self.array.size

    def ptr(self) -> int:
        """The buffer's address: views of one array share it."""
        return self.array.ctypes.data


def _view(a: Array, shape: Sequence[int], strides: Sequence[int], offset: int) -> np.ndarray:
    return np.lib.stride_tricks.as_strided(
        a.array[offset:], shape=tuple(shape), strides=tuple(s * _ITEM for s in strides)
    )


def to_numpy(a: Array, shape: Sequence[int], strides: Sequence[int], offset: int) -> np.ndarray:
    return _view(a, shape, strides, offset).copy()


def from_numpy(a: np.ndarray, out: Array) -> None:
    out.array[:] = np.asarray(a, dtype=np.float32).ravel()


def fill(out: Array, val: float) -> None:
    out.array.fill(val)


def compact(a: Array, out: Array, shape: Sequence[int], strides: Sequence[int], offset: int) -> None:
    out.array[:] = _view(a, shape, strides, offset).ravel()


def ewise_setitem(a: Array, out: Array, shape: Sequence[int], strides: Sequence[int], offset: int) -> None:
    _view(out, shape, strides, offset)[...] = a.array[: out_size(shape)].reshape(shape)


def scalar_setitem(
    size: int, val: float, out: Array, shape: Sequence[int], strides: Sequence[int], offset: int
) -> None:
    _view(out, shape, strides, offset)[...] = val


def out_size(shape: Sequence[int]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def ewise_add(a: Array, b: Array, out: Array) -> None:
    out.array[:] = a.array + b.array


def scalar_add(a: Array, val: float, out: Array) -> None:
    out.array[:] = a.array + val


def ewise_mul(a: Array, b: Array, out: Array) -> None:
    out.array[:] = a.array * b.array


def scalar_mul(a: Array, val: float, out: Array) -> None:
    out.array[:] = a.array * val


def ewise_div(a: Array, b: Array, out: Array) -> None:
    out.array[:] = a.array / b.array


def scalar_div(a: Array, val: float, out: Array) -> None:
    out.array[:] = a.array / val


def ewise_power(a: Array, b: Array, out: Array) -> None:
    out.array[:] = a.array**b.array


def scalar_power(a: Array, val: float, out: Array) -> None:
    out.array[:] = a.array**val


def ewise_maximum(a: Array, b: Array, out: Array) -> None:
    out.array[:] = np.maximum(a.array, b.array)


def scalar_maximum(a: Array, val: float, out: Array) -> None:
    out.array[:] = np.maximum(a.array, val)


def ewise_eq(a: Array, b: Array, out: Array) -> None:
    out.array[:] = a.array == b.array


def scalar_eq(a: Array, val: float, out: Array) -> None:
    out.array[:] = a.array == val


def ewise_ge(a: Array, b: Array, out: Array) -> None:
    out.array[:] = a.array >= b.array


def scalar_ge(a: Array, val: float, out: Array) -> None:
    out.array[:] = a.array >= val


def ewise_log(a: Array, out: Array) -> None:
    out.array[:] = np.log(a.array)


def ewise_exp(a: Array, out: Array) -> None:
    out.array[:] = np.exp(a.array)


def ewise_tanh(a: Array, out: Array) -> None:
    out.array[:] = np.tanh(a.array)


def ewise_sin(a: Array, out: Array) -> None:
    out.array[:] = np.sin(a.array)


def ewise_cos(a: Array, out: Array) -> None:
    out.array[:] = np.cos(a.array)


def matmul(a: Array, b: Array, out: Array, m: int, n: int, p: int) -> None:
    """out (m×p) = a (m×n) @ b (n×p), all compact."""
    out.array[:] = (a.array[: m * n].reshape(m, n) @ b.array[: n * p].reshape(n, p)).ravel()


def reduce_max(a: Array, out: Array, reduce_size: int) -> None:
    """out[i] = max of a's row i, a compact (outer × reduce_size)."""
    out.array[:] = a.array[: out.size * reduce_size].reshape(-1, reduce_size).max(axis=1)


def reduce_sum(a: Array, out: Array, reduce_size: int) -> None:
    """out[i] = sum of a's row i, a compact (outer × reduce_size)."""
    out.array[:] = a.array[: out.size * reduce_size].reshape(-1, reduce_size).sum(axis=1)
