"""Trusted tests of a2 (never released): one function per graded cell, named by its grade id.

Each calls the student's code on the inputs of the notebook's test and returns what came back;
the grader compares it, outside the student's process, with what the reference returns on the
same inputs (docs/sandbox.md). A probe mirrors its notebook cell: a bug the cell catches must
change a value returned here, and nothing else.

Two conventions recur:

- Where a cell checks a gradient against the numerical gradient of the student's *own* loss
  (``softmax_loss``, ``mlp_forward``), the probe returns the gradient and also the slopes of that
  loss along a few fixed directions (:func:`_slopes`): a wrong loss then fails the probe as it
  fails the cell.
- The grader's absolute tolerance is 1e-6. Where a cell asserts a much tighter absolute bound
  (``< 1e-12``, ``atol=1e-9``), the probe returns the values scaled by ``1e-6 / bound`` (the key
  names the factor, ``..._times_1e6``), so that the grader's comparison is the cell's (:func:`_scaled`).
"""

import numpy as np

GRADER_ATOL = 1e-6  # the grader's default absolute tolerance (grader/trusted.py)


def _simple_ml():
    from needle_core import simple_ml

    return simple_ml


def _random_input(shape, seed, positive=False):
    from needle_core.gradcheck import random_input

    return random_input(shape, seed=seed, positive=positive)


def _values(x):
    """``x`` as float64 numbers: the grader compares values, the cells never the float dtype of these."""
    return np.asarray(x, dtype=np.float64)


def _scaled(x, bound):
    """``x`` scaled so that the grader's absolute tolerance equals the cell's ``bound``."""
    return _values(x) * (GRADER_ATOL / bound)


def _slopes(f, args, seed=0, count=3, step=1e-6):
    """Central-difference slopes of the scalar ``f(*args)`` along ``count`` fixed unit directions
    per argument, in float64 as the gradient checker computes them: the oracle of a gradient check."""
    args = [np.array(a, dtype=np.float64) for a in args]
    rng = np.random.default_rng(seed)
    slopes = []
    for i, x in enumerate(args):
        for _ in range(count):
            direction = rng.standard_normal(x.shape)
            direction /= np.linalg.norm(direction)
            plus, minus = list(args), list(args)
            plus[i], minus[i] = x + step * direction, x - step * direction
            slopes.append((float(f(*[a.copy() for a in plus])) - float(f(*[a.copy() for a in minus]))) / (2 * step))
    return np.array(slopes)


def _unchanged(a, before):
    """The input as it is after the call: compared outside with the reference's, which left it alone.
    (No verdict is computed here: the student's code may have replaced numpy's functions.)"""
    return _values(a)


# ---------------------------------------------------------------- relu and its derivative


def test_relu_visible(ctx):
    simple_ml = _simple_ml()
    A = np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]])
    A_copy = A.copy()
    result = simple_ml.relu(A)
    out = {"shape": list(np.shape(result)), "values": _values(result), "input_unchanged": _unchanged(A, A_copy)}
    out["float32_dtype"] = str(simple_ml.relu(A.astype(np.float32)).dtype)
    return out


def test_relu_hidden(ctx):
    simple_ml = _simple_ml()
    M = _random_input((3, 4, 5), seed=90)
    M_before = np.array(M)
    result = simple_ml.relu(M)
    out = {"shape": list(np.shape(result)), "values": _values(result), "input_unchanged": _unchanged(M, M_before)}
    result = simple_ml.relu(-np.ones((2, 3), dtype=np.float32))
    out["negative_ones"] = _values(result)
    out["negative_ones_dtype"] = str(result.dtype)
    return out


def test_relu_derivative_visible(ctx):
    simple_ml = _simple_ml()
    A = np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]])
    d = simple_ml.relu_derivative(A)
    out = {
        "shape": list(np.shape(d)),
        "values": _values(d),
        "float32_dtype": str(simple_ml.relu_derivative(A.astype(np.float32)).dtype),
    }
    # The cell's gradient check compares with the numerical derivative of np.maximum, not of relu.
    out["random"] = _values(simple_ml.relu_derivative(_random_input((4, 6), seed=3)))
    return out


