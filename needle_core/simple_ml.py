"""Softmax regression (a1) and manual backprop (a2) in plain numpy.

Shapes used throughout: ``m`` examples, ``n`` input features, ``k`` classes,
``B`` examples in a minibatch. Labels ``y`` are integers in ``[0, k)``.
Minibatches are taken in order (``X[0:B]``, ``X[B:2B]``, …) without shuffling,
and the weights are updated in place, so that results are reproducible.
"""

from __future__ import annotations

import gzip
import os
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .progress import progress

Array = NDArray[Any]  # a numpy array of any dtype (float32 data, uint8 labels, float64 in checks)
History = list[dict[str, float]]


# ---------------------------------------------------------------- a1: softmax regression


def parse_mnist(image_filename: str | os.PathLike[str], label_filename: str | os.PathLike[str]) -> tuple[Array, Array]:
    """Read an MNIST-format image file and label file (IDX, gzip-compressed).

    IDX layout (all integers big-endian): images start with the magic number
    2051, then the number of images, rows and columns, then one unsigned byte
    per pixel; labels start with 2049 and the number of labels, then one byte
    per label.

    Returns:
        X: float32 array of shape (m, rows * cols), pixel values scaled to [0, 1].
        y: uint8 array of shape (m,), the digit of each image.
    """
    ### BEGIN SOLUTION a1
    with gzip.open(image_filename, "rb") as f:
        magic, count, rows, cols = struct.unpack(">4I", f.read(16))
        if magic != 2051:
            raise ValueError(f"{image_filename}: not an IDX image file (magic {magic}, expected 2051)")
        pixels = np.frombuffer(f.read(count * rows * cols), dtype=np.uint8)
    with gzip.open(label_filename, "rb") as f:
        magic, n_labels = struct.unpack(">2I", f.read(8))
        if magic != 2049:
            raise ValueError(f"{label_filename}: not an IDX label file (magic {magic}, expected 2049)")
        y = np.frombuffer(f.read(n_labels), dtype=np.uint8)
    if n_labels != count:
        raise ValueError(f"{count} images but {n_labels} labels")
    X = pixels.reshape(count, rows * cols).astype(np.float32) / np.float32(255.0)
    return X, y.copy()
    ### END SOLUTION


def softmax_loss(Z: Array, y: Array) -> float:
    """Average softmax (cross-entropy) loss.

    Args:
        Z: logits, shape (B, k): one row of class scores per example.
        y: labels, shape (B,).

    Returns:
        The mean over the batch of  log Σ_j exp(Z_ij) − Z_{i, y_i}  (a Python float).
    """
    ### BEGIN SOLUTION a1
    Z = np.asarray(Z)
    shift = Z.max(axis=1, keepdims=True)
    log_sum_exp = np.log(np.exp(Z - shift).sum(axis=1)) + shift[:, 0]
    return float(np.mean(log_sum_exp - Z[np.arange(Z.shape[0]), y]))
    ### END SOLUTION


def softmax_regression_epoch(X: Array, y: Array, theta: Array, lr: float = 0.1, batch: int = 100) -> None:
    """One epoch of SGD for softmax regression, updating ``theta`` in place.

    For each minibatch ``X_b`` (B × n) with labels ``y_b``:
        Z = normalize(exp(X_b θ))           (B × k, rows sum to 1)
        ∇θ = X_bᵀ (Z − I_y) / B              (n × k)
        θ ← θ − lr · ∇θ
    where ``I_y`` is the one-hot matrix of the labels. Returns nothing.
    """
    ### BEGIN SOLUTION a1
    for start in range(0, X.shape[0], batch):
        Xb, yb = X[start : start + batch], y[start : start + batch]
        logits = Xb @ theta
        Z = np.exp(logits - logits.max(axis=1, keepdims=True))
        Z /= Z.sum(axis=1, keepdims=True)
        Z[np.arange(Xb.shape[0]), yb] -= 1
        theta -= lr * (Xb.T @ Z) / Xb.shape[0]
    ### END SOLUTION


