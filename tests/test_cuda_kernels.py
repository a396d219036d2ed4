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
    "ewise_add": np.add,
    "ewise_mul": np.multiply,
    "ewise_div": np.divide,
    "ewise_maximum": np.maximum,
    "ewise_eq": lambda a, b: (a == b).astype(np.float32),
    "ewise_ge": lambda a, b: (a >= b).astype(np.float32),
    "ewise_power": np.power,
}
SCALAR = {
    "scalar_add": np.add,
    "scalar_mul": np.multiply,
    "scalar_div": np.divide,
    "scalar_maximum": np.maximum,
    "scalar_eq": lambda a, v: (a == v).astype(np.float32),
    "scalar_ge": lambda a, v: (a >= v).astype(np.float32),
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
    elementwise.get_function(name)(
        cuda.In(a), cuda.In(b), cuda.Out(out), np.int32(n), block=(THREADS, 1, 1), grid=blocks(n)
    )
    np.testing.assert_allclose(out, EWISE[name](a, b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n", [1, 257, 1001])
@pytest.mark.parametrize("name", sorted(SCALAR))
def test_scalar_kernel_matches_numpy(elementwise, name, n):
    a, _ = inputs(name, n, seed=n)
    val = np.float32(a[n // 2]) if name.endswith(("_eq", "_ge")) else np.float32(1.5)
    out = np.full(n, np.nan, dtype=np.float32)
    elementwise.get_function(name)(cuda.In(a), val, cuda.Out(out), np.int32(n), block=(THREADS, 1, 1), grid=blocks(n))
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
    elementwise.get_function("scalar_add")(
        cuda.In(a), np.float32(1.0), buf, np.int32(n), block=(THREADS, 1, 1), grid=blocks(n)
    )
    out = np.empty(512, dtype=np.float32)
    cuda.memcpy_dtoh(out, buf)
    np.testing.assert_allclose(out[:n], a + 1.0, rtol=1e-6)
    assert (out[n:] == 7.0).all()


# ---- compact and set-item ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def compact():
    return cuda.load_kernels("compact")


def view_args(base, view):
    """shape, strides and offset (in elements) of a numpy view of `base`."""
    itemsize = base.itemsize
    offset = (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // itemsize
    return (
        np.array(view.shape, dtype=np.int32),
        np.array([s // itemsize for s in view.strides], dtype=np.int32),
        np.int32(offset),
    )


VIEWS = {
    "permuted": lambda b: b.transpose(2, 0, 1),
    "sliced with steps": lambda b: b[1:, ::2, 3:0:-1],
    "broadcast": lambda b: np.broadcast_to(b[2:3, 1:2, :], (3, 4, b.shape[2])),
    "one element": lambda b: b[4:5, 6:7, 2:3],
    "compact with offset": lambda b: b[3:],
}


@pytest.mark.parametrize("kind", sorted(VIEWS))
def test_compact_kernel_copies_a_strided_view(compact, kind):
    base = rand((6, 7, 5), seed=3)
    view = VIEWS[kind](base)
    shape, strides, offset = view_args(base, view)
    out = np.full(view.size, np.nan, dtype=np.float32)
    compact.get_function("compact_kernel")(
        cuda.In(base.reshape(-1)),
        cuda.Out(out),
        np.int32(view.size),
        cuda.In(shape),
        cuda.In(strides),
        np.int32(view.ndim),
        offset,
        block=(THREADS, 1, 1),
        grid=blocks(view.size),
    )
    np.testing.assert_array_equal(out, view.reshape(-1))


@pytest.mark.parametrize("kind", ["permuted", "sliced with steps", "one element", "compact with offset"])
def test_ewise_setitem_kernel_writes_into_a_strided_view(compact, kind):
    base = rand((6, 7, 5), seed=4)
    expected = base.copy()
    view = VIEWS[kind](expected)
    values = rand(view.shape, seed=5)
    view[...] = values
    shape, strides, offset = view_args(expected, view)
    out = base.reshape(-1).copy()
    compact.get_function("ewise_setitem_kernel")(
        cuda.In(values.reshape(-1)),
        cuda.InOut(out),
        np.int32(view.size),
        cuda.In(shape),
        cuda.In(strides),
        np.int32(view.ndim),
        offset,
        block=(THREADS, 1, 1),
        grid=blocks(view.size),
    )
    np.testing.assert_array_equal(out, expected.reshape(-1))


@pytest.mark.parametrize("kind", ["permuted", "sliced with steps", "compact with offset"])
def test_scalar_setitem_kernel_fills_a_strided_view(compact, kind):
    base = rand((6, 7, 5), seed=6)
    expected = base.copy()
    view = VIEWS[kind](expected)
    view[...] = 2.5
    shape, strides, offset = view_args(expected, view)
    out = base.reshape(-1).copy()
    compact.get_function("scalar_setitem_kernel")(
        np.float32(2.5),
        cuda.InOut(out),
        np.int32(view.size),
        cuda.In(shape),
        cuda.In(strides),
        np.int32(view.ndim),
        offset,
        block=(THREADS, 1, 1),
        grid=blocks(view.size),
    )
    np.testing.assert_array_equal(out, expected.reshape(-1))


# ---- reductions ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reduce():
    return cuda.load_kernels("reduce")


def launch_reduce(mod, name, x, threads):
    outer, size = x.shape
    out = np.full(outer, np.nan, dtype=np.float32)
    mod.get_function(name)(
        cuda.In(x),
        cuda.Out(out),
        np.int32(outer),
        np.int32(size),
        block=(threads, 1, 1),
        grid=(outer, 1),
        shared=threads * 4,
    )
    return out


@pytest.mark.parametrize(
    "shape,threads",
    [((1, 1), 32), ((3, 1000), 256), ((37, 33), 64), ((5, 257), 128), ((2, 5), 256)],
)
def test_reduce_sum_over_the_last_axis(reduce, shape, threads):
    x = rand(shape, seed=shape[1])
    np.testing.assert_allclose(launch_reduce(reduce, "reduce_sum", x, threads), x.sum(axis=1), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize(
    "shape,threads",
    [((1, 1), 32), ((3, 1000), 256), ((37, 33), 64), ((5, 257), 128), ((2, 5), 256)],
)
def test_reduce_max_over_the_last_axis(reduce, shape, threads):
    x = rand(shape, seed=shape[1]) - 5.0  # all negative: a maximum that starts from 0 is wrong
    np.testing.assert_array_equal(launch_reduce(reduce, "reduce_max", x, threads), x.max(axis=1))


@pytest.mark.parametrize("n,threads", [(1, 32), (300, 128), (1000, 256)])
def test_block_prefix_sum_scans_each_block(reduce, n, threads):
    a = rand(n, seed=n)
    out = np.full(n, np.nan, dtype=np.float32)
    reduce.get_function("block_prefix_sum")(
        cuda.In(a),
        cuda.Out(out),
        np.int32(n),
        block=(threads, 1, 1),
        grid=blocks(n, threads),
        shared=threads * 4,
    )
    expected = np.concatenate([np.cumsum(a[s : s + threads]) for s in range(0, n, threads)])
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


# ---- matrix multiplication ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def matmul():
    return cuda.load_kernels("matmul")


def launch_matmul(mod, name, a, b):
    (M, N), P = a.shape, b.shape[1]
    out = np.full((M, P), np.nan, dtype=np.float32)
    mod.get_function(name)(
        cuda.In(a),
        cuda.In(b),
        cuda.Out(out),
        np.int32(M),
        np.int32(N),
        np.int32(P),
        block=(16, 16, 1),
        grid=((P + 15) // 16, (M + 15) // 16),
    )
    return out


@pytest.mark.parametrize("name", ["matmul_naive", "matmul_tiled"])
@pytest.mark.parametrize("M,N,P", [(1, 1, 1), (17, 33, 5), (31, 16, 47), (50, 70, 31), (3, 100, 2)])
def test_matmul_kernel_matches_numpy(matmul, name, M, N, P):
    a, b = rand((M, N), seed=M), rand((N, P), seed=P)
    np.testing.assert_allclose(launch_matmul(matmul, name, a, b), a @ b, rtol=1e-4, atol=1e-4)


# ---- the lecture shows its own kernels, never the graded ones ------------------------------


def solution_regions():
    for path in sorted(KERNELS.glob("*.cu")):
        text = path.read_text()
        for m in re.finditer(r"/// BEGIN SOLUTION a4\n(.*?)\n\s*/// END SOLUTION", text, re.DOTALL):
            yield path.name, m.group(1)


def normalized_lines(text):
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_every_graded_kernel_file_has_a4_regions():
    names = {name for name, _ in solution_regions()}
    assert names == {"compact.cu", "elementwise.cu", "reduce.cu", "matmul.cu"}


def test_no_graded_kernel_body_appears_in_the_lecture():
    lecture = ROOT / "docs" / "lectures" / "04-gpu-acceleration.md"
    lecture_lines = normalized_lines(lecture.read_text())
    lecture_flat = " ".join(lecture_lines)
    for name, body in solution_regions():
        lines = normalized_lines(body)
        assert " ".join(lines) not in lecture_flat, f"a graded body of {name} is in the lecture"
        # nor any line of one that the release's leak scan would call a leak (12 characters or more)
        shown = set(lecture_lines)
        for line in lines:
            assert len(line) < 12 or line not in shown, f"{name}: the lecture shows the graded line {line!r}"
