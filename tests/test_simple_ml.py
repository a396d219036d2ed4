"""The numpy functions of a1 and a2 (needle_core.simple_ml), on small inputs.

Every function and training loop is checked against something it does not share code
with: bytes written by hand in the IDX format, the loss written out row by row, numerical
gradients from needle_core.gradcheck, and SGD steps taken on those numerical gradients.
The notebooks' own tests run the same functions through nbgrader; these run in seconds.
"""

import gzip
import math
import struct

import numpy as np
import pytest

from needle_core import simple_ml
from needle_core.gradcheck import check_gradient, numerical_gradient, random_input


# ---------------------------------------------------------------- helpers


def write_idx(tmp_path, images, labels, image_magic=2051, label_magic=2049, label_count=None):
    """Write gzip-compressed IDX files for uint8 ``images`` (m, rows, cols) and ``labels``."""
    m, rows, cols = images.shape
    image_file, label_file = tmp_path / "images-idx3-ubyte.gz", tmp_path / "labels-idx1-ubyte.gz"
    with gzip.open(image_file, "wb") as f:
        f.write(struct.pack(">4I", image_magic, m, rows, cols) + images.astype(np.uint8).tobytes())
    with gzip.open(label_file, "wb") as f:
        count = len(labels) if label_count is None else label_count
        f.write(struct.pack(">2I", label_magic, count) + np.asarray(labels, np.uint8).tobytes())
    return str(image_file), str(label_file)


def loss_by_rows(Z, y):
    """The mean softmax loss, one example at a time with math.log/math.exp."""
    total = 0.0
    for z, label in zip(np.asarray(Z, dtype=np.float64), y):
        top = max(z)
        total += top + math.log(sum(math.exp(v - top) for v in z)) - z[label]
    return total / len(y)


def numerical_loss_gradient(loss, weights, index):
    """Central-difference gradient of the scalar ``loss(*weights)`` w.r.t. ``weights[index]``."""
    return numerical_gradient(loss, weights, index, np.float64(1.0))


def mlp_loss(X, y):
    """The mean softmax loss of the L-layer ReLU network, as a function of its weights."""
    return lambda *weights: simple_ml.softmax_loss(simple_ml.mlp_forward(X, list(weights))[-1], y)


@pytest.fixture
def small_problem():
    """7 examples (float64), 4 features, 3 classes: two full minibatches of 3 and one of 1."""
    X = random_input((7, 4), seed=10)
    y = np.array([0, 2, 1, 1, 0, 2, 2], dtype=np.uint8)
    return X, y


@pytest.fixture
def blobs():
    """300 examples in 3 well-separated Gaussian clusters of 6 features (float32)."""
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 300).astype(np.uint8)
    centers = 3.0 * rng.standard_normal((3, 6))
    X = (centers[y] + rng.standard_normal((300, 6))).astype(np.float32)
    return X[:200], y[:200], X[200:], y[200:]


# ---------------------------------------------------------------- parse_mnist


def test_parse_mnist_reads_pixels_row_major_scaled_to_unit_interval(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10
    images[1, 2, 3] = 255
    X, y = simple_ml.parse_mnist(*write_idx(tmp_path, images, [7, 3]))
    assert X.dtype == np.float32 and X.shape == (2, 12)
    assert y.dtype == np.uint8 and y.tolist() == [7, 3]
    np.testing.assert_allclose(X, images.reshape(2, 12) / 255.0, rtol=1e-7)
    assert X[1, 11] == 1.0 and X[0, 0] == 0.0


def test_parse_mnist_returns_writable_labels(tmp_path):
    _, y = simple_ml.parse_mnist(*write_idx(tmp_path, np.zeros((3, 2, 2)), [1, 2, 3]))
    y[0] = 9  # a read-only view of the file's buffer would raise here
    assert y.tolist() == [9, 2, 3]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(image_magic=2049), "not an IDX image file"),
        (dict(label_magic=2051), "not an IDX label file"),
        (dict(label_count=2), "3 images but 2 labels"),
    ],
)
def test_parse_mnist_refuses_malformed_files(tmp_path, kwargs, message):
    files = write_idx(tmp_path, np.zeros((3, 2, 2)), [1, 2, 3], **kwargs)
    with pytest.raises(ValueError, match=message):
        simple_ml.parse_mnist(*files)


