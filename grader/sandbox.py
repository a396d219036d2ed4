"""The sandbox a submission's code runs in: Linux namespaces through bubblewrap, plus rlimits.

Inside, a process sees a private scratch copy of the submission at ``/submission`` (the only
place it can write, besides a private ``/tmp``), the Python environment read-only (without the
kit's own source), the data sets read-only at ``/datasets``, no network, no other process and
no file of the course. Every process it starts dies with it (its own pid namespace). Memory and
core dumps are capped with ``prlimit`` (util-linux), so no Python code runs between fork and exec.

Where bubblewrap is missing or user namespaces are switched off (macOS, hardened kernels),
grading still runs without the namespaces and :attr:`Sandbox.missing` names every protection
that is absent, so the run's report can say so loudly.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
from typing import Any
from dataclasses import dataclass, field
from pathlib import Path

from .assignments import REPO

INSIDE = Path(__file__).resolve().parent / "inside"  # scripts run in the sandbox
MOUNT_SUBMISSION, MOUNT_OUT, MOUNT_DATASETS, MOUNT_SCRIPTS = "/submission", "/out", "/datasets", "/grader"
KIT_PACKAGES = ("needle_core", "grader")
GiB = 1024**3

PROTECTIONS = (
    "private file system (only the submission's own copy is writable)",
    "no network",
    "no view of other processes; every process dies with the submission",
    "the kit's source hidden",
)


def kernel_env(extra: dict | None = None) -> dict[str, str]:
    """The whole environment of sandboxed processes: nothing of the grader's own leaks in."""
    env = {
        "HOME": "/tmp/home",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "IPYTHONDIR": "/tmp/home/.ipython",
        "JUPYTER_RUNTIME_DIR": "/tmp/home/.jupyter-runtime",
        "MPLCONFIGDIR": "/tmp/home/.cache/matplotlib",  # its font list comes with the cache seed
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        # One BLAS thread: parallel submissions do not fight over cores, results repeat bit for bit.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # machine quirks numpy needs to run right
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra or {})
    return env


@functools.cache
def _bwrap_works() -> str | None:
    """None if bubblewrap can build a sandbox here, else why not."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed"
    probe = subprocess.run(
        [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--ro-bind", "/", "/", "true"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return f"bubblewrap cannot create namespaces here: {probe.stderr.strip()[:200]}"
    return None


def _environment_roots() -> list[Path]:
    """Folders of the Python environment that sandboxed Python needs, read-only."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent}
    return sorted(roots)


def _kit_copies() -> list[Path]:
    """Installed copies of the kit's packages in the environment (a non-editable install): hidden."""
    found = []
    for key in ("purelib", "platlib"):
        site = Path(sysconfig.get_paths()[key])
        found += [site / name for name in KIT_PACKAGES if (site / name).is_dir()]
    return sorted(set(found))


@dataclass
class Sandbox:
    """How to run one command with a submission's scratch copy as its world."""

    work: Path  # the scratch copy, writable, mounted at /submission
    out: Path  # where results are written, mounted at /out
    datasets: Path = REPO / "datasets"
    memory_gb: float = 4.0
    isolate: bool = True  # False only to measure what the sandbox costs (bench/)
    cache: Path | None = None  # this submission's own ~/.cache (compiled kernels), writable
    missing: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        why = _bwrap_works() if self.isolate else "isolation switched off"
        self.missing = [] if why is None else [f"{p} — {why}" for p in PROTECTIONS]

    @property
    def isolated(self) -> bool:
        return not self.missing

    def path(self, inside: str) -> str:
        """A path as the sandboxed command must spell it."""
        if self.isolated:
            return inside
        table = {MOUNT_SUBMISSION: self.work, MOUNT_OUT: self.out, MOUNT_DATASETS: self.datasets, MOUNT_SCRIPTS: INSIDE}
        for mount, real in table.items():
            if inside == mount or inside.startswith(mount + "/"):
                return str(real) + inside[len(mount) :]
        return inside

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` wrapped in prlimit and (where it works) bubblewrap."""
        limit = int(self.memory_gb * GiB)
        prefix = ["prlimit", f"--as={limit}", "--core=0"] if shutil.which("prlimit") else []
        if not self.isolated:
            return [*prefix, "--", *argv] if prefix else argv
        return [*prefix, *self._bwrap(), "--", *argv]

    def _bwrap(self) -> list[str]:
        args = [
            "bwrap",
            "--unshare-all",
            "--unshare-user",
            "--uid",
            "1000",
            "--gid",
            "1000",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--hostname",
            "sandbox",
            "--clearenv",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/tmp",
        ]
        for top in ("/bin", "/lib", "/lib64", "/sbin"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        args += ["--ro-bind", "/usr", "/usr"]
        for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "alternatives"):
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        for root in _environment_roots():
            args += ["--ro-bind", str(root), str(root)]
        for copy in _kit_copies():
            args += ["--tmpfs", str(copy)]
        args += [
            "--ro-bind",
            str(self.datasets),
            MOUNT_DATASETS,
            "--ro-bind",
            str(INSIDE),
            MOUNT_SCRIPTS,
            "--bind",
            str(self.work),
            MOUNT_SUBMISSION,
            "--bind",
            str(self.out),
            MOUNT_OUT,
            "--chdir",
            MOUNT_SUBMISSION,
        ]
        if self.cache is not None:
            args += ["--bind", str(self.cache), "/tmp/home/.cache"]
        return args

    def popen(self, argv: list[str], env: dict | None = None, **kwargs: Any) -> subprocess.Popen:
        """Start ``argv`` in the sandbox (in its own session, so the whole group can be killed)."""
        env = kernel_env(env)
        cwd = self.work
        if self.isolated:
            # bwrap starts from a cleared environment; pass ours explicitly.
            argv = [*self.command([]), *argv]
            argv = self._with_env(argv, env)
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        else:
            argv = self.command(argv)
            env = {**env, "HOME": str(self.work / ".home")}
            (self.work / ".home").mkdir(exist_ok=True)
            if self.cache is not None and not (self.work / ".home" / ".cache").exists():
                (self.work / ".home" / ".cache").symlink_to(self.cache)
            for key in ("IPYTHONDIR", "JUPYTER_RUNTIME_DIR", "MPLCONFIGDIR"):
                env[key] = str(self.work / ".home" / Path(env[key]).relative_to("/tmp/home"))
        return subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True, **kwargs)

    @staticmethod
    def _with_env(argv: list[str], env: dict) -> list[str]:
        """Insert ``--setenv`` pairs before bwrap's ``--`` separator."""
        split = argv.index("--")
        pairs = [x for key, value in sorted(env.items()) for x in ("--setenv", key, value)]
        return argv[:split] + pairs + argv[split:]


def kill_group(proc: subprocess.Popen) -> None:
    """Kill a sandboxed command and everything it started."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
