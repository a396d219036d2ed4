"""The a2 network through autodiff (needle_core.apps.simple_ml) against the numpy reference.

The autodiff loss, gradients and SGD epoch must equal those of ``needle_core.simple_ml`` to
float32 precision: same model, same data order, same update.
"""

import numpy as np
import pytest

import needle_core as ndl
from needle_core import simple_ml
from needle_core.apps import simple_ml as autodiff_ml
from needle_core.gradcheck import check_tensor_gradient, random_input


@pytest.fixture
def mnist_like():
    """300 random 'images' of 784 pixels in [0, 1] and their labels (seeded)."""
    rng = np.random.default_rng(0)
    X = rng.random((300, 784), dtype=np.float32)
    y = rng.integers(0, 10, 300).astype(np.uint8)
    return X, y


def one_hot(y, k=10, dtype=np.float32):
    out = np.zeros((len(y), k), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


def autodiff_mlp_gradients(X, y, weights):
    """Gradients of the mean softmax loss of the L-layer ReLU network, from backward()."""
    W = [ndl.Tensor(w) for w in weights]
    Z = ndl.Tensor(X, requires_grad=False)
    for i, w in enumerate(W):
        Z = Z @ w if i == len(W) - 1 else ndl.relu(Z @ w)
    autodiff_ml.softmax_loss(Z, ndl.Tensor(one_hot(y, Z.shape[1], X.dtype))).backward()
    return [w.grad.numpy() for w in W]


def test_parse_mnist_and_loss_err_are_the_numpy_ones():
    assert autodiff_ml.parse_mnist is simple_ml.parse_mnist
    assert autodiff_ml.loss_err is simple_ml.loss_err


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1.0, 50.0, 1000.0])
def test_softmax_loss_equals_the_numpy_loss(dtype, scale):
    rng = np.random.default_rng(1)
    Z = (rng.standard_normal((8, 5)) * scale).astype(dtype)
    y = rng.integers(0, 5, 8)
    loss = autodiff_ml.softmax_loss(ndl.Tensor(Z), ndl.Tensor(one_hot(y, 5, dtype)))
    assert loss.shape == () and loss.dtype == dtype
    assert np.isfinite(loss.numpy())
    np.testing.assert_allclose(loss.numpy(), simple_ml.softmax_loss(Z, y), rtol=1e-6)


def test_softmax_loss_gradient_matches_numerical():
    y = np.array([0, 2, 1, 2])
    labels = ndl.Tensor(one_hot(y, 3, np.float64), requires_grad=False)
    check_tensor_gradient(lambda Z: autodiff_ml.softmax_loss(Z, labels), random_input((4, 3)), name="softmax_loss")


def test_softmax_loss_gradient_equals_the_manual_one():
    rng = np.random.default_rng(2)
    Z, y = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    logits = ndl.Tensor(Z)
    autodiff_ml.softmax_loss(logits, ndl.Tensor(one_hot(y, 4, np.float64))).backward()
    np.testing.assert_allclose(logits.grad.numpy(), simple_ml.softmax_loss_gradient(Z, y), rtol=1e-10)


@pytest.mark.parametrize("dims", [[784, 20, 10], [784, 32, 16, 10]])
def test_mlp_gradients_equal_the_manual_backprop(mnist_like, dims):
    X, y = mnist_like
    X, y = X[:100], y[:100]
    weights = simple_ml.init_mlp(dims, seed=3)
    manual = simple_ml.mlp_gradients(X, y, weights)
    autodiff = autodiff_mlp_gradients(X, y, weights)
    for i, (m, a) in enumerate(zip(manual, autodiff)):
        assert a.dtype == np.float32 and a.shape == m.shape
        np.testing.assert_allclose(a, m, rtol=1e-5, atol=1e-7, err_msg=f"gradient of W{i + 1}")


@pytest.mark.parametrize("lr, batch", [(0.1, 100), (0.5, 64)])
def test_nn_epoch_equals_the_numpy_epoch(mnist_like, lr, batch):
    X, y = mnist_like
    W1, W2 = simple_ml.init_mlp([784, 20, 10], seed=0)
    T1, T2 = autodiff_ml.nn_epoch(X, y, ndl.Tensor(W1), ndl.Tensor(W2), lr=lr, batch=batch)
    simple_ml.nn_epoch(X, y, W1, W2, lr=lr, batch=batch)
    np.testing.assert_allclose(T1.numpy(), W1, atol=1e-5)
    np.testing.assert_allclose(T2.numpy(), W2, atol=1e-5)


def test_nn_epoch_returns_fresh_float32_leaves_and_leaves_its_inputs_alone(mnist_like):
    X, y = mnist_like
    W1, W2 = simple_ml.init_mlp([784, 20, 10], seed=0)
    T1, T2 = ndl.Tensor(W1), ndl.Tensor(W2)
    N1, N2 = autodiff_ml.nn_epoch(X, y, T1, T2)
    for new, old in ((N1, W1), (N2, W2)):
        assert isinstance(new, ndl.Tensor) and new.op is None and new.requires_grad
        assert new.dtype == np.float32 and new.shape == old.shape
    np.testing.assert_array_equal(T1.numpy(), W1)
    np.testing.assert_array_equal(T2.numpy(), W2)


def test_nn_epoch_lowers_the_training_loss(mnist_like):
    X, y = mnist_like
    W1, W2 = simple_ml.init_mlp([784, 20, 10], seed=0)
    before = simple_ml.loss_err(np.maximum(X @ W1, 0) @ W2, y)[0]
    T1, T2 = ndl.Tensor(W1), ndl.Tensor(W2)
    for _ in range(3):
        T1, T2 = autodiff_ml.nn_epoch(X, y, T1, T2, lr=0.2)
    after = autodiff_ml.loss_err(np.maximum(X @ T1.numpy(), 0) @ T2.numpy(), y)[0]
    assert after < before
