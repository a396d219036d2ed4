"""Trusted tests of a1 (never released): one function per graded cell, named by its grade id.

Each calls the student's code on the inputs of the notebook's test and returns what came back;
the grader compares it, outside the student's process, with what the reference returns on the
same inputs (docs/sandbox.md). A probe mirrors its notebook cell: a bug the cell catches must
change a value returned here, and nothing else. Probes return raw values and judge nothing
themselves: the student's code runs in the same process and may have replaced numpy's functions.
"""

import gzip
import struct

import numpy as np


def _simple_ml():
    from needle_core import simple_ml

    return simple_ml


def _random_input(shape, seed):
    from needle_core.gradcheck import random_input

    return random_input(shape, seed=seed)


def _arrays(X, y):
    """What a test checks of parse_mnist's result, as comparable values."""
    X, y = np.asarray(X), np.asarray(y)
    return {
        "X_dtype": str(X.dtype),
        "X_shape": list(X.shape),
        "y_dtype": str(y.dtype),
        "y_shape": list(y.shape),
        "row_sums": X.sum(axis=1, dtype=np.float64)[:: max(1, len(X) // 997)],
        "extremes": [float(X.min()), float(X.max())],
        "y": y.astype(np.int64),
        "pixels": X[:: max(1, len(X) // 5)].astype(np.float64),
    }


def test_parse_mnist_visible(ctx):
    files = ctx.mnist()
    return _arrays(*_simple_ml().parse_mnist(files["train_images"], files["train_labels"]))


def test_parse_mnist_hidden(ctx):
    files = ctx.mnist()
    test_set = _arrays(*_simple_ml().parse_mnist(files["test_images"], files["test_labels"]))
    rng = np.random.default_rng(12)
    pixels = rng.integers(0, 256, size=(3, 2, 5), dtype=np.uint8)
    labels = np.array([7, 0, 9], dtype=np.uint8)
    image_path, label_path = ctx.tmp / "tiny-images-idx3-ubyte.gz", ctx.tmp / "tiny-labels-idx1-ubyte.gz"
    with gzip.open(image_path, "wb") as f:
        f.write(struct.pack(">4I", 2051, 3, 2, 5) + pixels.tobytes())
    with gzip.open(label_path, "wb") as f:
        f.write(struct.pack(">2I", 2049, 3) + labels.tobytes())
    X_s, y_s = _simple_ml().parse_mnist(str(image_path), str(label_path))
    return {
        "test_set": test_set,
        "small_X": np.asarray(X_s, dtype=np.float64),
        "small_y": np.asarray(y_s).astype(np.int64),
    }


def test_softmax_loss_visible(ctx):
    simple_ml = _simple_ml()
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((50, 10))
    y = rng.integers(0, 10, size=50)
    return {
        "equal_logits": simple_ml.softmax_loss(np.zeros((5, 10)), np.array([3, 1, 4, 1, 5])),
        "seed_0": simple_ml.softmax_loss(Z, y),
        "large": simple_ml.softmax_loss(1000 * Z, y),
    }


def test_softmax_loss_hidden(ctx):
    simple_ml = _simple_ml()
    out = {"two_classes": simple_ml.softmax_loss(np.array([[1.0, 3.0]]), np.array([0]))}
    gen = np.random.default_rng(7)
    logits = (3 * gen.standard_normal((7, 3))).astype(np.float32)
    labels = gen.integers(0, 3, size=7).astype(np.uint8)
    out["float32_uint8"] = simple_ml.softmax_loss(logits, labels)
    out["input_after_the_call"] = logits  # must be unchanged: compared with the reference's
    logits = (1e4 * gen.standard_normal((5, 4))).astype(np.float32)
    out["huge_float32"] = simple_ml.softmax_loss(logits, gen.integers(0, 4, size=5))
    out["batch_100"] = simple_ml.softmax_loss(gen.standard_normal((100, 10)), gen.integers(0, 10, size=100))
    return out


def _loss_guard(simple_ml):
    """The epoch tests use the student's softmax_loss: a wrong loss fails them too, as in the notebook."""
    rng = np.random.default_rng(0)
    return simple_ml.softmax_loss(rng.standard_normal((50, 10)), rng.integers(0, 10, size=50))


def _step(simple_ml, X, y, theta, lr, batch):
    theta = np.array(theta)
    passed_in = theta
    simple_ml.softmax_regression_epoch(X, y, theta, lr=lr, batch=batch)
    return {"theta": np.asarray(passed_in, dtype=np.float64), "dtype": str(passed_in.dtype)}


def test_softmax_regression_epoch_visible(ctx):
    simple_ml = _simple_ml()
    out = {"loss_guard": _loss_guard(simple_ml)}
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((20, 6)), rng.integers(0, 4, size=20)
    out["one_step"] = _step(simple_ml, X, y, _random_input((6, 4), 2), 0.1, 20)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 5)).astype(np.float32)
    y = rng.integers(0, 3, size=60).astype(np.uint8)
    out["epoch"] = _step(simple_ml, X, y, np.zeros((5, 3), dtype=np.float32), 0.5, 20)
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((25, 6)), rng.integers(0, 4, size=25)
    out["partial_last"] = {
        "first_minibatch": _step(simple_ml, X[:20], y[:20], _random_input((6, 4), 5), 0.1, 20),
        "epoch": _step(simple_ml, X, y, _random_input((6, 4), 5), 0.1, 20),
    }
    rng = np.random.default_rng(5)
    X, y = 400 * rng.standard_normal((10, 4)), rng.integers(0, 3, size=10)
    out["large_logits"] = _step(simple_ml, X, y, _random_input((4, 3), 6), 0.001, 10)
    return out


def test_softmax_regression_epoch_hidden(ctx):
    simple_ml = _simple_ml()
    out = {"loss_guard": _loss_guard(simple_ml)}
    gen = np.random.default_rng(21)
    out["partial_only"] = _step(
        simple_ml, gen.standard_normal((7, 4)), gen.integers(0, 3, size=7), _random_input((4, 3), 22), 0.2, 100
    )
    out["wide"] = _step(
        simple_ml,
        gen.standard_normal((40, 30)),
        gen.integers(0, 10, size=40),
        _random_input((30, 10), 23) / 5,
        0.05,
        40,
    )
    out["uint8_labels"] = _step(
        simple_ml,
        gen.standard_normal((15, 3)),
        gen.integers(0, 5, size=15).astype(np.uint8),
        _random_input((3, 5), 24),
        0.1,
        15,
    )
    gen = np.random.default_rng(25)
    data = (200 * gen.standard_normal((12, 5))).astype(np.float32)
    labels = gen.integers(0, 3, size=12).astype(np.uint8)
    out["large_float32"] = _step(simple_ml, data, labels, _random_input((5, 3), 26).astype(np.float32), 0.001, 5)
    gen = np.random.default_rng(13)
    data = gen.standard_normal((130, 7)).astype(np.float32)
    labels = gen.integers(0, 4, size=130).astype(np.uint8)
    out["partial_last"] = _step(simple_ml, data, labels, np.zeros((7, 4), dtype=np.float32), 0.3, 40)
    return out


TOLERANCE = {
    "test_softmax_regression_epoch_visible": {"rtol": 1e-4, "atol": 1e-6},
    "test_softmax_regression_epoch_hidden": {"rtol": 1e-4, "atol": 1e-6},
}
