"""The errors `needle_core.cuda` raises: compile errors that point at the student's .cu file,
and launch errors that say what went wrong in which block and thread, at which line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class CudaError(RuntimeError):
    """Anything that went wrong compiling or running a kernel."""


@dataclass(frozen=True)
class CompileMessage:
    file: str
    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}: {self.message}"


class CudaCompileError(CudaError):
    """The kernel file does not compile; ``messages`` are ``file:line: error: message``."""

    def __init__(
        self, filename: str, messages: Iterable[CompileMessage], compiler: str = "g++", output: str = ""
    ) -> None:
        self.filename = filename
        self.messages = list(messages)
        self.compiler = compiler
        self.output = output
        shown = "\n".join(str(m) for m in self.messages[:10]) or output.strip()[-3000:]
        more = f"\n(and {len(self.messages) - 10} more)" if len(self.messages) > 10 else ""
        super().__init__(f"{filename} does not compile ({compiler}):\n{shown}{more}")


class KernelLaunchError(CudaError):
    """The launch itself is wrong (block size, argument types) or the kernel failed."""


class OutOfBoundsError(KernelLaunchError):
    """A thread read or wrote outside the buffers it was given."""


class BarrierDivergenceError(KernelLaunchError):
    """Some threads of a block waited at __syncthreads() while others returned, or waited at
    a different __syncthreads()."""


class SharedMemoryPoisonError(KernelLaunchError):
    """A kernel wrote out values computed from shared memory that no thread had written yet."""


class OrderDependenceError(KernelLaunchError):
    """The results change with the order in which a block's threads run between barriers:
    threads read shared memory that others write without a __syncthreads() between."""


class SanitizerError(KernelLaunchError):
    """AddressSanitizer or ThreadSanitizer found a bug; the message is its report, shortened."""

    report: str  # the sanitizer's whole report
    detail: str  # what went wrong, and where
