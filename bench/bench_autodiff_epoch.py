"""Time one epoch of the two-layer network: autodiff (a3) against the numpy reference (a2).

Same data (the first 60000 MNIST training images by default), same initial weights (hidden
400: the a2 milestone size), same lr and batch size. Prints the best and the median of a few
alternating repetitions of each, and the ratio of the bests, both in wall-clock time and in
the CPU time of the process (steadier on a shared machine: time spent waiting for the CPU
while other programs run is not counted).

BLAS runs on one thread by default, as in `make lab`, grading and `check` (on a shared
two-core machine two threads are many times slower: docs/benchmarks.md); `--blas-threads`
changes it.

With ``--milestone`` it runs the a3 milestone instead: the a2 network (784-400-10, init_mlp
seed 0, lr 0.2, batch 100) trained for 4 epochs from the same weights through autodiff and
with the numpy epoch, and prints both test errors.

    .venv/bin/python bench/bench_autodiff_epoch.py [--examples 60000] [--hidden 400]
                                                   [--repeat 5] [--blas-threads 1] [--milestone]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seconds(run):
    """(wall-clock, CPU) seconds that ``run()`` takes."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=60000)
    parser.add_argument("--hidden", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--blas-threads", type=int, default=1)
    parser.add_argument(
        "--milestone", action="store_true", help="train the a3 milestone both ways and print the test errors"
    )
    args = parser.parse_args()

    # OpenBLAS reads these once, when numpy is first imported: set them before that
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.blas_threads)
    sys.path.insert(0, str(ROOT))  # run from a checkout, installed or not
    import needle_core as ndl
    from needle_core import simple_ml
    from needle_core.apps import simple_ml as autodiff_ml
    from needle_core.data import dataset_files

    files = dataset_files("mnist")
    X, y = simple_ml.parse_mnist(files["train_images"], files["train_labels"])
    X, y = X[: args.examples], y[: args.examples]
    W1, W2 = simple_ml.init_mlp([X.shape[1], args.hidden, 10], seed=0)
    if args.milestone:
        X_test, y_test = simple_ml.parse_mnist(files["test_images"], files["test_labels"])
        milestone(X, y, X_test, y_test, W1, W2, ndl, simple_ml, autodiff_ml)
        return

    def numpy_epoch():
        simple_ml.nn_epoch(X, y, W1.copy(), W2.copy(), lr=0.1, batch=100)

    def autodiff_epoch():
        autodiff_ml.nn_epoch(X, y, ndl.Tensor(W1), ndl.Tensor(W2), lr=0.1, batch=100)

    numpy_epoch(), autodiff_epoch()  # warm up (caches, first-call costs)
    # alternate the two, so that a busy machine slows both alike
    runs = {"numpy": [], "autodiff": []}
    for _ in range(args.repeat):
        runs["numpy"].append(seconds(numpy_epoch))
        runs["autodiff"].append(seconds(autodiff_epoch))
    print(
        f"one epoch, {len(X)} MNIST examples, 784-{args.hidden}-10, batch 100, "
        f"{args.blas_threads} BLAS thread(s), {args.repeat} alternating runs, best (median):"
    )
    print(f"  {'':36}{'wall clock':>22}{'CPU time':>22}")
    best, median = {}, {}
    for name, label in (("numpy", "numpy (simple_ml.nn_epoch)"), ("autodiff", "autodiff (apps.simple_ml.nn_epoch)")):
        columns = list(zip(*runs[name]))  # (wall times, CPU times)
        best[name] = [min(c) for c in columns]
        median[name] = [statistics.median(c) for c in columns]
        print(
            f"  {label:36}" + "".join(f"{b * 1e3:10.1f} ms ({m * 1e3:6.0f})" for b, m in zip(best[name], median[name]))
        )
    print(
        f"  {'ratio autodiff / numpy':36}"
        + "".join(
            f"{a / n:13.2f} ({am / nm:4.2f})"
            for a, n, am, nm in zip(best["autodiff"], best["numpy"], median["autodiff"], median["numpy"])
        )
    )


def milestone(X, y, X_test, y_test, W1, W2, ndl, simple_ml, autodiff_ml, epochs=4, lr=0.2):
    """The a3 notebook's milestone: both epochs from the same weights, test error after each."""
    import numpy as np  # imported by main() already, after the BLAS settings

    T1, T2 = ndl.Tensor(W1), ndl.Tensor(W2)
    N1, N2 = W1.copy(), W2.copy()
    print(f"a3 milestone: {len(X)} MNIST examples, 784-{W1.shape[1]}-10, lr {lr}, batch 100")
    print("  epoch  test error autodiff  test error numpy  largest weight difference")
    for epoch in range(1, epochs + 1):
        T1, T2 = autodiff_ml.nn_epoch(X, y, T1, T2, lr=lr, batch=100)
        simple_ml.nn_epoch(X, y, N1, N2, lr=lr, batch=100)
        err_autodiff = simple_ml.loss_err(ndl.relu(ndl.Tensor(X_test) @ T1) @ T2, y_test)[1]
        err_numpy = simple_ml.loss_err(np.maximum(X_test @ N1, 0) @ N2, y_test)[1]
        diff = max(float(np.abs(T1.numpy() - N1).max()), float(np.abs(T2.numpy() - N2).max()))
        print(f"  {epoch:5d}  {100 * err_autodiff:17.2f} %  {100 * err_numpy:14.2f} %  {diff:12.1e}")


if __name__ == "__main__":
    main()
