"""Forward-mode differentiation with dual numbers, against derivatives worked out by hand."""

import math

import numpy as np
import pytest

import needle_core as ndl
from needle_core import forward_mode as fm
from needle_core.forward_mode import Dual


def central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


# (function, its derivative), at points where both are defined
RULES = {
    "add": (lambda x: x + 3.0, lambda x: 1.0),
    "radd": (lambda x: 3.0 + x, lambda x: 1.0),
    "sub": (lambda x: x - 3.0, lambda x: 1.0),
    "rsub": (lambda x: 3.0 - x, lambda x: -1.0),
    "mul": (lambda x: x * x, lambda x: 2 * x),
    "rmul": (lambda x: 4.0 * x, lambda x: 4.0),
    "div": (lambda x: x / (x + 2.0), lambda x: 2.0 / (x + 2.0) ** 2),
    "rdiv": (lambda x: 1.0 / x, lambda x: -1.0 / x**2),
    "pow_number": (lambda x: x**3, lambda x: 3 * x**2),
    "pow_fraction": (lambda x: x**0.5, lambda x: 0.5 / math.sqrt(x)),
    "pow_dual": (lambda x: x**x, lambda x: x**x * (math.log(x) + 1)),
    "rpow": (lambda x: 2.0**x, lambda x: 2.0**x * math.log(2.0)),
    "neg": (lambda x: -x, lambda x: -1.0),
    "log": (lambda x: fm.log(x), lambda x: 1 / x),
    "exp": (lambda x: fm.exp(x), lambda x: math.exp(x)),
    "sin": (lambda x: fm.sin(x), lambda x: math.cos(x)),
    "cos": (lambda x: fm.cos(x), lambda x: -math.sin(x)),
    "relu": (lambda x: fm.relu(x), lambda x: 1.0 if x > 0 else 0.0),
    "chain": (
        lambda x: fm.exp(fm.sin(x) * x) / (1.0 + x * x),
        lambda x: (
            (
                math.exp(math.sin(x) * x) * (math.cos(x) * x + math.sin(x)) * (1 + x * x)
                - math.exp(math.sin(x) * x) * 2 * x
            )
            / (1 + x * x) ** 2
        ),
    ),
}


@pytest.mark.parametrize("x", [0.7, 1.3, 2.5])
@pytest.mark.parametrize("name", RULES)
def test_dual_derivative_matches_the_analytic_one(name, x):
    f, df = RULES[name]
    out = f(Dual(x, 1.0))
    assert out.value == pytest.approx(f(x), rel=1e-12)
    assert out.tangent == pytest.approx(df(x), rel=1e-12)
    assert fm.derivative(f, x) == pytest.approx(central_difference(f, x), rel=1e-6)


def test_relu_of_a_negative_dual_has_zero_tangent():
    assert fm.derivative(fm.relu, -1.5) == 0.0
    assert fm.relu(Dual(-1.5, 2.0)).value == 0.0


@pytest.mark.parametrize(
    "fn, reference",
    [(fm.log, math.log), (fm.exp, math.exp), (fm.sin, math.sin), (fm.cos, math.cos), (fm.relu, lambda x: max(x, 0.0))],
)
def test_functions_on_plain_numbers_give_plain_numbers(fn, reference):
    for x in (0.5, 2.0):
        assert fn(x) == reference(x) and not isinstance(fn(x), Dual)


def test_tangent_scales_with_the_seed():
    # seeding ẋ = 2 gives 2·f′(x): a directional derivative
    assert (Dual(1.5, 2.0) ** 3).tangent == pytest.approx(2 * 3 * 1.5**2)


def lecture_function(x1, x2):
    """y = ln(x1) + x1·x2 − sin(x2), the example of the lecture."""
    return fm.log(x1) + x1 * x2 - fm.sin(x2)


@pytest.mark.parametrize("x1, x2", [(2.0, 5.0), (0.5, -1.0)])
def test_partial_derivatives_of_the_lecture_function(x1, x2):
    assert fm.partial(lecture_function, (x1, x2), 0) == pytest.approx(1 / x1 + x2, rel=1e-12)
    assert fm.partial(lecture_function, (x1, x2), 1) == pytest.approx(x1 - math.cos(x2), rel=1e-12)
    assert fm.gradient(lecture_function, x1, x2) == pytest.approx([1 / x1 + x2, x1 - math.cos(x2)])


def test_forward_mode_agrees_with_reverse_mode():
    x1, x2 = ndl.Tensor(np.array(2.0)), ndl.Tensor(np.array(5.0))
    y = ndl.log(x1) + x1 * x2 - ndl.sin(x2)
    y.backward()
    forward = fm.gradient(lecture_function, 2.0, 5.0)
    np.testing.assert_allclose([x1.grad.numpy(), x2.grad.numpy()], forward, rtol=1e-12)


def test_constant_function_has_zero_derivative():
    assert fm.derivative(lambda x: 3.0, 1.0) == 0.0
