"""Speed of the CPU runner (needle_core.cuda on the CPU) on the reference a4 kernels.

Every figure is the median of --repeat launches, compile time apart, with the data already
in "device" memory (mem_alloc buffers), as a GPU benchmark would time a kernel; the
element-wise add is also timed with cuda.In/Out copies. Cold compile: one .cu file into an
empty cache (the runtime library, shared by all files, is timed on its own).

    .venv/bin/python bench/bench_cuda_runner.py [--repeat 5] [--big 1024]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout, installed or not

# Time each kernel once per launch: the runner's order check (which runs small launches that use
# shared memory a second time, in another thread order) is a test aid, off here.
os.environ["NEEDLE_CUDA_CHECK_ORDER"] = "never"

import numpy as np  # noqa: E402

from needle_core import cuda  # noqa: E402


class Timing(float):
    """A median wall-clock time in seconds, with the median CPU time of this process and its
    children alongside (`.cpu`): on a shared machine the CPU time is the steadier figure."""

    cpu = 0.0


def cpu_seconds():
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def median_time(run, repeat):
    walls, cpus = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        run()
        walls.append(time.perf_counter() - start)
        cpus.append(cpu_seconds() - start_cpu)
    t = Timing(statistics.median(walls))
    t.cpu = statistics.median(cpus)
    return t


def ms(t):
    return f"{t * 1e3:.0f} ms | {t.cpu * 1e3:.0f} ms"


def device(array):
    buf = cuda.mem_alloc(array.nbytes)
    cuda.memcpy_htod(buf, array)
    return buf


def check(buf, shape, expected, tol):
    out = np.empty(shape, dtype=np.float32)
    cuda.memcpy_dtoh(out, buf)
    err = np.abs(out - expected).max()
    assert err <= tol, f"wrong result: max error {err}"


def bench_matmul(mod, n, repeat):
    rng = np.random.default_rng(0)
    a, b = (
        rng.standard_normal((n, n), dtype=np.float32),
        rng.standard_normal((n, n), dtype=np.float32),
    )
    da, db, dout = device(a), device(b), cuda.mem_alloc(n * n * 4)
    f = mod.get_function("matmul_tiled")
    grid = ((n + 15) // 16, (n + 15) // 16)
    n32 = np.int32(n)
    t = median_time(lambda: f(da, db, dout, n32, n32, n32, block=(16, 16, 1), grid=grid), repeat)
    check(dout, (n, n), a @ b, 1e-3 * np.sqrt(n))
    return t


def bench_sum(mod, rows, cols, repeat):
    x = np.random.default_rng(1).standard_normal((rows, cols), dtype=np.float32)
    dx, dout = device(x), cuda.mem_alloc(rows * 4)
    f = mod.get_function("reduce_sum")
    t = median_time(
        lambda: f(
            dx,
            dout,
            np.int32(rows),
            np.int32(cols),
            block=(256, 1, 1),
            grid=(rows, 1),
            shared=256 * 4,
        ),
        repeat,
    )
    check(dout, (rows,), x.sum(axis=1), 1e-3)
    return t


def bench_add(mod, n, repeat):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32)
    da, db, dout = device(a), device(b), cuda.mem_alloc(n * 4)
    f = mod.get_function("ewise_add")
    grid = ((n + 255) // 256, 1)
    t_dev = median_time(lambda: f(da, db, dout, np.int32(n), block=(256, 1, 1), grid=grid), repeat)
    check(dout, (n,), a + b, 0)
    out = np.empty(n, dtype=np.float32)
    t_copy = median_time(
        lambda: f(cuda.In(a), cuda.In(b), cuda.Out(out), np.int32(n), block=(256, 1, 1), grid=grid),
        repeat,
    )
    return t_dev, t_copy


def bench_launch(mod, count=2000):
    f = mod.get_function("scalar_add")
    buf = cuda.mem_alloc(256 * 4)
    args = (buf, np.float32(1.0), buf, np.int32(1))
    f(*args, block=(32, 1, 1), grid=(1, 1))

    def many():
        for _ in range(count):
            f(*args, block=(32, 1, 1), grid=(1, 1))

    t = median_time(many, 3)
    per = Timing(t / count)
    per.cpu = t.cpu / count
    return per


BARRIERS = """__global__ void barriers(float* out, int reps) {
    __shared__ float s[256];
    float acc = 0.0f;
    for (int r = 0; r < reps; ++r) {
        s[threadIdx.x] = r;
        __syncthreads();
        acc += s[255 - threadIdx.x];
        __syncthreads();
    }
    out[blockIdx.x * blockDim.x + threadIdx.x] = acc;
}
"""


def bench_barrier(repeat, blocks=16, reps=200):
    """Time per thread per __syncthreads(): a kernel that does little else (16 blocks of 256)."""
    f = cuda.SourceModule(BARRIERS, filename="barriers.cu").get_function("barriers")
    out = cuda.mem_alloc(blocks * 256 * 4)
    t = median_time(lambda: f(out, np.int32(reps), block=(256, 1, 1), grid=(blocks, 1)), repeat)
    per = Timing(t / (blocks * 256 * reps * 2))
    per.cpu = t.cpu / (blocks * 256 * reps * 2)
    return per


def bench_sanitizers(repeat, n, modes):
    """The tiled matmul at n x n under each sanitizer against the default mode (each
    sanitized launch is a separate program run: its start-up is included)."""
    source = (ROOT / "cuda_kernels" / "matmul.cu").read_text()
    rng = np.random.default_rng(3)
    a, b = (
        rng.standard_normal((n, n), dtype=np.float32),
        rng.standard_normal((n, n), dtype=np.float32),
    )
    times = {}
    for mode in (None, *modes):
        f = cuda.SourceModule(source, filename="cuda_kernels/matmul.cu", sanitize=mode).get_function("matmul_tiled")
        out = np.zeros((n, n), dtype=np.float32)

        def run():
            f(
                cuda.In(a),
                cuda.In(b),
                cuda.Out(out),
                np.int32(n),
                np.int32(n),
                np.int32(n),
                block=(16, 16, 1),
                grid=(n // 16, n // 16),
            )

        run()  # builds the sanitized program
        times[mode] = median_time(run, repeat)
    return times


def bench_cold_compile(name):
    """Compile one kernel file in a fresh process with an empty cache, but the runtime
    library already built (it is compiled once per machine, shared by every file).
    Returns (kernel file, runtime library) as Timings, CPU time from the compilers."""
    code = (
        f"import time, sys; sys.path.insert(0, {str(ROOT)!r}); from needle_core.cuda import cpu; "
        "cpu.runtime(); "
        f"t = time.perf_counter(); from needle_core import cuda; cuda.load_kernels({name!r}); "
        "print(time.perf_counter() - t)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NEEDLE_CUDA_CACHE=tmp, NEEDLE_CUDA_BACKEND="cpu")
        start, start_cpu = time.perf_counter(), cpu_seconds()
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys; sys.path.insert(0, {str(ROOT)!r}); from needle_core.cuda import cpu; cpu.runtime()",
            ],
            env=env,
            check=True,
        )
        runtime = Timing(time.perf_counter() - start)
        runtime.cpu = cpu_seconds() - start_cpu
        start_cpu = cpu_seconds()
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
        kernel = Timing(float(out.stdout.strip()))
        kernel.cpu = cpu_seconds() - start_cpu  # (includes starting Python and importing numpy)
        return kernel, runtime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--big", type=int, default=1024, help="size of the large matmul (0 skips it)")
    args = parser.parse_args()
    if cuda.backend() != "cpu":
        sys.exit("this benchmark measures the CPU runner: run it with NEEDLE_CUDA_BACKEND=cpu")
    from needle_core.cuda.cpu import workers

    print(
        f"CPU runner, {workers()} worker threads, median of {args.repeat}; "
        f"load average at the start {os.getloadavg()[0]:.1f}\n"
    )
    print("| measurement | wall time | CPU time | goal |")
    print("|---|---|---|---|")
    mm, rd, ew = (
        cuda.load_kernels("matmul"),
        cuda.load_kernels("reduce"),
        cuda.load_kernels("elementwise"),
    )
    print(
        f"| tiled matmul 256x256, 16x16 blocks | {ms(bench_matmul(mm, 256, args.repeat))} | ≤ 300 ms |",
        flush=True,
    )
    if args.big:
        r = max(1, min(args.repeat, 3))
        t = bench_matmul(mm, args.big, r)
        print(
            f"| tiled matmul {args.big}x{args.big} (median of {r}) | {t:.2f} s | {t.cpu:.2f} s | ≤ 12 s |",
            flush=True,
        )
    print(
        f"| sum over the last axis of 4096x1024 | {ms(bench_sum(rd, 4096, 1024, args.repeat))} | ≤ 1000 ms |",
        flush=True,
    )
    t_dev, t_copy = bench_add(ew, 10**7, args.repeat)
    print(f"| element-wise add of 10^7 floats (device buffers) | {ms(t_dev)} | ≤ 500 ms |")
    print(f"| element-wise add of 10^7 floats (cuda.In/Out copies) | {ms(t_copy)} | |")
    t = bench_launch(ew)
    print(
        f"| launch overhead (1 block of 32 threads) | {t * 1e3:.3f} ms | {t.cpu * 1e3:.3f} ms | ≤ 0.1 ms |",
        flush=True,
    )
    t = bench_barrier(args.repeat)
    print(
        f"| one __syncthreads() per thread (16 blocks of 256 threads) | {t * 1e9:.0f} ns | {t.cpu * 1e9:.0f} ns | |",
        flush=True,
    )
    for n, modes in ((128, ("address",)), (32, ("thread",))):
        san = bench_sanitizers(max(1, min(args.repeat, 3)), n, modes)
        for mode in modes:
            print(
                f"| tiled matmul {n}x{n} under the {mode} sanitizer, program start included "
                f"(default mode: {san[None] * 1e3:.1f} ms) | {ms(san[mode])} | |",
                flush=True,
            )
    kernel, runtime = bench_cold_compile("matmul")
    print(f"| cold compile of matmul.cu | {kernel:.2f} s | {kernel.cpu:.2f} s | ≤ 4 s |")
    print(f"| cold compile of the runtime library (once per machine) | {runtime:.2f} s | {runtime.cpu:.2f} s | |")


if __name__ == "__main__":
    main()
