"""Time one epoch of the a3 network (apps.simple_ml.nn_epoch) with its Tensors on each device.

cpu() holds numpy arrays; cpu_numpy(), cpu() of backend_ndarray and cuda() hold NDArrays and
compute through their backends; cuda() runs the reference kernels of cuda_kernels/ through
needle_core.cuda, on a GPU (pycuda) or the CPU runner, and the output names which, once with
each matmul kernel. Same data
(the first MNIST training images), same initial weights, batch 100, lr 0.1. Prints the best of a
few alternating repetitions (kernels compiled beforehand) and how far each device's weights
end up from the numpy ones.

    .venv/bin/python bench/bench_devices.py [--examples 1000] [--hidden 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, installed or not

import needle_core as ndl  # noqa: E402
from needle_core import backend_ndarray as nd  # noqa: E402
from needle_core import simple_ml  # noqa: E402
from needle_core.apps import simple_ml as autodiff_ml  # noqa: E402
from needle_core.backend_ndarray import ndarray_backend_cuda as cuda_backend  # noqa: E402
from needle_core.data import dataset_files  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    files = dataset_files("mnist")
    X, y = simple_ml.parse_mnist(files["train_images"], files["train_labels"])
    X, y = X[: args.examples], y[: args.examples]
    W1, W2 = simple_ml.init_mlp([X.shape[1], args.hidden, 10], seed=0)

    devices = {
        "cpu() (numpy arrays)": (ndl.cpu(), None),
        "nd.cpu_numpy()": (nd.cpu_numpy(), None),
        "nd.cpu()": (nd.cpu(), None),
    }
    if nd.cuda().enabled():
        path = "GPU, pycuda" if nd.cuda().backend == "pycuda" else "CPU runner"
        for kernel in ("matmul_naive", "matmul_tiled"):
            devices[f"cuda() {path}, {kernel}"] = (nd.cuda(), kernel)

    def epoch(device, kernel):
        cuda_backend.MATMUL = kernel
        return autodiff_ml.nn_epoch(
            X, y, ndl.Tensor(W1, device=device), ndl.Tensor(W2, device=device), lr=0.1, batch=100
        )

    results = {name: epoch(*dk) for name, dk in devices.items()}  # warm up, compile
    best = {name: float("inf") for name in devices}
    for _ in range(args.repeat):  # alternate, so that a busy machine slows all alike
        for name, dk in devices.items():
            start = time.perf_counter()
            epoch(*dk)
            best[name] = min(best[name], time.perf_counter() - start)

    ref = [w.numpy() for w in results["cpu() (numpy arrays)"]]
    print(
        f"one epoch of apps.simple_ml.nn_epoch, {len(X)} MNIST examples, 784-{args.hidden}-10, "
        f"batch 100, best of {args.repeat}:"
    )
    print(f"  {'device':38s} {'time':>10s}   max |W - W(numpy)|")
    for name in devices:
        diff = max(float(np.abs(w.numpy() - r).max()) for w, r in zip(results[name], ref))
        print(f"  {name:38s} {best[name] * 1e3:8.1f} ms   {diff:.1e}")


if __name__ == "__main__":
    main()
