"""Element-wise functions: log, exp, sin, cos, ReLU.

Each maps every entry through a scalar function f, so its gradient multiplies
the output adjoint entry by entry with f′ at the input.
"""

from __future__ import annotations

from ..autograd import Tensor, TensorOp, array_api
from ..backend_ndarray import NDArrayLike


class Log(TensorOp):
    """Natural logarithm (a > 0).   ∂(ln a)/∂a = 1/a."""

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        ### BEGIN SOLUTION a3
        return array_api.log(a)
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        return out_grad / node.inputs[0]
        ### END SOLUTION


def log(a: Tensor) -> Tensor:
    return Log()(a)


class Exp(TensorOp):
    """eᵃ.   ∂(eᵃ)/∂a = eᵃ (the output itself)."""

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        ### BEGIN SOLUTION a3
        return array_api.exp(a)
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        return out_grad * node
        ### END SOLUTION


def exp(a: Tensor) -> Tensor:
    return Exp()(a)


class Sin(TensorOp):
    """sin a.   ∂(sin a)/∂a = cos a."""

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        ### BEGIN SOLUTION a3
        return array_api.sin(a)
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        return out_grad * cos(node.inputs[0])
        ### END SOLUTION


def sin(a: Tensor) -> Tensor:
    return Sin()(a)


class Cos(TensorOp):
    """cos a.   ∂(cos a)/∂a = −sin a."""

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        ### BEGIN SOLUTION a3
        return array_api.cos(a)
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        return -out_grad * sin(node.inputs[0])
        ### END SOLUTION


def cos(a: Tensor) -> Tensor:
    return Cos()(a)


class ReLU(TensorOp):
    """max(a, 0).   ∂relu(a)/∂a = 1 where a > 0, else 0 (we take 0 at the kink a = 0).

    The 0/1 mask is a constant of the gradient graph: ReLU's second derivative is 0
    away from the kink.
    """

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        ### BEGIN SOLUTION a3
        return array_api.maximum(a, 0)
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        mask = node.inputs[0].realize_cached_data() > 0
        return out_grad * Tensor(mask, dtype=node.dtype, requires_grad=False)
        ### END SOLUTION


def relu(a: Tensor) -> Tensor:
    return ReLU()(a)