def test_relu_derivative_hidden(ctx):
    simple_ml = _simple_ml()
    out = {"random_3d": _values(simple_ml.relu_derivative(_random_input((3, 4, 5), seed=91)))}
    deriv = simple_ml.relu_derivative(np.zeros((2, 2), dtype=np.float32))
    out["zeros"], out["zeros_dtype"] = _values(deriv), str(deriv.dtype)
    M = np.array([1e-12, -1e-12, 3.0])
    M_before = np.array(M)
    out["near_zero"] = _values(simple_ml.relu_derivative(M))
    out["input_unchanged"] = _unchanged(M, M_before)
    return out


# ---------------------------------------------------------------- softmax and the loss gradient


def test_softmax_visible(ctx):
    simple_ml = _simple_ml()
    out = {"small": _values(simple_ml.softmax(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])))}
    rng = np.random.default_rng(1)
    S = simple_ml.softmax(rng.standard_normal((10, 7)))
    out["row_sums"], out["probabilities"] = _values(S.sum(axis=1)), _values(S)  # positive, rows sum to 1
    out["large"] = _values(simple_ml.softmax(np.array([[1000.0, 1001.0, 1002.0]])))
    return out


def test_softmax_hidden(ctx):
    simple_ml = _simple_ml()
    gen = np.random.default_rng(11)
    logits = gen.standard_normal((4, 6)) * 2
    logits_before = np.array(logits)
    out = {"random": _values(simple_ml.softmax(logits)), "input_unchanged": _unchanged(logits, logits_before)}
    out["very_negative"] = _values(simple_ml.softmax(np.array([[-1000.0, -1001.0]])))
    out["single_logit"] = _values(simple_ml.softmax(np.array([[5.0]])))
    return out


def _loss_gradient_case(simple_ml, Z, y):
    """What the cell's gradient check of softmax_loss_gradient at (Z, y) depends on."""
    Z_before = np.array(Z)
    G = simple_ml.softmax_loss_gradient(Z, y)
    return {
        "gradient": _values(G),
        "input_unchanged": _unchanged(Z, Z_before),
        "loss_slopes": _slopes(lambda L: simple_ml.softmax_loss(L, y), [Z_before]),
    }


def test_softmax_loss_gradient_visible(ctx):
    simple_ml = _simple_ml()
    rng = np.random.default_rng(10)
    Z = _random_input((6, 4), seed=10)
    y = rng.integers(0, 4, size=6)
    out = _loss_gradient_case(simple_ml, Z, y)
    del out["input_unchanged"]  # the visible cell does not check it
    return out


def test_softmax_loss_gradient_hidden(ctx):
    simple_ml = _simple_ml()
    gen = np.random.default_rng(13)
    out = {
        "one_example": _loss_gradient_case(simple_ml, _random_input((1, 2), seed=14), np.array([1])),
        "uint8_labels": _loss_gradient_case(
            simple_ml, _random_input((30, 10), seed=15), gen.integers(0, 10, size=30).astype(np.uint8)
        ),
        "five_by_three": _loss_gradient_case(simple_ml, _random_input((5, 3), seed=16), gen.integers(0, 3, size=5)),
    }
    gen = np.random.default_rng(12)
    logits = 1000 * gen.standard_normal((3, 4))
    labels = gen.integers(0, 4, size=3)
    # the cell: atol=1e-9
    out["huge_logits_times_1e3"] = _scaled(simple_ml.softmax_loss_gradient(logits, labels), 1e-9)
    return out


# ---------------------------------------------------------------- the two-layer network


