"""needle_core.cuda's CPU runner: the pycuda-shaped interface, CUDA's semantics, and the
checks that make kernel bugs show every time (docs/cuda-runner.md)."""

import re
from pathlib import Path

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


# ---- a missing barrier fails every time --------------------------------------------------------

KERNELS = Path(__file__).resolve().parent.parent / "cuda_kernels"


def kernel_text(source, name):
    """(start, end) of the definition of __global__ `name` in `source`."""
    start = re.search(rf"__global__\s+void\s+{name}\s*\(", source).start()
    depth, i = 0, source.index("{", start)
    while True:
        depth += {"{": 1, "}": -1}.get(source[i], 0)
        if depth == 0:
            return start, i + 1
        i += 1


def without_each_barrier(path, name):
    """One source with the file's kernels plus, for each __syncthreads() of kernel `name`, a
    copy of it without that barrier, named <name>_without_<line> (one compile for all)."""
    source = path.read_text()
    start, end = kernel_text(source, name)
    first_line = source.count("\n", 0, start) + 1
    body = source[start:end]
    variants, parts = [], [source]
    for m in re.finditer(r"__syncthreads\(\);", body):
        line = first_line + body.count("\n", 0, m.start())
        text = body[:m.start()] + " " * len(m.group()) + body[m.end():]
        text = re.sub(rf"\b{name}\b", f"{name}_without_{line}", text, count=1)
        parts.append(f'\n#line {first_line} "{path.name}"\n{text}\n')
        variants.append((f"{name}_without_{line}", line))
    return cuda.SourceModule("".join(parts), filename=path.name), variants


def fails(run, expected):
    """'poison' if the runner reported a read of unwritten shared memory, 'wrong' if the
    result differs from numpy, None if the launch passed."""
    try:
        out = run()
    except cuda.SharedMemoryPoisonError as e:
        assert "__syncthreads() is probably missing" in str(e)
        return "poison"
    return None if np.allclose(out, expected, rtol=1e-4, atol=1e-4) else "wrong"


def assert_fails_every_time(runs, run, expected, label):
    outcomes = [fails(run, expected) for _ in range(runs)]
    assert None not in outcomes, f"{label}: passed {outcomes.count(None)} of {runs} runs"
    return set(outcomes)


RUNS = 20


@pytest.fixture(scope="module")
def tiled_variants():
    return without_each_barrier(KERNELS / "matmul.cu", "matmul_tiled")


@pytest.mark.parametrize("M,N,P", [(16, 40, 16), (37, 50, 29)], ids=["one block", "several blocks"])
def test_tiled_matmul_without_a_barrier_fails_every_time(tiled_variants, M, N, P):
    mod, variants = tiled_variants
    assert len(variants) == 2
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((M, N), dtype=np.float32), rng.standard_normal((N, P), dtype=np.float32)
    grid = ((P + 15) // 16, (M + 15) // 16)
    kinds = {}
    for name, line in variants:
        f = mod.get_function(name)

        def run():
            out = np.zeros((M, P), dtype=np.float32)
            f(cuda.In(a), cuda.In(b), cuda.Out(out), np.int32(M), np.int32(N), np.int32(P), block=(16, 16, 1), grid=grid)
            return out
        kinds[line] = assert_fails_every_time(RUNS, run, a @ b, f"matmul_tiled without the barrier on line {line}")
    # Without the first barrier, threads read tiles nobody loaded yet: the runner says so.
    assert kinds[min(kinds)] == {"poison"}


@pytest.mark.parametrize("kernel,reference", [("reduce_sum", np.sum), ("reduce_max", np.max)])
@pytest.mark.parametrize("rows", [1, 9], ids=["one block", "several blocks"])
def test_tree_reduction_without_a_barrier_fails_every_time(kernel, reference, rows):
    mod, variants = without_each_barrier(KERNELS / "reduce.cu", kernel)
    assert len(variants) == 2
    x = np.random.default_rng(rows).standard_normal((rows, 1000), dtype=np.float32)
    for name, line in variants:
        f = mod.get_function(name)

        def run():
            out = np.zeros(rows, dtype=np.float32)
            f(cuda.In(x), cuda.Out(out), np.int32(rows), np.int32(1000), block=(256, 1, 1), grid=(rows, 1),
              shared=256 * 4)
            return out
        assert_fails_every_time(RUNS, run, reference(x, axis=1), f"{kernel} without the barrier on line {line}")


@pytest.mark.parametrize("n", [256, 1000], ids=["one block", "several blocks"])
def test_block_scan_without_a_barrier_fails_every_time(n):
    mod, variants = without_each_barrier(KERNELS / "reduce.cu", "block_prefix_sum")
    assert len(variants) == 3
    a = np.random.default_rng(n).standard_normal(n, dtype=np.float32)
    expected = np.concatenate([np.cumsum(a[s:s + 256]) for s in range(0, n, 256)])
    for name, line in variants:
        f = mod.get_function(name)

        def run():
            out = np.zeros(n, dtype=np.float32)
            f(cuda.In(a), cuda.Out(out), np.int32(n), block=(256, 1, 1), grid=((n + 255) // 256, 1), shared=1024)
            return out
        assert_fails_every_time(RUNS, run, expected, f"block_prefix_sum without the barrier on line {line}")