# ---------------------------------------------------------------- softmax_loss and loss_err


@pytest.mark.parametrize("scale", [1.0, 100.0, 1000.0])
def test_softmax_loss_is_the_mean_cross_entropy(scale):
    Z = random_input((5, 4), seed=1) * scale
    y = np.array([0, 3, 1, 1, 2])
    loss = simple_ml.softmax_loss(Z, y)
    assert isinstance(loss, float) and math.isfinite(loss)
    assert loss == pytest.approx(loss_by_rows(Z, y), rel=1e-12)


def test_softmax_loss_of_uniform_logits_is_log_k():
    assert simple_ml.softmax_loss(np.zeros((4, 10), np.float32), np.arange(4)) == pytest.approx(math.log(10), rel=1e-6)


def test_loss_err_counts_rows_whose_largest_logit_is_not_the_label():
    h = np.array([[3.0, 1.0, 0.0], [0.0, 2.0, 1.0], [0.0, 0.0, 5.0], [1.0, 0.0, 0.0]])
    y = np.array([0, 2, 2, 1])
    loss, err = simple_ml.loss_err(h, y)
    assert err == 0.5
    assert loss == pytest.approx(loss_by_rows(h, y), rel=1e-12)


# ---------------------------------------------------------------- softmax regression (a1)


def test_softmax_regression_epoch_takes_sgd_steps_on_numerical_gradients_in_order(small_problem):
    X, y = small_problem
    theta = random_input((4, 3), seed=11) * 0.1
    expected = theta.copy()
    for start in (0, 3, 6):  # the last minibatch has one example: its mean is over 1, not 3

        def loss(t, start=start):
            return simple_ml.softmax_loss(X[start : start + 3] @ t, y[start : start + 3])

        expected -= 0.2 * numerical_loss_gradient(loss, [expected], 0)
    same_object = theta
    assert simple_ml.softmax_regression_epoch(X, y, theta, lr=0.2, batch=3) is None
    assert theta is same_object
    np.testing.assert_allclose(theta, expected, rtol=1e-6, atol=1e-9)


def test_softmax_regression_epoch_lowers_the_loss(blobs):
    X, y, _, _ = blobs
    theta = np.zeros((6, 3), dtype=np.float32)
    before = simple_ml.softmax_loss(X @ theta, y)
    simple_ml.softmax_regression_epoch(X, y, theta, lr=0.1, batch=50)
    assert theta.dtype == np.float32
    assert simple_ml.softmax_loss(X @ theta, y) < 0.5 * before


def test_train_softmax_repeats_the_epoch_from_zero_and_records_each_epoch(blobs):
    X_tr, y_tr, X_te, y_te = blobs
    theta, history = simple_ml.train_softmax(X_tr, y_tr, X_te, y_te, epochs=3, lr=0.1, batch=40, show_progress=False)
    expected = np.zeros((6, 3), dtype=np.float32)
    for _ in range(3):
        simple_ml.softmax_regression_epoch(X_tr, y_tr, expected, lr=0.1, batch=40)
    np.testing.assert_array_equal(theta, expected)
    assert [row["epoch"] for row in history] == [1, 2, 3]
    last = history[-1]
    assert (last["train_loss"], last["train_err"]) == simple_ml.loss_err(X_tr @ theta, y_tr)
    assert (last["test_loss"], last["test_err"]) == simple_ml.loss_err(X_te @ theta, y_te)
    assert history[0]["train_loss"] > last["train_loss"] and last["test_err"] < 0.1


# ---------------------------------------------------------------- the pieces of backprop (a2)


