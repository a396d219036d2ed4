"""The graded kernels of cuda_kernels/ (assignment a4) against numpy, on the CPU runner
(or on a GPU through pycuda, where there is one), on odd shapes that are not multiples of
the block size."""

import re
from pathlib import Path

import numpy as np
import pytest

from needle_core import cuda

ROOT = Path(__file__).resolve().parent.parent
KERNELS = ROOT / "cuda_kernels"
THREADS = 256


def blocks(n, threads=THREADS):
    return ((n + threads - 1) // threads, 1)


@pytest.fixture(scope="module")
def elementwise():
    return cuda.load_kernels("elementwise")


def rand(shape, seed, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(np.float32)


EWISE = {
    "ewise_add": np.add, "ewise_mul": np.multiply, "ewise_div": np.divide, "ewise_maximum": np.maximum,
    "ewise_eq": lambda a, b: (a == b).astype(np.float32), "ewise_ge": lambda a, b: (a >= b).astype(np.float32),
    "ewise_power": np.power,
}
SCALAR = {
    "scalar_add": np.add, "scalar_mul": np.multiply, "scalar_div": np.divide, "scalar_maximum": np.maximum,
    "scalar_eq": lambda a, v: (a == v).astype(np.float32), "scalar_ge": lambda a, v: (a >= v).astype(np.float32),
    "scalar_power": np.power,
}
UNARY = {"ewise_log": np.log, "ewise_exp": np.exp, "ewise_tanh": np.tanh}


def inputs(name, n, seed):
    a = rand(n, seed)
    b = rand(n, seed + 1)
    if "power" in name or "log" in name:
        a = np.abs(a) + 0.1
    if "div" in name:
        b = np.where(np.abs(b) < 0.1, 0.5, b).astype(np.float32)
    if name.endswith("_eq") or name.endswith("_ge"):
        b[::3] = a[::3]  # equal elements, so the comparison is tested both ways
    return a, b


@pytest.mark.parametrize("n", [1, 255, 257, 1001])
@pytest.mark.parametrize("name", sorted(EWISE))
def test_ewise_kernel_matches_numpy(elementwise, name, n):
    a, b = inputs(name, n, seed=n)
    out = np.full(n, np.nan, dtype=np.float32)
    elementwise.get_function(name)(cuda.In(a), cuda.In(b), cuda.Out(out), np.int32(n),
                                   block=(THREADS, 1, 1), grid=blocks(n))
    np.testing.assert_allclose(out, EWISE[name](a, b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n", [1, 257, 1001])
@pytest.mark.parametrize("name", sorted(SCALAR))
def test_scalar_kernel_matches_numpy(elementwise, name, n):
    a, _ = inputs(name, n, seed=n)
    val = np.float32(a[n // 2]) if name.endswith(("_eq", "_ge")) else np.float32(1.5)
    out = np.full(n, np.nan, dtype=np.float32)
    elementwise.get_function(name)(cuda.In(a), val, cuda.Out(out), np.int32(n),
                                   block=(THREADS, 1, 1), grid=blocks(n))
    np.testing.assert_allclose(out, SCALAR[name](a, val), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n", [1, 257, 1001])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_kernel_matches_numpy(elementwise, name, n):
    a, _ = inputs(name, n, seed=n)
    out = np.full(n, np.nan, dtype=np.float32)
    elementwise.get_function(name)(cuda.In(a), cuda.Out(out), np.int32(n), block=(THREADS, 1, 1), grid=blocks(n))
    np.testing.assert_allclose(out, UNARY[name](a), rtol=1e-5, atol=1e-6)


def test_elementwise_kernels_leave_memory_past_n_alone(elementwise):
    """The `if (i < n)` guard: the threads of the last block past n write nothing."""
    n = 300
    buf = cuda.mem_alloc(512 * 4)
    sentinel = np.full(512, 7.0, dtype=np.float32)
    cuda.memcpy_htod(buf, sentinel)
    a = rand(n, 0)
    elementwise.get_function("scalar_add")(cuda.In(a), np.float32(1.0), buf, np.int32(n),
                                           block=(THREADS, 1, 1), grid=blocks(n))
    out = np.empty(512, dtype=np.float32)
    cuda.memcpy_dtoh(out, buf)
    np.testing.assert_allclose(out[:n], a + 1.0, rtol=1e-6)
    assert (out[n:] == 7.0).all()
