"""needle_core.cuda's CPU runner: the pycuda-shaped interface, CUDA's semantics, and the
checks that make kernel bugs show every time (docs/cuda-runner.md)."""

import os
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
    src = "\n".join(
        [
            "__global__ void copy(const float* a, float* out, int n) {",
            "    int i = blockIdx.x * blockDim.x + threadIdx.x;",
            "    out[i] = a[i];   // no bounds guard",
            "}",
        ]
    )
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
    src = "\n".join(
        [
            "__global__ void early_exit(float* out, int n) {",
            "    __shared__ float s[64];",
            "    int t = threadIdx.x;",
            "    if (t >= n) return;",
            "    s[t] = t;",
            "    __syncthreads();",
            "    out[t] = s[n - 1 - t];",
            "}",
        ]
    )
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
        text = body[: m.start()] + " " * len(m.group()) + body[m.end() :]
        text = re.sub(rf"\b{name}\b", f"{name}_without_{line}", text, count=1)
        parts.append(f'\n#line {first_line} "{path.name}"\n{text}\n')
        variants.append((f"{name}_without_{line}", line))
    return cuda.SourceModule("".join(parts), filename=path.name), variants


def fails(run, expected):
    """'poison' if the runner reported a read of unwritten shared memory, 'order' if the
    results changed with the order of the threads, 'wrong' if the result differs from numpy
    without a message, None if the launch passed."""
    try:
        out = run()
    except cuda.SharedMemoryPoisonError as e:
        assert "__syncthreads() is probably missing" in str(e)
        return "poison"
    except cuda.OrderDependenceError as e:
        assert "__syncthreads() is probably missing" in str(e)
        return "order"
    return None if np.allclose(out, expected, rtol=1e-4, atol=1e-4) else "wrong"