def _nn_one_step(simple_ml, X, y, W1_start, W2_start, lr, batch, dead=None):
    """One nn_epoch call that is a single SGD step: the step it took, and the loss's slopes."""
    W1, W2 = np.array(W1_start), np.array(W2_start)
    simple_ml.nn_epoch(X, y, W1, W2, lr=lr, batch=batch)
    step1, step2 = (W1_start - W1) / lr, (W2_start - W2) / lr
    out = {
        "step_W1": _values(step1),
        "step_W2": _values(step2),
        "loss_slopes": _slopes(lambda P, Q: simple_ml.softmax_loss(np.maximum(X @ P, 0) @ Q, y), [W1_start, W2_start]),
    }
    if dead is not None:
        out["dead_unit_step_times_1e6"] = _scaled(step1[:, dead], 1e-12)  # the cell: all below 1e-12
    return out


def _nn_whole_epoch(simple_ml, X, y, dims, seed, lr, batch):
    W1, W2 = simple_ml.init_mlp(dims, seed=seed)
    simple_ml.nn_epoch(X, y, W1, W2, lr=lr, batch=batch)
    return W1, W2


def test_nn_epoch_visible(ctx):
    simple_ml = _simple_ml()
    rng = np.random.default_rng(4)
    X = _random_input((12, 5), seed=4, positive=True)
    y = rng.integers(0, 3, size=12)
    W1_before = _random_input((5, 6), seed=5) / np.sqrt(5)
    W1_before[:, 0] = -np.abs(W1_before[:, 0])
    W2_before = _random_input((6, 3), seed=6) / np.sqrt(6)
    out = {"one_step": _nn_one_step(simple_ml, X, y, W1_before, W2_before, 0.1, 12, dead=0)}
    rng = np.random.default_rng(7)
    X = rng.standard_normal((60, 4)).astype(np.float32)
    y = rng.integers(0, 3, size=60).astype(np.uint8)
    W1, W2 = _nn_whole_epoch(simple_ml, X, y, [4, 5, 3], 1, 0.5, 20)
    out["epoch"] = {"W1": _values(W1), "W2": _values(W2)}
    rng = np.random.default_rng(8)
    X, y = rng.standard_normal((15, 4)), rng.integers(0, 3, size=15)
    W1_first, W2_first = _random_input((4, 5), seed=9) / 2, _random_input((5, 3), seed=10) / np.sqrt(5)
    W1, W2 = np.array(W1_first), np.array(W2_first)
    simple_ml.nn_epoch(X[:12], y[:12], W1_first, W2_first, lr=0.1, batch=12)
    simple_ml.nn_epoch(X, y, W1, W2, lr=0.1, batch=12)
    last_loss = lambda P, Q: simple_ml.softmax_loss(np.maximum(X[12:] @ P, 0) @ Q, y[12:])
    out["partial_last"] = {
        "first_minibatch": [_values(W1_first), _values(W2_first)],
        "epoch": [_values(W1), _values(W2)],
        "loss_slopes": _slopes(last_loss, [W1_first, W2_first]),
    }
    return out


def test_nn_epoch_hidden(ctx):
    simple_ml = _simple_ml()
    out = {}
    gen = np.random.default_rng(31)
    for m, n, d, k, seed, lr, batch in [
        (9, 4, 5, 3, 32, 0.2, 100),
        (25, 20, 16, 5, 33, 0.05, 25),
        (8, 6, 6, 4, 34, 0.1, 8),
    ]:
        data = gen.standard_normal((m, n))
        labels = gen.integers(0, k, size=m)
        P = _random_input((n, d), seed=seed) / np.sqrt(n)
        Q = _random_input((d, k), seed=seed + 100) / np.sqrt(d)
        dead = None
        if d == 16:
            P[:, 3] = -np.abs(P[:, 3])
            data = np.abs(data) + 0.1
            dead = 3
        out[f"one_step_{m}x{n}x{d}x{k}"] = _nn_one_step(simple_ml, data, labels, P, Q, lr, batch, dead)
    gen = np.random.default_rng(17)
    data = gen.standard_normal((70, 7)).astype(np.float32)
    labels = gen.integers(0, 4, size=70).astype(np.uint8)
    V1, V2 = _nn_whole_epoch(simple_ml, data, labels, [7, 9, 4], 3, 0.4, 30)
    out["epoch"] = {"dtypes": [str(V1.dtype), str(V2.dtype)], "W1": _values(V1), "W2": _values(V2)}
    return out


