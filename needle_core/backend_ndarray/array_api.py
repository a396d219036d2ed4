"""The array functions autograd's ops call, for numpy arrays and NDArrays alike.

The ops of ``needle_core.ops`` compute through the name ``array_api`` (``array_api.log(a)``,
``array_api.sum(a, axis=...)``). A Tensor on the default device holds a numpy array, and
then each function here is numpy's own; a Tensor on an ``nd`` device (``cuda()``) holds an
NDArray, and then the same call runs on the NDArray. Any other name falls through to numpy.

``NDArrayLike`` names that seam in type hints: the raw array an op's ``compute`` receives
and returns, a numpy array on the default device or an NDArray on an ``nd`` device.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias, cast

import numpy

from .ndarray import Axes, NDArray

NDArrayLike: TypeAlias = numpy.ndarray | NDArray
"""The raw array of a Tensor, as the ops compute on it: numpy's on cpu(), an NDArray on an nd device."""


def broadcast_to(a: NDArrayLike, shape: Sequence[int]) -> NDArrayLike:
    if isinstance(a, NDArray):
        return a.broadcast_to(tuple(shape))
    return numpy.broadcast_to(a, shape)


def reshape(a: NDArrayLike, shape: Sequence[int]) -> NDArrayLike:
    """Reshape; an NDArray that is not compact is copied first, and one size may be -1."""
    if isinstance(a, NDArray):
        shape = tuple(shape)
        if -1 in shape:
            known = math.prod(n for n in shape if n != -1)
            shape = tuple(a.size // known if n == -1 else n for n in shape)
        return a.compact().reshape(shape)
    return numpy.reshape(a, shape)


def sum(a: NDArrayLike, axis: Axes = None, keepdims: bool = False) -> NDArrayLike:  # noqa: A001 (numpy's name)
    if isinstance(a, NDArray):
        return a.sum(axis=axis, keepdims=keepdims)
    return numpy.sum(a, axis=axis, keepdims=keepdims)


def max(a: NDArrayLike, axis: Axes = None, keepdims: bool = False) -> NDArrayLike:  # noqa: A001 (numpy's name)
    if isinstance(a, NDArray):
        return a.max(axis=axis, keepdims=keepdims)
    return numpy.max(a, axis=axis, keepdims=keepdims)


def maximum(a: NDArrayLike | float, b: NDArrayLike | float) -> NDArrayLike:
    # with one NDArray operand, the other is a number or an NDArray (the NDArray refuses others)
    if isinstance(a, NDArray):
        return a.maximum(cast("NDArray | float", b))
    if isinstance(b, NDArray):
        return b.maximum(cast(float, a))
    return numpy.maximum(a, b)


def _unary(name: str) -> Callable[[NDArrayLike], NDArrayLike]:
    numpy_fn = getattr(numpy, name)

    def fn(a: NDArrayLike) -> NDArrayLike:
        return getattr(a, name)() if isinstance(a, NDArray) else numpy_fn(a)

    fn.__name__ = name
    fn.__doc__ = f"Element-wise {name}."
    return fn


log, exp, tanh, sin, cos = (_unary(n) for n in ("log", "exp", "tanh", "sin", "cos"))


def swapaxes(a: NDArrayLike, axis1: int, axis2: int) -> NDArrayLike:
    if isinstance(a, NDArray):
        axes = list(range(a.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return a.permute(tuple(axes))
    return numpy.swapaxes(a, axis1, axis2)


def transpose(a: NDArrayLike, axes: Sequence[int] | None = None) -> NDArrayLike:
    if isinstance(a, NDArray):
        return a.permute(tuple(reversed(range(a.ndim))) if axes is None else tuple(axes))
    return numpy.transpose(a, axes)


def matmul(a: NDArrayLike, b: NDArrayLike) -> NDArrayLike:
    """Matrix product; NDArrays with batch axes multiply one (broadcast) batch entry at a time."""
    if isinstance(a, NDArray):
        return a @ b
    return numpy.matmul(a, cast(numpy.ndarray, b))  # an NDArray b with a numpy a: numpy's error


def _binary(
    name: str, method: Callable[[Any, Any], NDArrayLike]
) -> Callable[[NDArrayLike | float, NDArrayLike | float], NDArrayLike]:
    numpy_fn = getattr(numpy, name)

    def fn(a: NDArrayLike | float, b: NDArrayLike | float) -> NDArrayLike:
        if isinstance(a, NDArray) or isinstance(b, NDArray):
            return method(a, b)
        return numpy_fn(a, b)

    fn.__name__ = name
    fn.__doc__ = f"Element-wise {name} (NDArrays of equal shapes, or with a number)."
    return fn


add = _binary("add", lambda a, b: a + b)
subtract = _binary("subtract", lambda a, b: a - b)
multiply = _binary("multiply", lambda a, b: a * b)
divide = _binary("divide", lambda a, b: a / b)
power = _binary("power", lambda a, b: a**b)


def negative(a: NDArrayLike) -> NDArrayLike:
    return -a if isinstance(a, NDArray) else numpy.negative(a)


def __getattr__(name: str) -> Any:
    """Every other name is numpy's; a numpy function refuses NDArrays with a clear message."""
    value = getattr(numpy, name)
    if not callable(value) or isinstance(value, type):
        return value  # constants and dtypes (array_api.float32, array_api.pi)

    @functools.wraps(value)
    def numpy_only(*args: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, NDArray) for a in (*args, *kwargs.values())):
            raise TypeError(
                f"array_api.{name} has no NDArray version; use the functions of "
                f"needle_core.backend_ndarray.array_api or NDArray methods"
            )
        return value(*args, **kwargs)

    return numpy_only
