"""The a2 network again, trained through automatic differentiation (a3).

Same model, data and update rule as the numpy version in ``needle_core.simple_ml``,
but the gradients come from ``loss.backward()`` instead of hand-derived formulas,
so the two must agree to float32 precision. ``parse_mnist`` and ``loss_err`` are
re-exported from there, so one import serves a notebook; ``loss_err`` also takes the
logits as a Tensor.
"""

from __future__ import annotations

import numpy as np

import needle_core as ndl
from needle_core.simple_ml import Array, loss_err, parse_mnist

__all__ = ["softmax_loss", "nn_epoch", "parse_mnist", "loss_err"]


def softmax_loss(Z: ndl.Tensor, y_one_hot: ndl.Tensor) -> ndl.Tensor:
    """Mean softmax (cross-entropy) loss, as a Tensor you can call ``backward()`` on.

    Args:
        Z: logits, shape (B, k).
        y_one_hot: shape (B, k), 1 at each example's label and 0 elsewhere.

    Returns:
        A 0-d Tensor: (1/B) Σ_i ( log Σ_j exp(Z_ij) − Σ_j Z_ij (y_one_hot)_ij ).

    Subtracting a per-row constant c from Z changes neither term's difference
    (log Σ exp(Z − c) + c = log Σ exp(Z)), and with c = the row maximum exp
    cannot overflow. Take c from ``Z.numpy()`` so it is a constant of the graph.
    """
    ### BEGIN SOLUTION a3
    batch = Z.shape[0]
    minus_row_max = ndl.Tensor(-Z.numpy().max(axis=1, keepdims=True), requires_grad=False)
    shifted = Z + ndl.broadcast_to(minus_row_max, Z.shape)
    log_sum_exp = ndl.log(ndl.summation(ndl.exp(shifted), axes=(1,)))
    label_logit = ndl.summation(shifted * y_one_hot, axes=(1,))
    return ndl.summation(log_sum_exp - label_logit) / batch
    ### END SOLUTION


def nn_epoch(
    X: Array, y: Array, W1: ndl.Tensor, W2: ndl.Tensor, lr: float = 0.1, batch: int = 100
) -> tuple[ndl.Tensor, ndl.Tensor]:
    """One epoch of SGD for  logits = ReLU(X W1) W2, with gradients from autodiff.

    Args:
        X: numpy array (m, n); y: numpy labels (m,).
        W1: Tensor (n, d); W2: Tensor (d, k).

    For each minibatch in order (X[0:B], X[B:2B], …, no shuffling): build the
    loss ``softmax_loss(ReLU(X_b W1) W2, I_y)`` with the one-hot labels I_y,
    call ``backward()``, then step  W ← W − lr · W.grad  for both weights.
    Make the new weights fresh leaf Tensors from numpy values, so the update
    is not recorded in (and does not grow) the graph, on the weights' device
    (``device=W1.device``: then the same code trains on ``cuda()``).

    Returns:
        The updated (W1, W2), new Tensors.
    """
    ### BEGIN SOLUTION a3
    k = W2.shape[1]
    for start in range(0, X.shape[0], batch):
        Xb, yb = X[start : start + batch], y[start : start + batch]
        I_y = np.zeros((Xb.shape[0], k), dtype=W2.dtype)
        I_y[np.arange(Xb.shape[0]), yb] = 1
        logits = ndl.relu(ndl.Tensor(Xb, requires_grad=False) @ W1) @ W2
        loss = softmax_loss(logits, ndl.Tensor(I_y, requires_grad=False))
        loss.backward()
        assert W1.grad is not None and W2.grad is not None
        W1 = ndl.Tensor(W1.numpy() - lr * W1.grad.numpy(), device=W1.device)
        W2 = ndl.Tensor(W2.numpy() - lr * W2.grad.numpy(), device=W2.device)
    return W1, W2
    ### END SOLUTION
