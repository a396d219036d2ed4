"""`make bench`: every measurement quoted in docs/benchmarks.md, printed as Markdown."""

import datetime
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ["bench_milestones.py"],
    ["bench_autodiff_epoch.py", "--examples", "10000", "--hidden", "100", "--repeat", "5"],
    ["bench_autodiff_epoch.py", "--examples", "60000", "--hidden", "400", "--repeat", "3"],
    ["bench_grading.py"],
    ["bench_sandbox.py"],
    ["bench_grading_overhead.py"],
    ["bench_vs_nbgrader.py", "--students", "100"],
    ["bench_cluster.py", "--students", "1000", "--workers", "2"],
    ["bench_check.py"],
    ["bench_devices.py", "--examples", "2000", "--repeat", "3"],
    ["bench_blas_threads.py"],
    ["bench_cuda_runner.py"],
]


def main():
    cpu = (
        subprocess.run(
            ["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"], capture_output=True, text=True
        ).stdout.strip()
        or platform.machine()
    )
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    print(f"# {datetime.date.today()} on {cpu}, {cores} cores, Python {platform.python_version()}\n")
    for script, *args in RUNS:
        print(f"## {' '.join([script, *args])}\n")
        sys.stdout.flush()
        subprocess.run([sys.executable, str(HERE / script), *args], check=True)
        print()


if __name__ == "__main__":
    main()
