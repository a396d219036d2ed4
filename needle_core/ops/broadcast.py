"""Broadcasting and summing, each the other's adjoint.

``broadcast_to`` copies each entry along new or size-1 axes, so its gradient
adds the adjoint up over those axes (:func:`sum_to_shape`). ``summation`` adds
entries along axes, so its gradient copies the adjoint back along them.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import cast

from ..autograd import Tensor, TensorOp, array_api
from ..backend_ndarray import Axes, NDArrayLike
from .checks import check_broadcast, normalize_axis
from .shape import reshape


class BroadcastTo(TensorOp):
    """Repeat ``a`` to ``shape`` by numpy's rule (align on the right; size-1 axes stretch).

    ∂/∂a: each input entry fed every output entry it was copied to, so its
    adjoint is the sum of their adjoints: ``sum_to_shape(out_grad, a.shape)``.
    """

    def __init__(self, shape: Sequence[int]) -> None:
        self.shape = tuple(shape)

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        check_broadcast("broadcast_to", a.shape, self.shape)
        ### BEGIN SOLUTION a3
        return array_api.broadcast_to(a, self.shape)
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        return sum_to_shape(out_grad, node.inputs[0].shape)
        ### END SOLUTION


def broadcast_to(a: Tensor, shape: Sequence[int]) -> Tensor:
    return BroadcastTo(shape)(a)


class Summation(TensorOp):
    """Sum over ``axes`` (an int, a tuple of ints, or None for all axes); those axes disappear.

    ∂/∂a: every entry of ``a`` contributes with weight 1 to one output entry,
    so its adjoint is that entry's adjoint: reshape ``out_grad`` to ``a``'s
    shape with size 1 on the summed axes, then ``broadcast_to(a.shape)``.
    """

    def __init__(self, axes: Axes = None) -> None:
        if isinstance(axes, Integral):
            axes = (int(axes),)
        self.axes = None if axes is None else tuple(cast("Sequence[int]", axes))

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        if self.axes is not None:
            for axis in self.axes:
                normalize_axis("summation", axis, a.shape)
        ### BEGIN SOLUTION a3
        return array_api.sum(a, axis=self.axes)
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        shape = list(node.inputs[0].shape)
        axes = range(len(shape)) if self.axes is None else self.axes
        for axis in axes:
            shape[axis] = 1
        return broadcast_to(reshape(out_grad, shape), node.inputs[0].shape)
        ### END SOLUTION


def summation(a: Tensor, axes: Axes = None) -> Tensor:
    return Summation(axes)(a)


def sum_to_shape(x: Tensor, shape: Sequence[int]) -> Tensor:
    """Sum ``x`` over the axes that broadcasting from ``shape`` added or stretched.

    The adjoint of broadcasting: ``sum_to_shape(broadcast_to(a, s).grad, a.shape)``.
    The leading axes that ``shape`` lacks are summed away, and so are the axes
    where ``shape`` has size 1 and ``x`` has not; the result has exactly ``shape``.
    Returns ``x`` itself when it already has that shape.
    """
    shape = tuple(shape)
    ### BEGIN SOLUTION a3
    if x.shape == shape:
        return x
    added = len(x.shape) - len(shape)
    stretched = [added + i for i, n in enumerate(shape) if n == 1 and x.shape[added + i] != 1]
    axes = tuple(range(added)) + tuple(stretched)
    if axes:
        x = summation(x, axes)
    return reshape(x, shape)
    ### END SOLUTION
