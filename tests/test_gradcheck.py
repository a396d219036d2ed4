"""The numerical-gradient checker passes right gradients and catches planted wrong ones."""

import numpy as np
import pytest

from needle_core.gradcheck import GradientCheckError, check_gradient, numerical_gradient, random_input, relative_error
from needle_core.simple_ml import softmax_loss


def softmax_problem(n=4, k=3, batch=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, n))
    y = rng.integers(0, k, batch)
    return X, y, random_input((n, k), seed)


def softmax_gradient(X, y, scale=1.0, sign=1.0, divide=True):
    """Gradient of θ ↦ softmax_loss(Xθ, y); the keyword arguments plant bugs."""

    def gradient(w, theta):
        Z = np.exp(X @ theta)
        Z /= Z.sum(axis=1, keepdims=True)
        Z[np.arange(len(y)), y] -= 1
        g = X.T @ Z / (len(y) if divide else 1)
        return [w * sign * scale * g]

    return gradient


def loss_of_theta(X, y):
    return lambda theta: softmax_loss(X @ theta, y)


@pytest.mark.parametrize("shape", [(4, 3), (30, 10)])  # element-wise and directional
def test_right_gradient_passes(shape):
    X, y, theta = softmax_problem(*shape)
    reports = check_gradient(
        loss_of_theta(X, y), [theta], softmax_gradient(X, y), name="softmax_loss", argnames=["theta"]
    )
    assert reports[0].error < 1e-7


@pytest.mark.parametrize("shape", [(4, 3), (30, 10)])
@pytest.mark.parametrize(
    "bug", [dict(sign=-1.0), dict(divide=False), dict(scale=0.5)], ids=["wrong sign", "missing 1/B", "half"]
)
def test_planted_softmax_bugs_fail(shape, bug):
    X, y, theta = softmax_problem(*shape)
    with pytest.raises(GradientCheckError, match="softmax_loss.*'theta'"):
        check_gradient(
            loss_of_theta(X, y), [theta], softmax_gradient(X, y, **bug), name="softmax_loss", argnames=["theta"]
        )


def test_missing_transpose_fails_even_when_shapes_agree():
    A, B = random_input((3, 3), 1), random_input((3, 3), 2)

    def wrong(w, a, b):
        return [w @ b, a @ w]  # right: w @ b.T and a.T @ w

    with pytest.raises(GradientCheckError, match="matmul: gradient w.r.t. 'A'"):
        check_gradient(lambda a, b: a @ b, [A, B], wrong, name="matmul", argnames=["A", "B"])


def test_missing_transpose_with_other_shapes_is_a_shape_error():
    A, B = random_input((2, 3), 1), random_input((3, 4), 2)
    with pytest.raises(GradientCheckError, match=r"has shape \(3, 2\).*'A' has shape \(2, 3\)"):
        check_gradient(
            lambda a, b: a @ b, [A, B], lambda w, a, b: [(w @ b.T).T, a.T @ w], name="matmul", argnames=["A", "B"]
        )


def test_dropped_term_fails():
    x, z = random_input((2, 2), 3), random_input((2, 2), 4)
    f = lambda x, z: x * z + x**2
    check_gradient(f, [x, z], lambda w, x, z: [w * (z + 2 * x), w * x], name="f")
    with pytest.raises(GradientCheckError, match="'arg0'"):
        check_gradient(f, [x, z], lambda w, x, z: [w * z, w * x], name="f")


def test_projection_catches_a_bug_that_a_plain_sum_hides():
    # A gradient that transposes its incoming weights is right when the weights are all ones.
    x = random_input((3, 3))
    transposed = lambda w, x: [2 * np.asarray(w).T]
    plain_sum = numerical_gradient(lambda x: 2 * x, [x], 0, np.ones((3, 3)))
    np.testing.assert_allclose(transposed(np.ones((3, 3)), x)[0], plain_sum, rtol=1e-8)
    with pytest.raises(GradientCheckError):
        check_gradient(lambda x: 2 * x, [x], transposed, name="double")


@pytest.mark.parametrize("shape", [(2, 2), (20, 20)])
def test_nan_gradient_never_passes(shape):
    x = random_input(shape)
    with pytest.raises(GradientCheckError, match="NaN or Inf"):
        check_gradient(lambda x: x**2, [x], lambda w, x: [np.full(x.shape, np.nan)], name="square")


def test_nan_function_value_never_passes():
    with pytest.raises(GradientCheckError, match="NaN or Inf"):
        check_gradient(
            lambda x: x * np.inf, [random_input((2,), positive=True)], lambda w, x: [w * np.inf], name="overflow"
        )


def test_relative_error_of_nan_is_infinite():
    assert relative_error(np.nan, 1.0) == np.inf
    assert relative_error(1.0, np.inf) == np.inf
    assert relative_error(0.0, 0.0) == 0.0


def test_failure_message_names_element_and_values():
    x = random_input((3,), 5)
    with pytest.raises(GradientCheckError) as info:
        check_gradient(lambda x: x**3, [x], lambda w, x: [w * 3 * x], name="cube", argnames=["x"])
    message = str(info.value)
    assert "cube" in message and "'x'" in message and "at index" in message
    assert "analytic" in message and "numerical" in message and "relative error" in message


def test_deterministic():
    X, y, theta = softmax_problem(30, 10)
    run = lambda: check_gradient(loss_of_theta(X, y), [theta], softmax_gradient(X, y), name="softmax_loss")[0]
    assert run() == run()


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 0.5])
    g = numerical_gradient(lambda x: x**3, [x], 0, np.ones(3))
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-8)


def test_random_input_stays_away_from_zero():
    x = random_input((1000,), 7)
    assert np.all(np.abs(x) >= 0.5) and np.any(x < 0) and np.any(x > 0)
