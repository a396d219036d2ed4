"""The numerical-gradient checker every test of the course uses.

You do not write this module; you use it. It compares a gradient you computed
("analytic") with one estimated by central differences ("numerical"):

    numerical ∂g/∂x_k  ≈  (g(x + h e_k) − g(x − h e_k)) / 2h,   with  g(x) = Σ c ⊙ f(x)

where ``c`` is a fixed random weighting of the output (a plain sum would hide
bugs such as swapped rows). Small arguments are checked element by element,
large ones along a few random directions ``δ`` (comparing ``δᵀ∇g`` with the
difference quotient along ``δ``). Everything runs in float64 with fixed seeds,
so a check gives the same verdict every time.

The relative error is ``|a − n| / max(floor, |a| + |n|)``. NaN or Inf is always
a failure. On failure :class:`GradientCheckError` names the function, the
argument, the worst element, both values and the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "GradientCheckError",
    "GradientReport",
    "relative_error",
    "numerical_gradient",
    "check_gradient",
    "check_tensor_gradient",
    "random_input",
]

STEP = 1e-6  # finite-difference step h
TOLERANCE = 1e-5  # largest relative error that passes
FLOOR = 1e-4  # denominator floor, so that two tiny gradients compare as equal
MAX_ELEMENTWISE = 64  # arguments with more elements are checked along random directions
DIRECTIONS = 8


class GradientCheckError(AssertionError):
    """A gradient disagrees with its numerical estimate (or is not finite)."""


@dataclass
class GradientReport:
    """Outcome for one argument: the worst relative error and where it occurred."""

    name: str
    argument: str
    error: float
    where: str
    analytic: float
    numerical: float

    def describe(self) -> str:
        return (
            f"{self.name}: gradient w.r.t. '{self.argument}' {self.where}: "
            f"analytic {self.analytic:.8g}, numerical {self.numerical:.8g}, "
            f"relative error {self.error:.2e}"
        )


def relative_error(analytic: npt.ArrayLike, numerical: npt.ArrayLike, floor: float = FLOOR) -> np.ndarray:
    """``|a − n| / max(floor, |a| + |n|)`` element-wise; NaN/Inf give ``inf``."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numerical, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(a - n) / np.maximum(floor, np.abs(a) + np.abs(n))
    return np.where(np.isfinite(a) & np.isfinite(n), err, np.inf)


