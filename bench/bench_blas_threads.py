"""Time the a2 training epoch with 1, 2 and all BLAS threads (the choice `make lab` makes).

Each thread count runs in its own process (OpenBLAS reads OPENBLAS_NUM_THREADS when numpy
loads), alternating the counts so that a change in the machine's load hits all of them alike.
The epoch is `simple_ml.nn_epoch` (reference) on the first 20000 MNIST training images,
hidden 400, batch 100: the matrix products of the a2 milestone.

    .venv/bin/python bench/bench_blas_threads.py [--examples 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONE_EPOCH = """
import sys, time
sys.path.insert(0, {root!r})
from needle_core import simple_ml
from needle_core.data import dataset_files
files = dataset_files("mnist")
X, y = simple_ml.parse_mnist(files["train_images"], files["train_labels"])
X, y = X[:{examples}], y[:{examples}]
W1, W2 = simple_ml.init_mlp([X.shape[1], 400, 10], seed=0)
start = time.perf_counter()
simple_ml.nn_epoch(X, y, W1, W2, lr=0.2, batch=100)
print(time.perf_counter() - start)
"""


def epoch_seconds(threads: int, examples: int) -> float:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    out = subprocess.run(
        [sys.executable, "-c", ONE_EPOCH.format(root=str(ROOT), examples=examples)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    counts = sorted({1, 2, os.cpu_count() or 1})
    times = {t: [] for t in counts}
    for _ in range(args.repeat):
        for t in counts:
            times[t].append(epoch_seconds(t, args.examples))
    load = os.getloadavg()[0]
    print(
        f"{args.examples} examples, hidden 400, batch 100; {os.cpu_count()} CPUs; load average {load:.1f} at the end\n"
    )
    print("| BLAS threads | best | median | all runs (s) |")
    print("|---|---|---|---|")
    for t in counts:
        runs = ", ".join(f"{s:.2f}" for s in times[t])
        print(
            f"| {t}{' (all)' if t == os.cpu_count() else ''} | {min(times[t]):.2f} s "
            f"| {statistics.median(times[t]):.2f} s | {runs} |"
        )


if __name__ == "__main__":
    main()
