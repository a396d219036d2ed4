"""Arithmetic: + − × ÷ and powers, element-wise between two Tensors or with a scalar.

Element-wise ops need operands of the same shape: broadcast explicitly with
``broadcast_to``, so that every gradient here keeps the shape of its input.
(``power`` alone broadcasts for you, as the course's needle does, with ``broadcast_to``.)
A scalar is a plain Python number, kept apart from the graph: it gets no gradient.
"""

from __future__ import annotations

from numbers import Number

import numpy

from ..autograd import Tensor, TensorOp
from ..backend_ndarray import NDArrayLike
from .broadcast import broadcast_to
from .checks import Scalar, as_number, check_same_shape
from .elementwise import log


class EWiseAdd(TensorOp):
    """a + b.   ∂(a+b)/∂a = 1,  ∂(a+b)/∂b = 1."""

    def compute(self, a: NDArrayLike, b: NDArrayLike) -> NDArrayLike:
        check_same_shape("add", a, b)
        ### BEGIN SOLUTION a3
        return a + b
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> tuple[Tensor, Tensor]:
        ### BEGIN SOLUTION a3
        return out_grad, out_grad
        ### END SOLUTION


def add(a: Tensor, b: Tensor) -> Tensor:
    return EWiseAdd()(a, b)


class AddScalar(TensorOp):
    """a + c for a number c.   ∂(a+c)/∂a = 1."""

    def __init__(self, scalar: Scalar) -> None:
        self.scalar = as_number(scalar, "add_scalar")

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        ### BEGIN SOLUTION a3
        return a + self.scalar
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        return out_grad
        ### END SOLUTION


def add_scalar(a: Tensor, scalar: Scalar) -> Tensor:
    return AddScalar(scalar)(a)


class EWiseMul(TensorOp):
    """a ⊙ b.   ∂(ab)/∂a = b,  ∂(ab)/∂b = a."""

    def compute(self, a: NDArrayLike, b: NDArrayLike) -> NDArrayLike:
        check_same_shape("multiply", a, b)
        ### BEGIN SOLUTION a3
        return a * b
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> tuple[Tensor, Tensor]:
        ### BEGIN SOLUTION a3
        a, b = node.inputs
        return out_grad * b, out_grad * a
        ### END SOLUTION


def multiply(a: Tensor, b: Tensor) -> Tensor:
    return EWiseMul()(a, b)


class MulScalar(TensorOp):
    """c · a for a number c.   ∂(ca)/∂a = c."""

    def __init__(self, scalar: Scalar) -> None:
        self.scalar = as_number(scalar, "mul_scalar")

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        ### BEGIN SOLUTION a3
        return a * self.scalar
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        return out_grad * self.scalar
        ### END SOLUTION


def mul_scalar(a: Tensor, scalar: Scalar) -> Tensor:
    return MulScalar(scalar)(a)


class EWisePow(TensorOp):
    """a ** b, element-wise (a > 0 where b is not an integer).

    ∂(aᵇ)/∂a = b·aᵇ⁻¹,   ∂(aᵇ)/∂b = aᵇ·ln a.
    """

    def compute(self, a: NDArrayLike, b: NDArrayLike) -> NDArrayLike:
        check_same_shape("power", a, b)
        ### BEGIN SOLUTION a3
        return a**b
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> tuple[Tensor, Tensor]:
        ### BEGIN SOLUTION a3
        a, b = node.inputs
        return out_grad * b * a ** (b - 1), out_grad * node * log(a)
        ### END SOLUTION


def power(a: Tensor | Scalar, b: Tensor | Scalar) -> Tensor:
    """a ** b. Operands of different shapes are first broadcast to a common shape, as numpy
    would (so each gradient is summed back to its operand's shape by ``broadcast_to``)."""
    a, b = _constant_like(a, b), _constant_like(b, a)
    if a.shape != b.shape:
        try:
            shape = numpy.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ValueError(
                f"power: operands have shapes {a.shape} and {b.shape}, which do not broadcast to a common shape"
            ) from None
        a = a if a.shape == shape else broadcast_to(a, shape)
        b = b if b.shape == shape else broadcast_to(b, shape)
    return EWisePow()(a, b)


def _constant_like(x: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``x`` as a Tensor; a number takes the dtype of the Tensor ``other`` (no float64 upcast)."""
    if isinstance(x, Tensor):
        return x
    dtype = other.dtype if isinstance(x, Number) and isinstance(other, Tensor) else None
    return Tensor(x, dtype=dtype, requires_grad=False)


class PowerScalar(TensorOp):
    """a ** c for a number c.   ∂(aᶜ)/∂a = c·aᶜ⁻¹."""

    def __init__(self, scalar: Scalar) -> None:
        self.scalar = as_number(scalar, "power_scalar")

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        ### BEGIN SOLUTION a3
        return a**self.scalar
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        a = node.inputs[0]
        return out_grad * self.scalar * a ** (self.scalar - 1)
        ### END SOLUTION


def power_scalar(a: Tensor, scalar: Scalar) -> Tensor:
    return PowerScalar(scalar)(a)


class EWiseDiv(TensorOp):
    """a / b, element-wise.   ∂(a/b)/∂a = 1/b,  ∂(a/b)/∂b = −a/b²."""

    def compute(self, a: NDArrayLike, b: NDArrayLike) -> NDArrayLike:
        check_same_shape("divide", a, b)
        ### BEGIN SOLUTION a3
        return a / b
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> tuple[Tensor, Tensor]:
        ### BEGIN SOLUTION a3
        a, b = node.inputs
        return out_grad / b, -out_grad * a / (b * b)
        ### END SOLUTION


def divide(a: Tensor, b: Tensor) -> Tensor:
    return EWiseDiv()(a, b)


class DivScalar(TensorOp):
    """a / c for a number c.   ∂(a/c)/∂a = 1/c."""

    def __init__(self, scalar: Scalar) -> None:
        self.scalar = as_number(scalar, "divide_scalar")

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        ### BEGIN SOLUTION a3
        return a / self.scalar
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        return out_grad / self.scalar
        ### END SOLUTION


def divide_scalar(a: Tensor, scalar: Scalar) -> Tensor:
    return DivScalar(scalar)(a)


class Negate(TensorOp):
    """−a.   ∂(−a)/∂a = −1."""

    def compute(self, a: NDArrayLike) -> NDArrayLike:
        ### BEGIN SOLUTION a3
        return -a
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor:
        ### BEGIN SOLUTION a3
        return -out_grad
        ### END SOLUTION


def negate(a: Tensor) -> Tensor:
    return Negate()(a)