def assert_fails_every_time(runs, run, expected, label):
    """Every run fails, and with a message that names the missing barrier."""
    outcomes = [fails(run, expected) for _ in range(runs)]
    assert None not in outcomes, f"{label}: passed {outcomes.count(None)} of {runs} runs"
    assert "wrong" not in outcomes, f"{label}: a wrong result without a message about the barrier"
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
    a, b = (
        rng.standard_normal((M, N), dtype=np.float32),
        rng.standard_normal((N, P), dtype=np.float32),
    )
    grid = ((P + 15) // 16, (M + 15) // 16)
    kinds = {}
    for name, line in variants:
        f = mod.get_function(name)

        def run():
            out = np.zeros((M, P), dtype=np.float32)
            f(
                cuda.In(a),
                cuda.In(b),
                cuda.Out(out),
                np.int32(M),
                np.int32(N),
                np.int32(P),
                block=(16, 16, 1),
                grid=grid,
            )
            return out

        kinds[line] = assert_fails_every_time(RUNS, run, a @ b, f"matmul_tiled without the barrier on line {line}")
    # Without the first barrier, threads read tiles nobody loaded yet: the runner says so.
    assert kinds[min(kinds)] == {"poison"}


def test_the_order_check_can_be_turned_off_and_then_only_the_numbers_are_wrong(tiled_variants, monkeypatch):
    mod, variants = tiled_variants
    name, line = variants[1]  # the barrier after the products: stale tiles, no poison
    a = np.random.default_rng(1).standard_normal((16, 40), dtype=np.float32)
    b = np.random.default_rng(2).standard_normal((40, 16), dtype=np.float32)

    def run():
        out = np.zeros((16, 16), dtype=np.float32)
        mod.get_function(name)(
            cuda.In(a),
            cuda.In(b),
            cuda.Out(out),
            np.int32(16),
            np.int32(40),
            np.int32(16),
            block=(16, 16, 1),
            grid=(1, 1),
        )
        return out

    assert fails(run, a @ b) == "order"
    monkeypatch.setenv("NEEDLE_CUDA_CHECK_ORDER", "never")
    assert fails(run, a @ b) == "wrong"


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
            f(
                cuda.In(x),
                cuda.Out(out),
                np.int32(rows),
                np.int32(1000),
                block=(256, 1, 1),
                grid=(rows, 1),
                shared=256 * 4,
            )
            return out

        assert_fails_every_time(RUNS, run, reference(x, axis=1), f"{kernel} without the barrier on line {line}")


@pytest.mark.parametrize("n", [256, 1000], ids=["one block", "several blocks"])
def test_block_scan_without_a_barrier_fails_every_time(n):
    mod, variants = without_each_barrier(KERNELS / "reduce.cu", "block_prefix_sum")
    assert len(variants) == 3
    a = np.random.default_rng(n).standard_normal(n, dtype=np.float32)
    expected = np.concatenate([np.cumsum(a[s : s + 256]) for s in range(0, n, 256)])
    for name, line in variants:
        f = mod.get_function(name)

        def run():
            out = np.zeros(n, dtype=np.float32)
            f(
                cuda.In(a),
                cuda.Out(out),
                np.int32(n),
                block=(256, 1, 1),
                grid=((n + 255) // 256, 1),
                shared=1024,
            )
            return out

        assert_fails_every_time(RUNS, run, expected, f"block_prefix_sum without the barrier on line {line}")


# ---- compile errors point at the student's file and line -----------------------------------------


def compile_error(source, name="student.cu"):
    with pytest.raises(cuda.CudaCompileError) as e:
        module(source, name)
    return e.value


def test_compile_error_names_the_cu_file_and_line():
    err = compile_error(
        "__global__ void k(float* out, int n) {\n    out[0] = undefined_name;\n}\n",
        "cuda_kernels/mine.cu",
    )
    assert str(err.messages[0]).startswith("cuda_kernels/mine.cu:2: error: 'undefined_name' was not declared")
    assert "cuda_kernels/mine.cu:2:" in str(err)


def test_calling_rand_in_a_kernel_is_rejected_like_nvcc_does():
    err = compile_error("__global__ void k(float* out) {\n    int i = threadIdx.x;\n    out[i] = rand();\n}\n")
    assert str(err.messages[0]).startswith("student.cu:3: error: rand() is a host function")


def test_initializing_a_shared_variable_is_rejected_like_nvcc_does():
    err = compile_error(
        "__global__ void k(float* out) {\n\n    __shared__ float total = 0.0f;\n    out[0] = total;\n}\n"
    )
    assert str(err.messages[0]).startswith("student.cu:3: error: a __shared__ variable cannot have an initializer")


def test_nvcc_and_gxx_messages_are_normalized_alike():
    from needle_core.cuda.source import parse_messages

    nvcc = 'k.cu(12): error: identifier "x" is undefined\n'
    gxx = "k.cu:12:5: error: 'x' was not declared in this scope\n"
    assert [str(m) for m in parse_messages(nvcc)] == ['k.cu:12: error: identifier "x" is undefined']
    assert [str(m) for m in parse_messages(gxx)] == ["k.cu:12: error: 'x' was not declared in this scope"]


def test_shared_declarations_keep_every_line_in_place():
    from needle_core.cuda.source import rewrite_shared

    src = (
        "__global__ void k(float* o) {\n    __shared__ float a[4][4],\n        b[4];\n"
        "    extern __shared__ float dyn[];\n    o[0] = a[0][0] + b[0] + dyn[0];\n}\n"
    )
    out = rewrite_shared(src, "k.cu")
    assert out.count("\n") == src.count("\n")
    assert out.splitlines()[4] == src.splitlines()[4]
    assert "NEEDLE_SHARED(float, a, [4][4], 2) NEEDLE_SHARED(float, b, [4], 2)" in out
    assert "NEEDLE_EXTERN_SHARED(float, dyn)" in out


def test_static_and_dynamic_shared_memory_are_per_block():
    src = "\n".join(
        [
            "__global__ void k(float* out) {",
            "    __shared__ float tile[4][8];",
            "    __shared__ int count;",
            "    extern __shared__ float dyn[];",
            "    int t = threadIdx.y * 8 + threadIdx.x;",
            "    if (t == 0) count = 0;",
            "    tile[threadIdx.y][threadIdx.x] = blockIdx.x * 100 + t;",
            "    dyn[t] = 1.0f;",
            "    __syncthreads();",
            "    atomicAdd(&count, 1);",
            "    __syncthreads();",
            "    out[blockIdx.x * 32 + t] = tile[3 - threadIdx.y][7 - threadIdx.x] + count * dyn[31 - t];",
            "}",
        ]
    )
    out = np.zeros(5 * 32, dtype=np.float32)
    module(src).get_function("k")(cuda.Out(out), block=(8, 4, 1), grid=(5, 1), shared=32 * 4)
    expected = np.array([b * 100 + (31 - t) + 32 for b in range(5) for t in range(32)], dtype=np.float32)
    np.testing.assert_array_equal(out, expected)


def test_device_buffers_offsets_and_copies():
    src = (
        "__global__ void twice(const float* a, float* out, int n) {\n"
        "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n    if (i < n) out[i] = 2.0f * "
        "a[i];\n}\n"
    )
    f = module(src).get_function("twice")
    a = np.arange(10, dtype=np.float32)
    buf = cuda.mem_alloc(a.nbytes)
    cuda.memcpy_htod(buf, a)
    assert isinstance(buf.ptr(), int)
    f(cuda.offset(buf, 4 * 4), cuda.offset(buf, 4 * 4), np.int32(6), block=(32, 1, 1))  # a[4:] *= 2
    out = np.empty_like(a)
    cuda.memcpy_dtoh(out, buf)
    np.testing.assert_array_equal(out, np.r_[a[:4], 2 * a[4:]])
    with pytest.raises(cuda.OutOfBoundsError, match="argument 'out' at index 6"):
        f(buf, cuda.offset(buf, 4 * 4), np.int32(7), block=(32, 1, 1))


def test_compiled_modules_are_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("NEEDLE_CUDA_CACHE", str(tmp_path))
    src = "__global__ void k(float* out) { out[threadIdx.x] = 1.0f; }\n"
    first = module(src).path
    assert module(src).path == first and first.parent == tmp_path
    assert module(src + "// changed\n").path != first
    assert not list(tmp_path.glob("*.tmp*"))  # built under a temporary name, then renamed


def test_an_unwritable_cache_falls_back_to_the_temporary_directory(tmp_path, monkeypatch):
    from needle_core.cuda import cpu

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("NEEDLE_CUDA_CACHE", str(blocked / "cuda"))
    monkeypatch.setattr(cpu.tempfile, "tempdir", str(tmp_path))
    assert cpu.cache_dir() == tmp_path / f"needle-kit-cuda-{os.getuid()}"


def test_lecture_kernel_examples_run():
    """The lecture's own kernels (cuda_kernels/examples.cu): scale and the block sum."""
    mod = cuda.load_kernels("examples")
    x = np.random.default_rng(0).standard_normal(1000, dtype=np.float32)
    out = np.zeros_like(x)
    mod.get_function("scale")(
        cuda.In(x),
        cuda.Out(out),
        np.float32(3.0),
        np.uint64(x.size),
        block=(256, 1, 1),
        grid=(4, 1),
    )
    np.testing.assert_allclose(out, 3 * x, rtol=1e-6)
    partial = np.zeros(4, dtype=np.float32)
    mod.get_function("block_sum")(cuda.In(x), cuda.Out(partial), np.uint64(x.size), block=(256, 1, 1), grid=(4, 1))
    np.testing.assert_allclose(partial, [x[i : i + 256].sum() for i in range(0, 1000, 256)], rtol=1e-5, atol=1e-5)


# ---- the release: a stripped kernel compiles, and does nothing --------------------------------


@pytest.mark.parametrize("name", ["elementwise", "compact", "reduce", "matmul"])
def test_stripped_kernel_files_compile_and_write_nothing(name):
    from grader.regions import strip_text

    path = KERNELS / f"{name}.cu"
    stripped = strip_text(path.read_text(), f"cuda_kernels/{name}.cu", {"a4"})
    assert stripped.count("not implemented yet") == path.read_text().count("BEGIN SOLUTION a4") > 0
    mod = module(stripped, f"cuda_kernels/{name}.cu")
    graded = [k for k in mod.kernels if k != "block_prefix_sum"]
    assert graded
    for kernel in graded:
        f = mod.get_function(kernel)
        out = np.full(64, np.nan, dtype=np.float32)
        args = []
        for code, param in zip(f.signature, f.params):
            if code == "p":
                args.append(cuda.InOut(out))
            elif code == "c":
                args.append(cuda.In(np.ones(64, dtype=np.int32 if param in ("shape", "strides") else np.float32)))
            elif code == "i":
                args.append(np.int32(1 if param == "ndim" else 0 if param == "offset" else 8))
            else:
                args.append(np.float32(1.0))
        f(*args, block=(8, 8, 1), grid=(1, 1), shared=64 * 4)
        assert np.isnan(out).all(), f"stripped {kernel} wrote something"


# ---- nvcc, where it is installed -------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(cuda.nvcc_path() is None, reason="nvcc is not installed")
@pytest.mark.parametrize("name", ["elementwise", "compact", "reduce", "matmul", "examples"])
def test_kernel_file_compiles_with_nvcc_for_sm80_and_sm90(name):
    assert cuda.nvcc_check(KERNELS / f"{name}.cu", filename=f"cuda_kernels/{name}.cu") == [
        "sm_80",
        "sm_90",
    ]


@pytest.mark.skipif(cuda.nvcc_path() is None, reason="nvcc is not installed")
def test_nvcc_errors_point_at_the_cu_file():
    with pytest.raises(cuda.CudaCompileError) as e:
        cuda.nvcc_check(
            None,
            ["sm_80"],
            filename="cuda_kernels/broken.cu",
            source="__global__ void k(float* o) {\n    o[0] = 1.0f\n}\n",
        )
    assert str(e.value.messages[0]).startswith("cuda_kernels/broken.cu:3: error:")


# ---- sanitizer modes (each builds one sanitized program: seconds) -------------------------

SANITIZER_BUGS = "\n".join(
    [
        "__global__ void shared_overflow(const float* a, float* out, int n) {",  # line 1
        "    __shared__ float tile[32];",
        "    int t = threadIdx.x;",
        "    tile[t] = a[t];",
        "    __syncthreads();",
        "    out[t] = tile[t + 1];",  # line 6: tile[32]
        "}",
        "__global__ void before_start(const float* a, float* out, int n) {",
        "    int t = threadIdx.x;",
        "    out[t] = a[t - 1];",  # line 10: a[-1]
        "}",
        "__global__ void neighbour(const float* a, float* out, int n) {",
        "    __shared__ float s[32];",
        "    int t = threadIdx.x;",
        "    s[t] = a[t];",  # line 15
        "    out[t] = s[(t + 1) % 32];",  # line 16: no barrier
        "}",
        "__global__ void neighbour_synced(const float* a, float* out, int n) {",
        "    __shared__ float s[32];",
        "    int t = threadIdx.x;",
        "    s[t] = a[t];",
        "    __syncthreads();",
        "    out[t] = s[(t + 1) % 32];",
        "}",
    ]
)


def run_bug(mode, kernel):
    mod = module(SANITIZER_BUGS, "bugs.cu", sanitize=mode)
    a = np.arange(32, dtype=np.float32)
    out = np.zeros(32, dtype=np.float32)
    mod.get_function(kernel)(cuda.In(a), cuda.Out(out), np.int32(32), block=(32, 1, 1))
    return a, out


@pytest.mark.slow
def test_address_sanitizer_mode_catches_shared_overflow_and_reads_before_the_start():
    with pytest.raises(cuda.SanitizerError, match=r"shared-memory overflow .* at bugs\.cu:6"):
        run_bug("address", "shared_overflow")
    with pytest.raises(cuda.SanitizerError, match=r"before its start or past its end\) at bugs\.cu:10"):
        run_bug("address", "before_start")
    a, out = run_bug("address", "neighbour_synced")  # a correct kernel passes, results come back
    np.testing.assert_array_equal(out, np.roll(a, -1))


@pytest.mark.slow
def test_thread_sanitizer_mode_names_both_lines_of_a_race():
    with pytest.raises(cuda.SanitizerError) as e:
        run_bug("thread", "neighbour")
    assert "data race between" in str(e.value)
    assert {"bugs.cu:15", "bugs.cu:16"} <= set(re.findall(r"bugs\.cu:\d+", e.value.detail))
    a, out = run_bug("thread", "neighbour_synced")  # with the barrier: no race reported
    np.testing.assert_array_equal(out, np.roll(a, -1))


@pytest.mark.slow
def test_sanitizer_modes_pass_the_reference_kernels(monkeypatch):
    """No false alarms on the real kernels: tiled matmul under both sanitizers, with two
    workers sharing the blocks (AddressSanitizer on a grid of 49 blocks)."""
    monkeypatch.setenv("NEEDLE_CUDA_WORKERS", "2")
    source = (KERNELS / "matmul.cu").read_text()
    rng = np.random.default_rng(0)
    for mode, (M, N, P) in (("address", (100, 40, 100)), ("thread", (20, 40, 17))):
        a = rng.standard_normal((M, N), dtype=np.float32)
        b = rng.standard_normal((N, P), dtype=np.float32)
        out = np.zeros((M, P), dtype=np.float32)
        f = cuda.SourceModule(source, filename="cuda_kernels/matmul.cu", sanitize=mode)
        f.get_function("matmul_tiled")(
            cuda.In(a),
            cuda.In(b),
            cuda.Out(out),
            np.int32(M),
            np.int32(N),
            np.int32(P),
            block=(16, 16, 1),
            grid=((P + 15) // 16, (M + 15) // 16),
        )
        np.testing.assert_allclose(out, a @ b, rtol=1e-4, atol=1e-4)


def test_a_crashing_kernel_raises_instead_of_killing_python():
    src = "\n".join(
        [
            "#include <cassert>",
            "__global__ void divide(float* out, int n) {",
            "    out[threadIdx.x] = n / (int)threadIdx.x;",  # thread 0 divides by zero
            "}",
            "__global__ void trap(float* out, int n) {",
            "    if (threadIdx.x == 5) __trap();",
            "    out[threadIdx.x] = 1.0f;",
            "}",
            "__global__ void checked(float* out, int n) {",
            "    assert(threadIdx.x < n);",
            "}",
        ]
    )
    mod = module(src, "crash.cu")
    out = np.zeros(8, dtype=np.float32)
    with pytest.raises(
        cuda.KernelLaunchError,
        match=r"crash\.cu:3: kernel divide, block \(0, 0, 0\), thread \(0, 0, 0\): integer "
        r"division by zero",
    ):
        mod.get_function("divide")(cuda.Out(out), np.int32(3), block=(8, 1, 1))
    with pytest.raises(
        cuda.KernelLaunchError,
        match=r"crash\.cu:6: kernel trap, .*thread \(5, 0, 0\): illegal instruction",
    ):
        mod.get_function("trap")(cuda.Out(out), np.int32(3), block=(8, 1, 1))
    with pytest.raises(cuda.KernelLaunchError, match=r"kernel checked, .*an assert\(\) failed"):
        mod.get_function("checked")(cuda.Out(out), np.int32(3), block=(8, 1, 1))
    mod.get_function("trap")(cuda.Out(out), np.int32(3), block=(4, 1, 1))  # the runner still works
    assert (out[:4] == 1.0).all()


def test_launches_work_in_a_forked_child():
    """Worker threads do not survive fork(); a child process starts its own."""
    import multiprocessing

    src = (
        "__global__ void fill(float* out, int n) "
        "{\n    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
        "    if (i < n) out[i] = i;\n}\n"
    )
    f = module(src).get_function("fill")
    out = np.zeros(1000, dtype=np.float32)
    f(cuda.Out(out), np.int32(1000), block=(64, 1, 1), grid=(16, 1))  # the parent's pool exists now

    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        total = pool.apply_async(_fill_sum, (src,)).get(timeout=60)  # a lost pool would hang
    assert total == sum(range(1000))


def _fill_sum(src):
    out = np.zeros(1000, dtype=np.float32)
    module(src).get_function("fill")(cuda.Out(out), np.int32(1000), block=(64, 1, 1), grid=(16, 1))
    return float(out.sum())
