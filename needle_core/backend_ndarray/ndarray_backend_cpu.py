"""The ``cpu()`` backend: flat buffers and explicit index arithmetic, as a C++ backend would do it.

Where ``cpu_numpy()`` lets numpy interpret strides, this backend computes every flat
position itself, ``offset + Σ_k i_k · strides[k]``, the formula the CUDA compact kernel
evaluates per thread, and works in place on preallocated buffers (``out=``), never
allocating a result. It is numpy only in that the loops over elements are vectorized.
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


def flat_positions(shape: Sequence[int], strides: Sequence[int], offset: int) -> np.ndarray:
    """The buffer position of every element of a strided view, in row-major order.

    Element (i_0, …, i_{d-1}) lives at ``offset + Σ_k i_k · strides[k]``.
    """
    pos = np.full((1,) * len(shape), offset, dtype=np.int64)
    for k, (n, s) in enumerate(zip(shape, strides)):
        axis = np.arange(n, dtype=np.int64) * s
        pos = pos + axis.reshape((1,) * k + (n,) + (1,) * (len(shape) - k - 1))
    return np.broadcast_to(pos, tuple(shape)).ravel()


def to_numpy(a: Array, shape: Sequence[int], strides: Sequence[int], offset: int) -> np.ndarray:
    return a.array[flat_positions(shape, strides, offset)].reshape(shape)


def from_numpy(a: np.ndarray, out: Array) -> None:
    out.array[:] = np.asarray(a, dtype=np.float32).ravel()


def fill(out: Array, val: float) -> None:
    out.array.fill(val)


def compact(a: Array, out: Array, shape: Sequence[int], strides: Sequence[int], offset: int) -> None:
    np.take(a.array, flat_positions(shape, strides, offset), out=out.array)


def ewise_setitem(a: Array, out: Array, shape: Sequence[int], strides: Sequence[int], offset: int) -> None:
    pos = flat_positions(shape, strides, offset)
    out.array[pos] = a.array[: pos.size]


def scalar_setitem(
    size: int, val: float, out: Array, shape: Sequence[int], strides: Sequence[int], offset: int
) -> None:
    out.array[flat_positions(shape, strides, offset)] = val


def ewise_add(a: Array, b: Array, out: Array) -> None:
    np.add(a.array, b.array, out=out.array)


def scalar_add(a: Array, val: float, out: Array) -> None:
    np.add(a.array, np.float32(val), out=out.array)


def ewise_mul(a: Array, b: Array, out: Array) -> None:
    np.multiply(a.array, b.array, out=out.array)


def scalar_mul(a: Array, val: float, out: Array) -> None:
    np.multiply(a.array, np.float32(val), out=out.array)


def ewise_div(a: Array, b: Array, out: Array) -> None:
    np.divide(a.array, b.array, out=out.array)


def scalar_div(a: Array, val: float, out: Array) -> None:
    np.divide(a.array, np.float32(val), out=out.array)


def ewise_power(a: Array, b: Array, out: Array) -> None:
    np.power(a.array, b.array, out=out.array)


def scalar_power(a: Array, val: float, out: Array) -> None:
    np.power(a.array, np.float32(val), out=out.array)


def ewise_maximum(a: Array, b: Array, out: Array) -> None:
    np.maximum(a.array, b.array, out=out.array)


def scalar_maximum(a: Array, val: float, out: Array) -> None:
    np.maximum(a.array, np.float32(val), out=out.array)


def ewise_eq(a: Array, b: Array, out: Array) -> None:
    out.array[:] = np.equal(a.array, b.array)


def scalar_eq(a: Array, val: float, out: Array) -> None:
    out.array[:] = np.equal(a.array, np.float32(val))


def ewise_ge(a: Array, b: Array, out: Array) -> None:
    out.array[:] = np.greater_equal(a.array, b.array)


def scalar_ge(a: Array, val: float, out: Array) -> None:
    out.array[:] = np.greater_equal(a.array, np.float32(val))


def ewise_log(a: Array, out: Array) -> None:
    np.log(a.array, out=out.array)


def ewise_exp(a: Array, out: Array) -> None:
    np.exp(a.array, out=out.array)


def ewise_tanh(a: Array, out: Array) -> None:
    np.tanh(a.array, out=out.array)


def ewise_sin(a: Array, out: Array) -> None:
    np.sin(a.array, out=out.array)


def ewise_cos(a: Array, out: Array) -> None:
    np.cos(a.array, out=out.array)


def matmul(a: Array, b: Array, out: Array, m: int, n: int, p: int) -> None:
    """out (m×p) = a (m×n) @ b (n×p), all compact, written into out's buffer."""
    np.matmul(a.array[: m * n].reshape(m, n), b.array[: n * p].reshape(n, p), out=out.array[: m * p].reshape(m, p))


def reduce_max(a: Array, out: Array, reduce_size: int) -> None:
    """out[i] = max of row i of a compact (outer × reduce_size) buffer."""
    np.max(a.array[: out.size * reduce_size].reshape(-1, reduce_size), axis=1, out=out.array)


def reduce_sum(a: Array, out: Array, reduce_size: int) -> None:
    """out[i] = sum of row i of a compact (outer × reduce_size) buffer."""
    np.sum(a.array[: out.size * reduce_size].reshape(-1, reduce_size), axis=1, out=out.array)
