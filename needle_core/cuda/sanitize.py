"""The CPU runner's sanitizer modes: one launch run under AddressSanitizer or ThreadSanitizer.

``SourceModule(..., sanitize="address")`` (or NEEDLE_CUDA_SANITIZE=address) catches what the
guard pages cannot: overflows of shared memory and reads before the start of a buffer, at
3-6x the time. ``sanitize="thread"`` names both lines of a race between threads of a block
(every CUDA thread is a thread to ThreadSanitizer, and __syncthreads() orders them), at
70-500x the time: for diagnosing one small failing launch, not for routine tests.

Neither sanitizer can be loaded into a running Python, so the kernel file is built into a
small program (needle_core/cuda/sanitize_main.cpp) that runs one launch, whose buffers are
written to a file and read back afterwards.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import cpu
from .errors import BarrierDivergenceError, KernelLaunchError, SanitizerError

MODES = {
    "address": ["-fsanitize=address", "-fno-omit-frame-pointer"],
    "thread": ["-fsanitize=thread"],
}
DRIVER = Path(__file__).resolve().parent / "sanitize_main.cpp"
STACK = 1024 * 1024  # sanitized frames are larger


def mode_from_env() -> str | None:
    value = os.environ.get("NEEDLE_CUDA_SANITIZE", "").strip().lower()
    if value in ("", "0", "none", "off"):
        return None
    if value not in MODES:
        raise ValueError(f"NEEDLE_CUDA_SANITIZE must be 'address' or 'thread', not {value!r}")
    return value


def build(module: cpu.SourceModule, mode: str) -> Path:
    """The sanitized program for `module` (cached by content, like every compiled kernel)."""
    text, kernels = cpu.generated_source(module.source, module.filename)
    # The header goes in front of the kernel file only (not with -include, which would put it,
    # and its refusal of rand(), in front of the runtime and the driver too).
    text = f'#include "{cpu.KIT_HEADER.name}"\n' + text
    table = ['extern "C" const struct { const char* n; void (*t)(void**); void* i; } needle_kernel_table[] = {']
    table += [f'    {{"{k.name}", needle_thunk_{k.name}, &needle_kernel_{k.name}}},' for k in kernels]
    table += ["    {nullptr, nullptr, nullptr}};\n"]
    text += "\n".join(table)
    flags = [
        "-std=c++17",
        "-O1",
        "-g",
        "-pthread",
        "-fno-math-errno",
        f"-DNEEDLE_STACK_BYTES={STACK}",
        *MODES[mode],
    ]
    key = cpu._key(
        text,
        cpu.KIT_HEADER.read_bytes(),
        cpu.RUNTIME_SOURCE.read_bytes(),
        DRIVER.read_bytes(),
        flags,
        cpu.compiler_id(),
        *module.include_dirs,
    )
    path = cpu.cache_dir() / f"needle-{mode}-{key}.exe"
    runtime = [str(cpu.RUNTIME_SOURCE)]
    if mode == "thread":
        # The runtime's own bookkeeping is not instrumented: only the kernel's accesses are watched.
        rt_flags = [f for f in flags if not f.startswith("-fsanitize")] + ["-DNEEDLE_TSAN_HOOKS"]
        rt_key = cpu._key(
            cpu.RUNTIME_SOURCE.read_bytes(),
            cpu.KIT_HEADER.read_bytes(),
            rt_flags,
            cpu.compiler_id(),
        )
        rt_obj = cpu.cache_dir() / f"needle-rt-tsan-{rt_key}.o"
        if not rt_obj.exists():
            cpu._build(
                rt_obj,
                lambda out: [
                    cpu.CXX,
                    *rt_flags,
                    "-c",
                    "-I",
                    str(cpu.KIT_HEADER.parent),
                    str(cpu.RUNTIME_SOURCE),
                    "-o",
                    out,
                ],
                str(cpu.RUNTIME_SOURCE),
            )
        runtime = ["-x", "none", str(rt_obj)]
    if not path.exists():
        fd, gen = tempfile.mkstemp(dir=path.parent, prefix=f"needle-{mode}-{key}.", suffix=".cpp")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        try:
            cpu._build(
                path,
                lambda out: [
                    cpu.CXX,
                    *flags,
                    *[f"-I{d}" for d in module.include_dirs],
                    "-I",
                    str(cpu.KIT_HEADER.parent),
                    "-x",
                    "c++",
                    gen,
                    str(DRIVER),
                    *runtime,
                    "-o",
                    out,
                    "-ldl",
                ],
                module.filename,
            )
        finally:
            os.unlink(gen)
    return path


def launch(
    fn: cpu.Function, args: Sequence[Any], block: Sequence[int], grid: Sequence[int], shared: int, mode: str
) -> None:
    """Run fn(*args) once under the sanitizer; copies results back like a normal launch."""
    from . import In, InOut, Out

    exe = build(fn.module, mode)
    buffers: list = []  # (bytes, copy-back target or None)
    refs: dict = {}
    packed_args: list = []  # bytes of a scalar, or (buffer, index) of a pointer

    def buffer_index(key: int, data: bytes, back: tuple[str, Any] | None) -> int:
        if key not in refs:
            refs[key] = len(buffers)
            buffers.append((data, back))
        return refs[key]

    for i, (a, code) in enumerate(zip(args, fn.signature)):
        if code in "cp":
            if isinstance(a, (In, Out, InOut)):
                data = np.zeros(a.array.nbytes, np.uint8) if isinstance(a, Out) else cpu._as_bytes(a.array)
                back = None if isinstance(a, In) else ("array", a.array)
                packed_args.append((buffer_index(id(a), data.tobytes(), back), 0))
            elif isinstance(a, (cpu.DeviceBuffer, cpu.BufferView)):
                buf, off = (a.buffer, a.offset) if isinstance(a, cpu.BufferView) else (a, 0)
                packed_args.append((buffer_index(id(buf), buf.as_numpy().tobytes(), ("buffer", buf)), off))
            else:
                raise KernelLaunchError(
                    f"{fn.name}: in sanitizer mode pass arrays as In/Out/InOut or mem_alloc "
                    f"buffers (parameter '{fn.params[i]}' got {type(a).__name__})"
                )
        else:
            want, _ = cpu._SCALARS[code]
            if type(a) is not want:
                raise KernelLaunchError(f"{fn.name}: parameter '{fn.params[i]}' needs np.{want.__name__}(...)")
            packed_args.append(np.array(a, dtype=want).tobytes().ljust(8, b"\0"))
    with tempfile.TemporaryDirectory() as tmp:
        launch_file, result_file = Path(tmp) / "launch", Path(tmp) / "result"
        with open(launch_file, "wb") as f:
            name = fn.name.encode()
            f.write(struct.pack("<I", len(name)) + name)
            f.write(struct.pack("<3I3IQ", *grid, *block, shared))
            f.write(struct.pack("<I", len(buffers)))
            for data, _ in buffers:
                f.write(struct.pack("<Q", len(data)) + data)
            f.write(struct.pack("<I", len(packed_args)))
            f.writelines(b"s" + p if isinstance(p, bytes) else b"p" + struct.pack("<IQ", *p) for p in packed_args)
        env = dict(
            os.environ,
            ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:detect_stack_use_after_return=0:abort_on_error=0",
            TSAN_OPTIONS="halt_on_error=1:exitcode=66:report_signal_unsafe=0",
        )
        proc = subprocess.run(
            [str(exe), str(launch_file), str(result_file), str(cpu.workers())],
            capture_output=True,
            text=True,
            env=env,
        )
        if proc.returncode != 0:
            raise _error(fn, proc, mode)
        raw = result_file.read_bytes()
    pos = 0
    for data, back in buffers:
        chunk = np.frombuffer(raw[pos : pos + len(data)], dtype=np.uint8)
        pos += len(data)
        if back and back[0] == "array":
            cpu._contiguous_target(back[1]).reshape(-1).view(np.uint8)[:] = chunk
        elif back:
            back[1].as_numpy()[:] = chunk


def _error(fn: cpu.Function, proc: subprocess.CompletedProcess[str], mode: str) -> KernelLaunchError:
    log = proc.stderr
    m = re.search(r"NEEDLE-LAUNCH-ERROR (\d+) (.*)", log)
    if m and m.group(1) == "2":
        return BarrierDivergenceError(f"{fn.module.filename}: kernel {fn.name}: barrier divergence: {m.group(2)}")
    if m:
        return KernelLaunchError(f"{fn.module.filename}: kernel {fn.name}: {m.group(2) or 'memory fault'}")
    name = fn.module.filename
    here = re.compile(r"(?:\S*/)?" + re.escape(name.split("/")[-1]) + r":(\d+)")

    def first_user_line(text: str) -> str | None:
        found = here.search(text)
        return f"{name}:{found.group(1)}" if found else None

    summary = re.search(r"SUMMARY: \w+Sanitizer: (\S+)", log)
    what = summary.group(1) if summary else "error"
    if mode == "thread":
        # Each access of the race is a header line followed by its stack: name the first line
        # of the kernel file in each.
        sections = re.split(r"\n(?=  (?:Previous )?(?:[Ww]rite|[Rr]ead|[Aa]tomic)\b)", log)
        found = [first_user_line(sec.split("\n\n")[0]) for sec in sections[1:3]]
        lines = [x for x in found if x]
        detail = (
            (
                "data race between "
                + " and ".join(lines)
                + " (threads of a block touch the same memory with no __syncthreads() between)"
            )
            if lines
            else what
        )
    else:
        explain = {
            "use-after-poison": "shared-memory overflow (an index past the end of a __shared__ array)",
            "heap-buffer-overflow": "access outside an argument's buffer (before its start or past its end)",
        }
        detail = f"{explain.get(what, what)} at {first_user_line(log) or 'an unknown line'}"
    report = "\n".join(log.strip().splitlines()[:40])
    err = SanitizerError(f"{name}: kernel {fn.name}: {mode} sanitizer: {detail}\n{report}")
    err.report, err.detail = log, detail
    return err
