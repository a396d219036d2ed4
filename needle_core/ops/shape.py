"""Rearranging entries without changing them: reshape and transpose.

Both only move entries around, so the gradient moves the adjoint back:
reshape it to the input's shape, or swap the same two axes again.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..autograd import Tensor, TensorOp, array_api
from ..backend_ndarray import NDArrayLike
from .checks import check_reshape, normalize_axis


class Reshape(TensorOp):
    """The same entries in row-major order, in a new shape.   Gradient: reshape back."""

    def __init__(self, shape: Sequence[int]) -> None:
        self.shape = tuple(shape)

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        check_reshape("reshape", a.shape, self.shape)
        ### BEGIN SOLUTION a3
        return array_api.reshape(a, self.shape)
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        return reshape(out_grad, node.inputs[0].shape)
        ### END SOLUTION


def reshape(a: Tensor, shape: Sequence[int]) -> Tensor:
    return Reshape(shape)(a)


class Transpose(TensorOp):
    """Swap two axes, by default the last two (a matrix transpose on every batch entry).

    ``axes`` is a pair ``(i, j)``. Swapping is its own inverse, so the gradient
    swaps the same axes of the adjoint.
    """

    def __init__(self, axes: Sequence[int] | None = None) -> None:
        if axes is not None and len(axes) != 2:
            raise ValueError(f"transpose: axes must be a pair of axes to swap, got {axes!r}")
        self.axes = None if axes is None else tuple(axes)

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        if a.ndim < 2:
            raise ValueError(f"transpose: shape {a.shape} has fewer than 2 axes to swap")
        i, j = [normalize_axis("transpose", axis, a.shape) for axis in self.axes or (-2, -1)]
        ### BEGIN SOLUTION a3
        return array_api.swapaxes(a, i, j)
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        return transpose(out_grad, self.axes)
        ### END SOLUTION


def transpose(a: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    return Transpose(axes)(a)