def loss_err(h: Any, y: Any) -> tuple[float, float]:
    """Return (average softmax loss, error rate) of logits ``h`` (m × k) on labels ``y``.

    ``h`` and ``y`` are numpy arrays, or needle Tensors (as the course's needle passes
    the logits of a network built on the library).
    """
    h, y = _as_numpy(h), _as_numpy(y)
    return softmax_loss(h, y), float(np.mean(h.argmax(axis=1) != y))


def _as_numpy(x: Any) -> Array:
    """A needle Tensor's values (its ``.numpy()``), or ``x`` itself as an array."""
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def _history_row(
    epoch: int, logits_train: Array, y_train: Array, logits_test: Array, y_test: Array
) -> dict[str, float]:
    train_loss, train_err = loss_err(logits_train, y_train)
    test_loss, test_err = loss_err(logits_test, y_test)
    return {
        "epoch": epoch,
        "train_loss": train_loss,
        "train_err": train_err,
        "test_loss": test_loss,
        "test_err": test_err,
    }


def train_softmax(
    X_tr: Array,
    y_tr: Array,
    X_te: Array,
    y_te: Array,
    epochs: int = 10,
    lr: float = 0.5,
    batch: int = 100,
    show_progress: bool = True,
) -> tuple[Array, History]:
    """Train softmax regression from θ = 0 and record loss and error after each epoch.

    Returns ``(theta, history)``; ``history`` is a list of dicts with keys
    ``epoch, train_loss, train_err, test_loss, test_err``.
    """
    theta = np.zeros((X_tr.shape[1], int(y_tr.max()) + 1), dtype=np.float32)
    history: History = []
    for epoch in progress(range(1, epochs + 1), "softmax regression", show_progress):
        softmax_regression_epoch(X_tr, y_tr, theta, lr=lr, batch=batch)
        history.append(_history_row(epoch, X_tr @ theta, y_tr, X_te @ theta, y_te))
    return theta, history


# ---------------------------------------------------------------- a2: manual backprop


def relu(A: Array) -> Array:
    """ReLU, element-wise: max(A, 0)."""
    ### BEGIN SOLUTION a2
    return np.maximum(A, 0)
    ### END SOLUTION


def relu_derivative(A: Array) -> Array:
    """σ'(A) for σ = ReLU: 1 where A > 0, else 0 (same shape and dtype as A)."""
    ### BEGIN SOLUTION a2
    return (A > 0).astype(A.dtype)
    ### END SOLUTION


def softmax(Z: Array) -> Array:
    """Row-wise softmax of logits Z (B × k): each row becomes probabilities summing to 1."""
    ### BEGIN SOLUTION a2
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
    ### END SOLUTION


def softmax_loss_gradient(Z: Array, y: Array) -> Array:
    """Gradient of ``softmax_loss(Z, y)`` (the batch mean) w.r.t. the logits Z.

    Returns (softmax(Z) − I_y) / B, shape (B, k).
    """
    ### BEGIN SOLUTION a2
    G = softmax(Z)
    G[np.arange(Z.shape[0]), y] -= 1
    return G / Z.shape[0]
    ### END SOLUTION


def nn_epoch(X: Array, y: Array, W1: Array, W2: Array, lr: float = 0.1, batch: int = 100) -> None:
    """One epoch of SGD for the two-layer network  logits = ReLU(X W1) W2.

    W1 is (n × d), W2 is (d × k); both are updated in place. For each
    minibatch (B rows), with Z1 = ReLU(X_b W1):
        G2 = normalize(exp(Z1 W2)) − I_y                    (B × k)
        G1 = 1{Z1 > 0} ∘ (G2 W2ᵀ)                           (B × d)
        ∇W1 = X_bᵀ G1 / B,   ∇W2 = Z1ᵀ G2 / B
    Compute both gradients before changing either weight. Returns nothing.
    """
    ### BEGIN SOLUTION a2
    for start in range(0, X.shape[0], batch):
        Xb, yb = X[start : start + batch], y[start : start + batch]
        Z1 = np.maximum(Xb @ W1, 0)
        G2 = softmax(Z1 @ W2)
        G2[np.arange(Xb.shape[0]), yb] -= 1
        G1 = (Z1 > 0) * (G2 @ W2.T)
        grad_W1 = Xb.T @ G1 / Xb.shape[0]
        grad_W2 = Z1.T @ G2 / Xb.shape[0]
        W1 -= lr * grad_W1
        W2 -= lr * grad_W2
    ### END SOLUTION


