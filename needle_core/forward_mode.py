"""Forward-mode automatic differentiation with dual numbers.

A dual number ``a + ȧ ε`` with ``ε² = 0`` carries a value ``a`` and a tangent
``ȧ`` (the derivative of ``a`` along one chosen input direction). Expanding any
smooth ``f`` to first order gives

    f(a + ȧ ε) = f(a) + f′(a) ȧ ε,

so computing with duals instead of floats carries the derivative along with
the value: seed the input with tangent 1, read the output's tangent. One pass
gives the derivative along one direction; a function of n inputs needs n passes
for its gradient (reverse mode, in ``autograd``, needs one).

    >>> derivative(lambda x: x * x + 3 * x, 2.0)
    7.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

__all__ = ["Dual", "DualLike", "log", "exp", "sin", "cos", "relu", "derivative", "partial", "gradient"]


class Dual:
    """The dual number ``value + tangent·ε``; numbers mix in as constants (tangent 0)."""

    __slots__ = ("value", "tangent")
    value: float
    tangent: float

    def __init__(self, value: float, tangent: float = 0.0) -> None:
        self.value = value
        self.tangent = tangent

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.tangent!r})"

    def __add__(self, other: DualLike) -> Dual:
        """(a + ȧε) + (b + ḃε) = (a + b) + (ȧ + ḃ)ε"""
        other = _lift(other)
        ### BEGIN SOLUTION a3
        return Dual(self.value + other.value, self.tangent + other.tangent)
        ### END SOLUTION

    def __sub__(self, other: DualLike) -> Dual:
        """(a + ȧε) − (b + ḃε) = (a − b) + (ȧ − ḃ)ε"""
        other = _lift(other)
        ### BEGIN SOLUTION a3
        return Dual(self.value - other.value, self.tangent - other.tangent)
        ### END SOLUTION

    def __mul__(self, other: DualLike) -> Dual:
        """(a + ȧε)(b + ḃε) = ab + (ȧb + aḃ)ε   (the ε² term vanishes: the product rule)"""
        other = _lift(other)
        ### BEGIN SOLUTION a3
        return Dual(self.value * other.value, self.tangent * other.value + self.value * other.tangent)
        ### END SOLUTION

    def __truediv__(self, other: DualLike) -> Dual:
        """(a + ȧε) / (b + ḃε) = a/b + (ȧb − aḃ)/b² ε   (the quotient rule)"""
        other = _lift(other)
        ### BEGIN SOLUTION a3
        return Dual(
            self.value / other.value, (self.tangent * other.value - self.value * other.tangent) / other.value**2
        )
        ### END SOLUTION

    def __pow__(self, other: DualLike) -> Dual:
        """(a + ȧε)ⁿ = aⁿ + n aⁿ⁻¹ ȧ ε for a number n;  for a dual exponent b + ḃε
        (a > 0):  aᵇ + aᵇ (ḃ ln a + b ȧ / a) ε."""
        ### BEGIN SOLUTION a3
        if not isinstance(other, Dual):
            return Dual(self.value**other, other * self.value ** (other - 1) * self.tangent)
        result = self.value**other.value
        return Dual(result, result * (other.tangent * math.log(self.value) + other.value * self.tangent / self.value))
        ### END SOLUTION

    def __neg__(self) -> Dual:
        """−(a + ȧε) = −a − ȧε"""
        ### BEGIN SOLUTION a3
        return Dual(-self.value, -self.tangent)
        ### END SOLUTION

    def __radd__(self, other: DualLike) -> Dual:
        return _lift(other) + self

    def __rsub__(self, other: DualLike) -> Dual:
        return _lift(other) - self

    def __rmul__(self, other: DualLike) -> Dual:
        return _lift(other) * self

    def __rtruediv__(self, other: DualLike) -> Dual:
        return _lift(other) / self

    def __rpow__(self, other: DualLike) -> Dual:
        return _lift(other) ** self


DualLike: TypeAlias = Dual | float
"""What the functions here take and give: a dual number, or a plain number (a constant)."""


def _lift(x: DualLike) -> Dual:
    """A number as a constant dual (tangent 0); a dual as it is."""
    return x if isinstance(x, Dual) else Dual(x, 0.0)


# Functions of one variable, on duals and on plain numbers: f(a + ȧε) = f(a) + f′(a) ȧ ε.


def log(x: DualLike) -> DualLike:
    """ln(a + ȧε) = ln a + (ȧ / a) ε"""
    if not isinstance(x, Dual):
        return math.log(x)
    ### BEGIN SOLUTION a3
    return Dual(math.log(x.value), x.tangent / x.value)
    ### END SOLUTION


def exp(x: DualLike) -> DualLike:
    """exp(a + ȧε) = eᵃ + eᵃ ȧ ε"""
    if not isinstance(x, Dual):
        return math.exp(x)
    ### BEGIN SOLUTION a3
    e = math.exp(x.value)
    return Dual(e, e * x.tangent)
    ### END SOLUTION


def sin(x: DualLike) -> DualLike:
    """sin(a + ȧε) = sin a + (cos a) ȧ ε"""
    if not isinstance(x, Dual):
        return math.sin(x)
    ### BEGIN SOLUTION a3
    return Dual(math.sin(x.value), math.cos(x.value) * x.tangent)
    ### END SOLUTION


def cos(x: DualLike) -> DualLike:
    """cos(a + ȧε) = cos a − (sin a) ȧ ε"""
    if not isinstance(x, Dual):
        return math.cos(x)
    ### BEGIN SOLUTION a3
    return Dual(math.cos(x.value), -math.sin(x.value) * x.tangent)
    ### END SOLUTION


def relu(x: DualLike) -> DualLike:
    """relu(a + ȧε) = max(a, 0) + 1{a > 0} ȧ ε   (derivative 0 at the kink a = 0)"""
    if not isinstance(x, Dual):
        return max(x, 0.0)
    ### BEGIN SOLUTION a3
    if x.value > 0:
        return Dual(x.value, x.tangent)
    return Dual(0.0, 0.0)
    ### END SOLUTION


# Reading derivatives off the tangent.


def derivative(f: Callable[..., Any], x: float) -> float:
    """f′(x) for a function of one number: one pass with the input's tangent seeded to 1."""
    return _tangent(f(Dual(x, 1.0)))


def partial(f: Callable[..., Any], args: Sequence[float], i: int) -> float:
    """∂f/∂args[i] at ``args``: seed input ``i`` with tangent 1, the others with 0."""
    duals = [Dual(a, 1.0 if j == i else 0.0) for j, a in enumerate(args)]
    return _tangent(f(*duals))


def _tangent(y: object) -> float:
    return y.tangent if isinstance(y, Dual) else 0.0  # a result that ignores the inputs is constant


def gradient(f: Callable[..., Any], *args: float) -> list[float]:
    """All partial derivatives of ``f`` at ``args``: one forward pass per input."""
    return [partial(f, args, i) for i in range(len(args))]