# ---------------------------------------------------------------- networks of any depth


def test_mlp_forward_visible(ctx):
    simple_ml = _simple_ml()
    rng = np.random.default_rng(30)
    X = rng.standard_normal((6, 5))
    weights = simple_ml.init_mlp([5, 4, 4, 3], seed=2, dtype=np.float64)
    Z = simple_ml.mlp_forward(X, weights)
    out = {
        "list": isinstance(Z, (list, tuple)),
        "length": len(Z),
        "input": _values(Z[0]),
        "shapes": [list(np.shape(z)) for z in Z],
    }
    out["hidden"] = [_values(Z[1]), _values(Z[2])]  # non-negative after the ReLU
    out["logits"] = _values(Z[3])
    return out


def test_mlp_forward_hidden(ctx):
    simple_ml = _simple_ml()
    gen = np.random.default_rng(41)
    data = gen.standard_normal((5, 4))
    single = gen.standard_normal((4, 3))
    acts = simple_ml.mlp_forward(data, [single])
    out = {"one_layer": {"length": len(acts), "logits": _values(acts[1])}}
    gen = np.random.default_rng(40)
    data = gen.standard_normal((3, 6))
    acts = simple_ml.mlp_forward(data, simple_ml.init_mlp([6, 5, 5, 4, 2], seed=4, dtype=np.float64))
    out["four_layers"] = {
        "length": len(acts),
        "shapes": [list(np.shape(a)) for a in acts],
        "second_hidden": _values(acts[2]),
        "logits": _values(acts[4]),
    }
    acts = simple_ml.mlp_forward(data.astype(np.float32), simple_ml.init_mlp([6, 5, 2], seed=4))
    out["float32_dtype"] = str(acts[-1].dtype)
    return out


def _mlp_loss(simple_ml, X, y):
    """The loss the mlp cells differentiate numerically: the student's mlp_forward and softmax_loss."""
    return lambda *ws: simple_ml.softmax_loss(simple_ml.mlp_forward(X, list(ws))[-1], y)


def _random_weights(dims, seed):
    return [_random_input((a, b), seed=seed + i) / np.sqrt(a) for i, (a, b) in enumerate(zip(dims[:-1], dims[1:]))]


def _mlp_gradients_case(simple_ml, X, y, weights):
    grads = simple_ml.mlp_gradients(X, y, weights)
    return {
        "count": len(grads),
        "gradients": [_values(g) for g in grads],
        "loss_slopes": _slopes(_mlp_loss(simple_ml, X, y), weights),
    }


def test_mlp_gradients_visible(ctx):
    simple_ml = _simple_ml()
    rng = np.random.default_rng(50)
    X = rng.standard_normal((8, 5))
    y = rng.integers(0, 3, size=8)
    weights = _random_weights([5, 4, 4, 3], seed=52)
    weights_before = [W.copy() for W in weights]
    grads = simple_ml.mlp_gradients(X, y, weights)
    out = {
        "list": isinstance(grads, (list, tuple)),
        "count": len(grads),
        "weights_after": [_unchanged(W, W0) for W, W0 in zip(weights, weights_before)],
        "gradients": [_values(g) for g in grads],
        "loss_slopes": _slopes(_mlp_loss(simple_ml, X, y), weights_before),
    }
    return out


def test_mlp_gradients_hidden(ctx):
    simple_ml = _simple_ml()
    out = {}
    gen = np.random.default_rng(60)
    for sizes, m, first_seed in [
        ([4, 6, 3], 5, 610),
        ([6, 5, 5, 4, 3], 7, 621),
        ([5, 3], 4, 630),
        ([12, 10, 8, 10], 30, 640),
        ([3, 4, 2], 1, 650),
    ]:
        data = gen.standard_normal((m, sizes[0]))
        labels = gen.integers(0, sizes[-1], size=m)
        out[f"{m}_examples_{'x'.join(map(str, sizes))}"] = _mlp_gradients_case(
            simple_ml, data, labels, _random_weights(sizes, first_seed)
        )
    return out