def mlp_forward(X: Array, weights: Sequence[Array]) -> list[Array]:
    """Forward pass of an L-layer ReLU network; returns the list [Z_1, …, Z_{L+1}].

    Z_1 = X;  Z_{i+1} = ReLU(Z_i W_i) for the hidden layers i < L;
    Z_{L+1} = Z_L W_L are the logits (no ReLU on the last layer).
    """
    ### BEGIN SOLUTION a2
    Z = [X]
    for i, W in enumerate(weights):
        A = Z[-1] @ W
        Z.append(A if i == len(weights) - 1 else relu(A))
    return Z
    ### END SOLUTION


def mlp_gradients(X: Array, y: Array, weights: Sequence[Array]) -> list[Array]:
    """Gradients of the mean softmax loss w.r.t. every weight, by backprop.

    With Z from ``mlp_forward`` and σ_i = ReLU for hidden layers (identity for the last):
        G_{L+1} = softmax(Z_{L+1}) − I_y
        ∇W_i   = Z_iᵀ (G_{i+1} ∘ σ_i'(Z_i W_i)) / B
        G_i    = (G_{i+1} ∘ σ_i'(Z_i W_i)) W_iᵀ
    Returns a list of arrays, one per weight, each with the shape of its weight.
    """
    ### BEGIN SOLUTION a2
    Z = mlp_forward(X, weights)
    G = softmax(Z[-1])
    G[np.arange(X.shape[0]), y] -= 1
    grads: list[Any] = [None] * len(weights)
    for i in reversed(range(len(weights))):
        if i < len(weights) - 1:
            G = G * relu_derivative(Z[i + 1])
        grads[i] = Z[i].T @ G / X.shape[0]
        G = G @ weights[i].T
    return grads
    ### END SOLUTION


def mlp_epoch(X: Array, y: Array, weights: Sequence[Array], lr: float = 0.1, batch: int = 100) -> None:
    """One epoch of SGD for the L-layer network, updating every weight in place."""
    ### BEGIN SOLUTION a2
    for start in range(0, X.shape[0], batch):
        grads = mlp_gradients(X[start : start + batch], y[start : start + batch], weights)
        for W, g in zip(weights, grads):
            W -= lr * g
    ### END SOLUTION


def init_mlp(dims: Sequence[int], seed: int = 0, dtype: DTypeLike = np.float32) -> list[Array]:
    """Weights for layer sizes ``dims = [n, d_1, …, k]``: W_i ~ N(0, 1) / sqrt(d_{i+1})."""
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((a, b)) / np.sqrt(b)).astype(dtype) for a, b in zip(dims[:-1], dims[1:])]


def train_nn(
    X_tr: Array,
    y_tr: Array,
    X_te: Array,
    y_te: Array,
    hidden_dim: int = 500,
    epochs: int = 10,
    lr: float = 0.5,
    batch: int = 100,
    seed: int = 0,
    show_progress: bool = True,
) -> tuple[Array, Array, History]:
    """Train the two-layer ReLU network with ``nn_epoch``; returns ``(W1, W2, history)``."""
    W1, W2 = init_mlp([X_tr.shape[1], hidden_dim, int(y_tr.max()) + 1], seed=seed)
    history: History = []
    for epoch in progress(range(1, epochs + 1), "two-layer network", show_progress):
        nn_epoch(X_tr, y_tr, W1, W2, lr=lr, batch=batch)
        history.append(_history_row(epoch, relu(X_tr @ W1) @ W2, y_tr, relu(X_te @ W1) @ W2, y_te))
    return W1, W2, history
