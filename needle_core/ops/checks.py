"""Input checks shared by the operations: a bad shape or argument fails at once, naming the op."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Number
from typing import TypeAlias, cast

import numpy

from ..backend_ndarray import NDArrayLike

Scalar: TypeAlias = float | numpy.generic | numpy.ndarray
"""The scalar of a scalar op: a Python number, a numpy scalar or a one-element array."""


def as_number(value: object, op_name: str) -> float:
    """``value`` as a plain Python number (a numpy float64 scalar would upcast float32 data).

    A numpy scalar or a one-element array (``np.array([2.0])``, as the course's needle
    accepts) gives its one value.
    """
    if isinstance(value, numpy.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, numpy.generic):
        value = value.item()
    if not isinstance(value, Number):
        shape = f" of shape {value.shape}" if hasattr(value, "shape") else ""
        raise TypeError(
            f"{op_name}: the scalar must be a number or a one-element array, got "
            f"{type(value).__name__}{shape}; use the element-wise op for Tensors"
        )
    return cast(float, value)  # a Python number (int, float, …)


def check_same_shape(op_name: str, a: NDArrayLike, b: NDArrayLike) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{op_name}: operands have shapes {a.shape} and {b.shape}; element-wise "
            f"ops need equal shapes (use broadcast_to or reshape first)"
        )


def normalize_axis(op_name: str, axis: int, shape: Sequence[int]) -> int:
    """``axis`` as an index in ``range(len(shape))`` (negative axes count from the end)."""
    ndim = len(shape)
    if not isinstance(axis, (int, numpy.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"{op_name}: axis {axis!r} is out of range for shape {shape}")
    return int(axis) % ndim


def check_broadcast(op_name: str, shape: Sequence[int], new_shape: Sequence[int]) -> None:
    """Broadcasting rule: align shapes on the right; each old size is 1 or the new size."""
    new_shape = tuple(new_shape)
    ok = (
        shape == new_shape
        or len(shape) <= len(new_shape)
        and all(old in (1, new) for old, new in zip(reversed(shape), reversed(new_shape)))
    )
    if not ok:
        raise ValueError(f"{op_name}: cannot broadcast shape {shape} to {new_shape}")


def check_reshape(op_name: str, shape: Sequence[int], new_shape: Sequence[int]) -> None:
    """Same number of elements; at most one size may be -1 (inferred)."""
    size = math.prod(shape)
    if -1 not in new_shape and math.prod(new_shape) == size:
        return
    known = math.prod(n for n in new_shape if n != -1)
    inferred = sum(1 for n in new_shape if n == -1)
    if inferred > 1 or (inferred == 0 and known != size) or (inferred == 1 and (known == 0 or size % known != 0)):
        raise ValueError(f"{op_name}: cannot reshape shape {tuple(shape)} ({size} elements) into {tuple(new_shape)}")


def check_matmul(a_shape: Sequence[int], b_shape: Sequence[int]) -> None:
    """Batched matmul: (…, n, k) @ (…, k, m); the batch axes broadcast against each other."""
    if len(a_shape) < 2 or len(b_shape) < 2:
        raise ValueError(
            f"matmul: shapes {a_shape} and {b_shape}: both operands need at least "
            f"2 axes (reshape a vector to (1, n) or (n, 1))"
        )
    if a_shape[-1] != b_shape[-2]:
        raise ValueError(
            f"matmul: shapes {a_shape} and {b_shape} do not fit: the last axis of a "
            f"({a_shape[-1]}) must equal the second-to-last axis of b ({b_shape[-2]})"
        )
    if len(a_shape) > 2 or len(b_shape) > 2:
        try:
            numpy.broadcast_shapes(a_shape[:-2], b_shape[:-2])
        except ValueError:
            raise ValueError(
                f"matmul: shapes {a_shape} and {b_shape}: the batch axes "
                f"{a_shape[:-2]} and {b_shape[:-2]} do not broadcast"
            ) from None