def _mlp_one_step(simple_ml, X, y, start, lr, batch):
    """One mlp_epoch call that is a single SGD step: whether the list holds the arrays passed in,
    the step each weight took (read from the list after the call, as the cells do), and the
    slopes of the loss."""
    current = [np.array(W) for W in start]
    arrays = list(current)
    simple_ml.mlp_epoch(X, y, current, lr=lr, batch=batch)
    return {
        "same_arrays": len(current) == len(arrays) and all(W is W0 for W, W0 in zip(current, arrays)),
        "steps": [_values((W0 - W) / lr) for W, W0 in zip(current, start)],
        "loss_slopes": _slopes(_mlp_loss(simple_ml, X, y), start),
    }


def test_mlp_epoch_visible(ctx):
    simple_ml = _simple_ml()
    rng = np.random.default_rng(70)
    X = rng.standard_normal((10, 5))
    y = rng.integers(0, 3, size=10)
    out = _mlp_one_step(simple_ml, X, y, _random_weights([5, 6, 4, 3], seed=73), 0.1, 10)
    rng = np.random.default_rng(71)
    X, y = rng.standard_normal((13, 5)), rng.integers(0, 3, size=13)
    first = _random_weights([5, 6, 4, 3], seed=76)
    current = [np.array(W) for W in first]
    simple_ml.mlp_epoch(X[:10], y[:10], first, lr=0.1, batch=10)
    simple_ml.mlp_epoch(X, y, current, lr=0.1, batch=10)
    out["partial_last"] = {
        "first_minibatch": [_values(W) for W in first],
        "epoch": [_values(W) for W in current],
        "loss_slopes": _slopes(_mlp_loss(simple_ml, X[10:], y[10:]), first),
    }
    return out


def test_mlp_epoch_hidden(ctx):
    simple_ml = _simple_ml()
    gen = np.random.default_rng(81)
    data = gen.standard_normal((6, 4))
    labels = gen.integers(0, 3, size=6)
    out = {"one_step": _mlp_one_step(simple_ml, data, labels, _random_weights([4, 5, 3], 82), 0.2, 100)}
    gen = np.random.default_rng(80)
    data = gen.standard_normal((50, 6)).astype(np.float32)
    labels = gen.integers(0, 4, size=50).astype(np.uint8)
    current = simple_ml.init_mlp([6, 7, 5, 4], seed=5)
    objects = list(current)
    simple_ml.mlp_epoch(data, labels, current, lr=0.3, batch=20)
    out["epoch"] = {
        "in_place": len(current) == len(objects) and all(V is V0 for V, V0 in zip(current, objects)),
        "dtypes": [str(V.dtype) for V in current],
        "weights": [_values(V) for V in current],
    }
    return out


TOLERANCE = {
    # The cells compare with np.array_equal: exact.
    "test_relu_visible": {"rtol": 0.0, "atol": 0.0},
    "test_relu_hidden": {"rtol": 0.0, "atol": 0.0},
    # The cells compare with np.allclose: rtol=1e-5 (visible) or 1e-6, atol 1e-8.
    "test_softmax_visible": {"rtol": 1e-5, "atol": 1e-8},
    "test_softmax_hidden": {"rtol": 1e-6, "atol": 1e-8},
    "test_mlp_forward_visible": {"rtol": 1e-6, "atol": 1e-8},
    "test_mlp_forward_hidden": {"rtol": 1e-6, "atol": 1e-8},
    # Whole float32 epochs: the cells allow rtol=1e-4, atol=1e-6.
    "test_nn_epoch_visible": {"rtol": 1e-4, "atol": 1e-6},
    "test_nn_epoch_hidden": {"rtol": 1e-4, "atol": 1e-6},
    "test_mlp_epoch_hidden": {"rtol": 1e-4, "atol": 1e-6},
}