def test_relu_and_its_derivative():
    A = np.array([[-2.0, 0.0, 3.0], [0.5, -0.1, 0.0]], dtype=np.float32)
    R, D = simple_ml.relu(A), simple_ml.relu_derivative(A)
    np.testing.assert_array_equal(R, [[0, 0, 3], [0.5, 0, 0]])
    np.testing.assert_array_equal(D, [[0, 0, 1], [1, 0, 0]])  # 0 at the kink
    assert R.dtype == D.dtype == np.float32 and A[0, 0] == -2.0  # A is left unchanged


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_softmax_rows_are_probabilities_and_shift_invariant(scale):
    Z = random_input((4, 5), seed=2) * scale
    P = simple_ml.softmax(Z)
    assert np.all(np.isfinite(P)) and np.all(P >= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(simple_ml.softmax(Z + 7.0), P, rtol=1e-9, atol=1e-300)
    np.testing.assert_array_equal(P.argmax(axis=1), Z.argmax(axis=1))


def test_softmax_of_small_logits_is_exp_over_its_sum():
    Z = random_input((3, 4), seed=3)
    E = np.exp(Z)
    np.testing.assert_allclose(simple_ml.softmax(Z), E / E.sum(axis=1, keepdims=True), rtol=1e-12)


def test_softmax_loss_gradient_matches_numerical():
    y = np.array([2, 0, 1, 1, 3])
    check_gradient(
        lambda Z: simple_ml.softmax_loss(Z, y),
        [random_input((5, 4), seed=4)],
        lambda w, Z: [w * simple_ml.softmax_loss_gradient(Z, y)],
        name="softmax_loss_gradient",
        argnames=["Z"],
    )


def test_softmax_loss_gradient_leaves_the_logits_alone():
    Z = random_input((3, 4), seed=5)
    before = Z.copy()
    simple_ml.softmax_loss_gradient(Z, np.array([0, 1, 2]))
    np.testing.assert_array_equal(Z, before)


def test_init_mlp_shapes_scale_dtype_and_seed():
    weights = simple_ml.init_mlp([300, 200, 50, 10], seed=7)
    assert [w.shape for w in weights] == [(300, 200), (200, 50), (50, 10)]
    assert all(w.dtype == np.float32 for w in weights)
    for w in weights:  # N(0, 1) / sqrt(columns): the standard deviation is 1/sqrt(columns)
        assert w.std() * math.sqrt(w.shape[1]) == pytest.approx(1.0, rel=0.1)
    again = simple_ml.init_mlp([300, 200, 50, 10], seed=7)
    other = simple_ml.init_mlp([300, 200, 50, 10], seed=8)
    assert all(np.array_equal(a, b) for a, b in zip(weights, again))
    assert not np.array_equal(weights[0], other[0])
    assert simple_ml.init_mlp([3, 2], dtype=np.float64)[0].dtype == np.float64


def test_mlp_forward_returns_every_layer():
    X = random_input((5, 4), seed=6)
    W = [random_input(shape, seed=i) for i, shape in enumerate([(4, 6), (6, 3), (3, 2)])]
    Z = simple_ml.mlp_forward(X, W)
    assert len(Z) == 4 and Z[0] is X
    np.testing.assert_allclose(Z[1], np.maximum(X @ W[0], 0), rtol=1e-12)
    np.testing.assert_allclose(Z[2], np.maximum(Z[1] @ W[1], 0), rtol=1e-12)
    np.testing.assert_allclose(Z[3], Z[2] @ W[2], rtol=1e-12)  # logits: no ReLU
    assert (Z[3] < 0).any() and (Z[1] == 0).any()


@pytest.mark.parametrize("dims", [[4, 3], [4, 5, 3], [4, 6, 5, 3]])
def test_mlp_gradients_match_numerical(small_problem, dims):
    X, y = small_problem
    weights = [random_input((a, b), seed=20 + i) for i, (a, b) in enumerate(zip(dims, dims[1:]))]
    assert all(g.shape == w.shape for g, w in zip(simple_ml.mlp_gradients(X, y, weights), weights))
    check_gradient(
        mlp_loss(X, y),
        weights,
        lambda w, *ws: [w * g for g in simple_ml.mlp_gradients(X, y, list(ws))],
        name="mlp_gradients",
        argnames=[f"W{i + 1}" for i in range(len(weights))],
    )


# ---------------------------------------------------------------- training loops (a2)


def sgd_on_numerical_gradients(X, y, weights, lr, batch):
    """The epoch the a2 functions must take: in-order minibatches, numerical gradients."""
    weights = [w.copy() for w in weights]
    for start in range(0, len(y), batch):
        loss = mlp_loss(X[start : start + batch], y[start : start + batch])
        grads = [numerical_loss_gradient(loss, weights, i) for i in range(len(weights))]
        weights = [w - lr * g for w, g in zip(weights, grads)]
    return weights


def test_nn_epoch_takes_sgd_steps_on_numerical_gradients_in_place(small_problem):
    X, y = small_problem
    W1, W2 = random_input((4, 5), seed=30), random_input((5, 3), seed=31)
    expected = sgd_on_numerical_gradients(X, y, [W1, W2], lr=0.1, batch=3)
    ids = id(W1), id(W2)
    assert simple_ml.nn_epoch(X, y, W1, W2, lr=0.1, batch=3) is None
    assert (id(W1), id(W2)) == ids
    np.testing.assert_allclose(W1, expected[0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(W2, expected[1], rtol=1e-6, atol=1e-9)


def test_mlp_epoch_takes_sgd_steps_on_numerical_gradients_in_place(small_problem):
    X, y = small_problem
    weights = [random_input(s, seed=40 + i) for i, s in enumerate([(4, 6), (6, 5), (5, 3)])]
    expected = sgd_on_numerical_gradients(X, y, weights, lr=0.05, batch=3)
    originals = list(weights)
    assert simple_ml.mlp_epoch(X, y, weights, lr=0.05, batch=3) is None
    assert all(w is o for w, o in zip(weights, originals))
    for i, (w, e) in enumerate(zip(weights, expected)):
        np.testing.assert_allclose(w, e, rtol=1e-6, atol=1e-9, err_msg=f"W{i + 1}")


def test_mlp_epoch_with_two_weights_is_nn_epoch(blobs):
    X, y, _, _ = blobs
    W1, W2 = simple_ml.init_mlp([6, 8, 3], seed=1)
    weights = [W1.copy(), W2.copy()]
    simple_ml.nn_epoch(X, y, W1, W2, lr=0.2, batch=64)
    simple_ml.mlp_epoch(X, y, weights, lr=0.2, batch=64)
    np.testing.assert_allclose(weights[0], W1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(weights[1], W2, rtol=1e-5, atol=1e-6)


def test_train_nn_repeats_nn_epoch_from_init_mlp_and_learns(blobs):
    X_tr, y_tr, X_te, y_te = blobs
    W1, W2, history = simple_ml.train_nn(
        X_tr, y_tr, X_te, y_te, hidden_dim=8, epochs=3, lr=0.1, batch=40, seed=2, show_progress=False
    )
    E1, E2 = simple_ml.init_mlp([6, 8, 3], seed=2)
    for _ in range(3):
        simple_ml.nn_epoch(X_tr, y_tr, E1, E2, lr=0.1, batch=40)
    np.testing.assert_array_equal(W1, E1)
    np.testing.assert_array_equal(W2, E2)
    assert [row["epoch"] for row in history] == [1, 2, 3]
    last = history[-1]
    logits_te = np.maximum(X_te @ W1, 0) @ W2
    assert (last["test_loss"], last["test_err"]) == simple_ml.loss_err(logits_te, y_te)
    assert history[0]["train_loss"] > last["train_loss"] and last["test_err"] < 0.1


def test_loss_err_of_the_autodiff_module_takes_tensor_logits():
    import needle_core as ndl
    from needle_core.apps import simple_ml as autodiff_ml

    h = random_input((6, 4), seed=12).astype(np.float32)
    y = np.array([0, 1, 2, 3, 0, 1], dtype=np.uint8)
    expected = simple_ml.loss_err(h, y)
    assert autodiff_ml.loss_err(ndl.Tensor(h), y) == expected
    assert autodiff_ml.loss_err(ndl.Tensor(h), ndl.Tensor(y, requires_grad=False)) == expected
    assert expected[1] == float(np.mean(h.argmax(axis=1) != y))
