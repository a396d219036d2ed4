"""Milestones of a1 and a2 on full MNIST: wall time and test error of the reference code.

.venv/bin/python bench/bench_milestones.py
"""

import platform
import time

from needle_core.data import dataset_files
from needle_core.simple_ml import parse_mnist, train_nn, train_softmax


def load(name="mnist"):
    f = dataset_files(name)
    return (*parse_mnist(f["train_images"], f["train_labels"]), *parse_mnist(f["test_images"], f["test_labels"]))


def main():
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    data = load()
    rows = []
    start = time.perf_counter()
    _, history = train_softmax(*data, epochs=10, lr=0.2, batch=100, show_progress=False)
    rows.append(
        ("a1 softmax regression, 10 epochs, lr 0.2, batch 100", time.perf_counter() - start, history[-1]["test_err"])
    )
    start = time.perf_counter()
    *_, history = train_nn(*data, hidden_dim=400, epochs=20, lr=0.2, batch=100, show_progress=False)
    rows.append(
        (
            "a2 two-layer ReLU net, hidden 400, 20 epochs, lr 0.2, batch 100",
            time.perf_counter() - start,
            history[-1]["test_err"],
        )
    )
    print("| milestone (MNIST, reference code) | time | test error |")
    print("|---|---|---|")
    for label, seconds, err in rows:
        print(f"| {label} | {seconds:.1f} s | {100 * err:.2f} % |")


if __name__ == "__main__":
    main()
