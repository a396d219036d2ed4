"""Time one epoch of the two-layer network: autodiff (a3) against the numpy reference (a2).

Same data (the first 10000 MNIST training images), same initial weights (hidden 100),
same lr and batch size. Prints the best of a few alternating repetitions of each, and their ratio.

    .venv/bin/python bench/bench_autodiff_epoch.py [--examples 10000] [--hidden 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, installed or not

import needle_core as ndl  # noqa: E402
from needle_core import simple_ml  # noqa: E402
from needle_core.apps import simple_ml as autodiff_ml  # noqa: E402
from needle_core.data import dataset_files  # noqa: E402


def seconds(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10000)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    files = dataset_files("mnist")
    X, y = simple_ml.parse_mnist(files["train_images"], files["train_labels"])
    X, y = X[:args.examples], y[:args.examples]
    W1, W2 = simple_ml.init_mlp([X.shape[1], args.hidden, 10], seed=0)

    def numpy_epoch():
        simple_ml.nn_epoch(X, y, W1.copy(), W2.copy(), lr=0.1, batch=100)

    def autodiff_epoch():
        autodiff_ml.nn_epoch(X, y, ndl.Tensor(W1), ndl.Tensor(W2), lr=0.1, batch=100)

    numpy_epoch(), autodiff_epoch()  # warm up (BLAS threads, caches)
    # alternate the two, so that a busy machine slows both alike; keep the best of each
    t_numpy, t_autodiff = float("inf"), float("inf")
    for _ in range(args.repeat):
        t_numpy = min(t_numpy, seconds(numpy_epoch))
        t_autodiff = min(t_autodiff, seconds(autodiff_epoch))
    print(f"one epoch, {len(X)} MNIST examples, 784-{args.hidden}-10, batch 100, "
          f"best of {args.repeat}:")
    print(f"  numpy (simple_ml.nn_epoch)           {t_numpy * 1e3:8.1f} ms")
    print(f"  autodiff (apps.simple_ml.nn_epoch)   {t_autodiff * 1e3:8.1f} ms")
    print(f"  ratio autodiff / numpy               {t_autodiff / t_numpy:8.2f}")


if __name__ == "__main__":
    main()
