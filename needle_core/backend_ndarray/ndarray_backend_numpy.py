"""The ``cpu_numpy()`` backend: each flat-buffer function written with numpy's own strided views.

The simplest backend, and the reference the others are tested against. A buffer is a
1-D float32 numpy array; strided access goes through ``numpy.lib.stride_tricks.as_strided``.
Every function has the signature all backends share (see ``ndarray.py``).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "Array", "to_numpy", "from_numpy", "fill", "compact", "ewise_setitem", "scalar_setitem",
    "ewise_add", "scalar_add", "ewise_mul", "scalar_mul", "ewise_div", "scalar_div",
    "ewise_power", "scalar_power", "ewise_maximum", "scalar_maximum", "ewise_eq", "scalar_eq",
    "ewise_ge", "scalar_ge", "ewise_log", "ewise_exp", "ewise_tanh", "ewise_sin", "ewise_cos",
    "matmul", "reduce_sum", "reduce_max",
]

_ITEM = 4  # bytes per float32


class Array:
    """A flat buffer of ``size`` float32 values."""

    def __init__(self, size: int):
        self.array = np.empty(size, dtype=np.float32)

    @property
    def size(self) -> int:
        return self.array.size

    def ptr(self) -> int:
        """The buffer's address: views of one array share it."""
        return self.array.ctypes.data


def _view(a: Array, shape, strides, offset) -> np.ndarray:
    return np.lib.stride_tricks.as_strided(
        a.array[offset:], shape=tuple(shape), strides=tuple(s * _ITEM for s in strides))


def to_numpy(a, shape, strides, offset):
    return _view(a, shape, strides, offset).copy()


def from_numpy(a, out):
    out.array[:] = np.asarray(a, dtype=np.float32).ravel()


def fill(out, val):
    out.array.fill(val)


def compact(a, out, shape, strides, offset):
    out.array[:] = _view(a, shape, strides, offset).ravel()


def ewise_setitem(a, out, shape, strides, offset):
    _view(out, shape, strides, offset)[...] = a.array[:out_size(shape)].reshape(shape)


def scalar_setitem(size, val, out, shape, strides, offset):
    _view(out, shape, strides, offset)[...] = val


def out_size(shape) -> int:
    return int(np.prod(shape, dtype=np.int64))


def ewise_add(a, b, out):
    out.array[:] = a.array + b.array


def scalar_add(a, val, out):
    out.array[:] = a.array + val


def ewise_mul(a, b, out):
    out.array[:] = a.array * b.array


def scalar_mul(a, val, out):
    out.array[:] = a.array * val


def ewise_div(a, b, out):
    out.array[:] = a.array / b.array


def scalar_div(a, val, out):
    out.array[:] = a.array / val


def ewise_power(a, b, out):
    out.array[:] = a.array ** b.array


def scalar_power(a, val, out):
    out.array[:] = a.array ** val


def ewise_maximum(a, b, out):
    out.array[:] = np.maximum(a.array, b.array)


def scalar_maximum(a, val, out):
    out.array[:] = np.maximum(a.array, val)


def ewise_eq(a, b, out):
    out.array[:] = a.array == b.array


def scalar_eq(a, val, out):
    out.array[:] = a.array == val


def ewise_ge(a, b, out):
    out.array[:] = a.array >= b.array


def scalar_ge(a, val, out):
    out.array[:] = a.array >= val


def ewise_log(a, out):
    out.array[:] = np.log(a.array)


def ewise_exp(a, out):
    out.array[:] = np.exp(a.array)


def ewise_tanh(a, out):
    out.array[:] = np.tanh(a.array)


def ewise_sin(a, out):
    out.array[:] = np.sin(a.array)


def ewise_cos(a, out):
    out.array[:] = np.cos(a.array)


def matmul(a, b, out, m, n, p):
    """out (m×p) = a (m×n) @ b (n×p), all compact."""
    out.array[:] = (a.array[:m * n].reshape(m, n) @ b.array[:n * p].reshape(n, p)).ravel()


def reduce_max(a, out, reduce_size):
    """out[i] = max of a's row i, a compact (outer × reduce_size)."""
    out.array[:] = a.array[:out.size * reduce_size].reshape(-1, reduce_size).max(axis=1)


def reduce_sum(a, out, reduce_size):
    """out[i] = sum of a's row i, a compact (outer × reduce_size)."""
    out.array[:] = a.array[:out.size * reduce_size].reshape(-1, reduce_size).sum(axis=1)
