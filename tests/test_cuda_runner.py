"""needle_core.cuda's CPU runner: the pycuda-shaped interface, CUDA's semantics, and the
checks that make kernel bugs show every time (docs/cuda-runner.md)."""

import numpy as np
import pytest

from needle_core import cuda

pytestmark = pytest.mark.skipif(cuda.backend() != "cpu", reason="tests of the CPU runner itself")


def module(source, name="test_kernel.cu", **kwargs):
    return cuda.SourceModule(source, filename=name, **kwargs)


def test_backend_can_be_forced(monkeypatch):
    monkeypatch.setenv("NEEDLE_CUDA_BACKEND", "cpu")
    assert cuda.backend() == "cpu"
    monkeypatch.setenv("NEEDLE_CUDA_BACKEND", "gpu")
    with pytest.raises(cuda.CudaError, match="'cpu' or 'pycuda'"):
        cuda.backend()


def test_out_of_bounds_read_names_argument_index_block_thread_and_line():
    src = "\n".join([
        "__global__ void copy(const float* a, float* out, int n) {",
        "    int i = blockIdx.x * blockDim.x + threadIdx.x;",
        "    out[i] = a[i];   // no bounds guard",
        "}",
    ])
    f = module(src, "copy.cu").get_function("copy")
    a = np.arange(100, dtype=np.float32)
    out = np.zeros(100, dtype=np.float32)
    with pytest.raises(cuda.OutOfBoundsError) as e:
        f(cuda.In(a), cuda.Out(out), np.int32(100), block=(64, 1, 1), grid=(2, 1))
    msg = str(e.value)
    assert "copy.cu:3:" in msg
    # Threads run in zigzag order (0, 63, 1, 62, ...), so thread 63 of block 1 is the first
    # to read past the end: a[127].
    assert "read of argument 'a' at index 127 (it has 100 elements" in msg
    assert "block (1, 0, 0), thread (63, 0, 0)" in msg


def test_barrier_divergence_is_reported_with_the_barrier_line():
    src = "\n".join([
        "__global__ void early_exit(float* out, int n) {",
        "    __shared__ float s[64];",
        "    int t = threadIdx.x;",
        "    if (t >= n) return;",
        "    s[t] = t;",
        "    __syncthreads();",
        "    out[t] = s[n - 1 - t];",
        "}",
    ])
    f = module(src, "early_exit.cu").get_function("early_exit")
    out = np.zeros(64, dtype=np.float32)
    with pytest.raises(cuda.BarrierDivergenceError, match=r"wait at __syncthreads\(\) on line 6.*already returned"):
        f(cuda.Out(out), np.int32(40), block=(64, 1, 1))
    f(cuda.Out(out), np.int32(64), block=(64, 1, 1))  # every thread reaches the barrier: fine
    np.testing.assert_array_equal(out, np.arange(64)[::-1])


def test_scalar_arguments_must_have_the_kernels_type():
    f = module("__global__ void k(float* out, int n) { out[0] = n; }").get_function("k")
    out = np.zeros(1, dtype=np.float32)
    with pytest.raises(cuda.KernelLaunchError, match=r"np.int32"):
        f(cuda.Out(out), 3, block=(1, 1, 1))
    with pytest.raises(cuda.KernelLaunchError, match=r"np.int32"):
        f(cuda.Out(out), np.int64(3), block=(1, 1, 1))
    f(cuda.Out(out), np.int32(3), block=(1, 1, 1))
    assert out[0] == 3