def random_input(
    shape: int | Sequence[int], seed: int = 0, low: float = 0.5, high: float = 1.5, positive: bool = False
) -> np.ndarray:
    """A float64 array whose entries have magnitude in ``[low, high]``.

    Random signs unless ``positive``. Keeping away from zero keeps gradient
    checks away from the kinks of ReLU, |x|, log and division.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=shape)
    if not positive:
        x *= rng.choice([-1.0, 1.0], size=shape)
    return x


def _as_float64(args: Sequence[npt.ArrayLike]) -> list[np.ndarray]:
    return [np.array(a, dtype=np.float64) for a in args]


def _weighted(f: Callable[..., Any], args: Sequence[np.ndarray], weights: np.ndarray) -> float:
    out = np.asarray(f(*args), dtype=np.float64)
    return float(np.sum(weights * out))


def numerical_gradient(
    f: Callable[..., Any], args: Sequence[npt.ArrayLike], index: int, weights: np.ndarray, step: float = STEP
) -> np.ndarray:
    """Central-difference gradient of ``Σ weights ⊙ f(*args)`` w.r.t. ``args[index]``."""
    args = _as_float64(args)
    x = args[index]
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        saved = x[k]
        x[k] = saved + step
        plus = _weighted(f, args, weights)
        x[k] = saved - step
        minus = _weighted(f, args, weights)
        x[k] = saved
        grad[k] = (plus - minus) / (2 * step)
    return grad


def _directional(
    f: Callable[..., Any],
    args: Sequence[npt.ArrayLike],
    index: int,
    weights: np.ndarray,
    direction: np.ndarray,
    step: float,
) -> float:
    args = _as_float64(args)
    base = args[index]
    args[index] = base + step * direction
    plus = _weighted(f, args, weights)
    args[index] = base - step * direction
    minus = _weighted(f, args, weights)
    return (plus - minus) / (2 * step)


def _check_one(
    f: Callable[..., Any],
    args: Sequence[np.ndarray],
    index: int,
    weights: np.ndarray,
    analytic: npt.ArrayLike,
    name: str,
    argname: str,
    rng: np.random.Generator,
    step: float,
) -> GradientReport:
    x = np.asarray(args[index])
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != x.shape:
        raise GradientCheckError(
            f"{name}: the gradient w.r.t. '{argname}' has shape {analytic.shape}, "
            f"but '{argname}' has shape {x.shape}. A gradient always has the shape "
            f"of the variable it is taken with respect to (a missing transpose or "
            f"a forgotten sum over a broadcast axis often causes this)."
        )
    if x.size <= MAX_ELEMENTWISE:
        numerical = numerical_gradient(f, args, index, weights, step)
        err = relative_error(analytic, numerical)
        worst = np.unravel_index(int(np.argmax(err)), err.shape) if err.size else ()
        if not err.size:
            return GradientReport(name, argname, 0.0, "(empty)", 0.0, 0.0)
        return GradientReport(
            name,
            argname,
            float(err[worst]),
            f"at index {tuple(int(i) for i in worst)}",
            float(analytic[worst]),
            float(numerical[worst]),
        )
    report: GradientReport | None = None
    for d in range(DIRECTIONS):
        direction = rng.standard_normal(x.shape)
        direction /= np.linalg.norm(direction)
        n = _directional(f, args, index, weights, direction, step)
        a = float(np.sum(analytic * direction))
        error = float(relative_error(a, n))
        if report is None or error > report.error:
            report = GradientReport(name, argname, error, f"along random direction #{d} (δᵀ∇)", a, n)
    assert report is not None  # DIRECTIONS > 0
    return report


def check_gradient(
    f: Callable[..., Any],
    args: Sequence[npt.ArrayLike],
    gradient: Callable[..., Any],
    *,
    name: str = "f",
    argnames: Sequence[str] | None = None,
    wrt: Sequence[int] | None = None,
    seed: int = 0,
    tol: float = TOLERANCE,
    step: float = STEP,
) -> list[GradientReport]:
    """Check ``gradient`` against central differences of ``f``.

    ``f(*args)`` returns an array (or a number). ``gradient(weights, *args)``
    returns one array per argument: the gradient of ``Σ weights ⊙ f(*args)``
    with respect to that argument (for a scalar loss ``weights`` is a number
    and the gradient is simply ``weights * ∂f/∂arg``). ``wrt`` restricts the
    check to some argument positions (other entries of the returned sequence
    are ignored). Raises :class:`GradientCheckError` with a readable message
    on the first argument that fails; returns one report per checked argument.
    """
    args = _as_float64(args)
    argnames = list(argnames) if argnames else [f"arg{i}" for i in range(len(args))]
    wrt = list(range(len(args))) if wrt is None else list(wrt)
    rng = np.random.default_rng(seed)
    out = np.asarray(f(*[a.copy() for a in args]), dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise GradientCheckError(f"{name}: the function returned NaN or Inf on the test input.")
    weights = rng.standard_normal(out.shape)
    grads = gradient(weights, *[a.copy() for a in args])
    if not isinstance(grads, (list, tuple)):
        grads = [grads]
    reports = []
    for i in wrt:
        if i >= len(grads) or grads[i] is None:
            raise GradientCheckError(f"{name}: no gradient was returned for '{argnames[i]}'.")
        report = _check_one(f, args, i, weights, grads[i], name, argnames[i], rng, step)
        if not report.error <= tol:
            reason = "the gradient contains NaN or Inf" if not np.isfinite(report.error) else f"tolerance {tol:.0e}"
            raise GradientCheckError(f"gradient check failed — {report.describe()} ({reason}).")
        reports.append(report)
    return reports


def check_tensor_gradient(
    fn: Callable[..., Any],
    *arrays: npt.ArrayLike,
    name: str | None = None,
    argnames: Sequence[str] | None = None,
    seed: int = 0,
    tol: float = TOLERANCE,
    **kwargs: Any,
) -> list[GradientReport]:
    """Check ``backward()`` of a needle Tensor function against central differences.

    ``fn(*tensors, **kwargs)`` builds a Tensor from Tensors (for example
    ``ndl.ops.summation`` with ``axes=(1,)``). The analytic gradient comes from
    ``out.backward(weights)``; the numerical one from running ``fn`` on float64
    arrays.
    """
    from . import autograd

    def forward(*xs: np.ndarray) -> np.ndarray:
        return fn(*[autograd.Tensor(x, dtype="float64") for x in xs], **kwargs).numpy()

    def backward(weights: np.ndarray, *xs: np.ndarray) -> list[np.ndarray | None]:
        tensors = [autograd.Tensor(x, dtype="float64") for x in xs]
        out = fn(*tensors, **kwargs)
        out.backward(autograd.Tensor(np.asarray(weights, dtype=np.float64).reshape(out.shape), dtype="float64"))
        return [None if t.grad is None else t.grad.numpy() for t in tensors]

    label = str(name or getattr(fn, "__name__", "op"))
    return check_gradient(forward, arrays, backward, name=label, argnames=argnames, seed=seed, tol=tol)
