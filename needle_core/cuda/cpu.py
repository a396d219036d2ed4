"""The CPU runner: a .cu file compiled by g++ against the kit header, run with CUDA's semantics.

``SourceModule`` here mirrors pycuda's: it compiles the source (cached by content), and
``get_function(name)`` gives a callable taking ``block=``, ``grid=`` and ``shared=``. The
runtime it links (``cpu_runtime.cpp``) runs the threads of each block as fibers; see
docs/cuda-runner.md for what it checks and how.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from . import source as src
from .errors import (
    BarrierDivergenceError,
    CudaCompileError,
    CudaError,
    KernelLaunchError,
    OrderDependenceError,
    OutOfBoundsError,
    SharedMemoryPoisonError,
)

HERE = Path(__file__).resolve().parent
KIT_HEADER = HERE.parent.parent / "cuda_kernels" / "needle_cpu_runtime.h"
RUNTIME_SOURCE = HERE / "cpu_runtime.cpp"
CXX = os.environ.get("CXX", "g++")
FLAGS = ["-std=c++17", "-O2", "-g1", "-fPIC", "-fno-math-errno", "-fno-strict-aliasing", "-pthread"]
PAGE = os.sysconf("SC_PAGE_SIZE")
POISON = 0x7FC0DEAD
ORDER_CHECK_THREADS = 16384  # launches up to this size are also run in a second thread order


def cache_dir() -> Path:
    """Where compiled kernels are kept between runs: $NEEDLE_CUDA_CACHE, or
    ~/.cache/needle-kit/cuda; where that cannot be written (a grading sandbox with a
    read-only home, say), a folder in the temporary directory."""
    preferred = os.environ.get("NEEDLE_CUDA_CACHE") or Path.home() / ".cache" / "needle-kit" / "cuda"
    for d in (Path(preferred), Path(tempfile.gettempdir()) / f"needle-kit-cuda-{os.getuid()}"):
        try:
            d.mkdir(parents=True, exist_ok=True)
            if os.access(d, os.W_OK):
                return d
        except OSError:
            continue
    raise CudaError(f"no writable folder for compiled kernels: set NEEDLE_CUDA_CACHE (tried {preferred})")


_compiler_id = None


def compiler_id() -> str:
    """The compiler's path and full version: part of every cache key."""
    global _compiler_id
    if _compiler_id is None:
        path = shutil.which(CXX)
        if path is None:
            raise CudaError(f"the CPU runner needs a C++ compiler ({CXX}); install g++ (Debian: apt-get install g++)")
        version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
        _compiler_id = f"{os.path.realpath(path)}\n{version}"
    return _compiler_id


def _key(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def _build(target: Path, cmd_for: Callable[[str], list[str]], filename: str, kind: str = "shared library") -> None:
    """Compile into a temporary name next to `target`, then rename: concurrent processes
    building the same thing each write their own file, and the rename is atomic."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.stem + ".", suffix=".tmp" + target.suffix)
    os.close(fd)
    try:
        proc = subprocess.run(cmd_for(tmp), capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
        if proc.returncode != 0:
            raise CudaCompileError(filename, src.parse_messages(proc.stderr, filename), CXX, proc.stderr)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# ---- the runtime library ---------------------------------------------------------------------


class _LaunchError(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_int),
        ("signal", ctypes.c_int),
        ("write", ctypes.c_int),
        ("address", ctypes.c_size_t),
        ("pc", ctypes.c_size_t),
        ("module_base", ctypes.c_size_t),
        ("module_path", ctypes.c_char * 1024),
        ("block", ctypes.c_uint * 3),
        ("thread", ctypes.c_uint * 3),
        ("message", ctypes.c_char * 4096),
    ]


_runtime: tuple | None = None
_runtime_lock = threading.Lock()


def stack_flags() -> list[str]:
    return [f"-DNEEDLE_STACK_BYTES={128 * 1024}"]


def runtime() -> ctypes.CDLL:
    """The runtime shared library, compiled once per compiler and runtime version, loaded once."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            flags = FLAGS + stack_flags()
            key = _key(RUNTIME_SOURCE.read_bytes(), KIT_HEADER.read_bytes(), flags, compiler_id())
            path = cache_dir() / f"needle-rt-{key}.so"
            if not path.exists():
                _build(
                    path,
                    lambda out: [
                        CXX,
                        *flags,
                        "-shared",
                        f"-Wl,-soname,{path.name}",
                        "-I",
                        str(KIT_HEADER.parent),
                        str(RUNTIME_SOURCE),
                        "-o",
                        out,
                    ],
                    str(RUNTIME_SOURCE),
                )
            lib = ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
            lib.needle_rt_launch.restype = ctypes.c_int
            lib.needle_rt_launch.argtypes = [
                ctypes.c_void_p,
                ctypes.c_void_p,
                ctypes.c_void_p,
                ctypes.POINTER(ctypes.c_uint),
                ctypes.POINTER(ctypes.c_uint),
                ctypes.c_size_t,
                ctypes.c_int,
                ctypes.POINTER(_LaunchError),
            ]
            lib.needle_rt_alloc.restype = ctypes.c_void_p
            lib.needle_rt_alloc.argtypes = [
                ctypes.c_size_t,
                ctypes.POINTER(ctypes.c_size_t),
                ctypes.POINTER(ctypes.c_void_p),
            ]
            lib.needle_rt_free.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
            lib.needle_rt_error_size.restype = ctypes.c_size_t
            lib.needle_rt_set_order.argtypes = [ctypes.c_int]
            assert lib.needle_rt_error_size() == ctypes.sizeof(_LaunchError), "runtime and Python disagree"
            _runtime = (lib, path)
        return _runtime[0]


# ---- memory --------------------------------------------------------------------------------


class DeviceBuffer:
    """ "Device" memory of the CPU runner: host memory that ends where a guard page begins,
    so a kernel that runs off its end faults at once. ``ptr()`` is its address."""

    def __init__(self, nbytes: int) -> None:
        lib = runtime()
        self.nbytes = int(nbytes)
        map_start, map_bytes = _pool_take(max(self.nbytes, 1))
        if map_start is None:
            size, start = ctypes.c_size_t(), ctypes.c_void_p()
            if not lib.needle_rt_alloc(max(self.nbytes, 1), ctypes.byref(size), ctypes.byref(start)):
                raise MemoryError(f"cannot allocate {nbytes} bytes")
            map_start, map_bytes = start.value, size.value
        assert map_start is not None  # the allocation succeeded
        # The data ends where the guard page begins (the last page of the mapping).
        self._addr = map_start + map_bytes - PAGE - self.nbytes
        self._finalizer = weakref.finalize(self, _pool_give, map_start, map_bytes)

    def ptr(self) -> int:
        return self._addr

    def __int__(self) -> int:
        return self._addr

    def view(self, offset_bytes: int) -> BufferView:
        """This buffer from `offset_bytes` on, to pass as a kernel argument."""
        return BufferView(self, offset_bytes)

    def as_numpy(self, dtype: npt.DTypeLike = np.uint8) -> np.ndarray:
        """The buffer's bytes as a numpy array (sharing memory)."""
        raw = (ctypes.c_char * self.nbytes).from_address(self._addr)
        return np.frombuffer(memoryview(raw), dtype=np.uint8).view(dtype)

    def free(self) -> None:
        self._finalizer()


# Freed mappings are kept for reuse (up to _POOL_LIMIT bytes): the In/Out copies of every
# launch allocate, and fresh mappings cost system calls and page faults.
_POOL_LIMIT = 256 << 20
_pool: dict[int, list[int]] = {}
_pool_bytes = 0
_pool_lock = threading.Lock()


def _mapping_bytes(nbytes: int) -> int:
    return (nbytes + PAGE - 1) // PAGE * PAGE + PAGE


def _pool_take(nbytes: int) -> tuple[int | None, int]:
    """(a pooled mapping of the right size or None, that size)."""
    global _pool_bytes
    size = _mapping_bytes(nbytes)
    with _pool_lock:
        free = _pool.get(size)
        if free:
            _pool_bytes -= size
            return free.pop(), size
    return None, size


def _pool_give(map_start: int, map_bytes: int) -> None:
    global _pool_bytes
    with _pool_lock:
        if _pool_bytes + map_bytes <= _POOL_LIMIT:
            _pool.setdefault(map_bytes, []).append(map_start)
            _pool_bytes += map_bytes
            return
    runtime().needle_rt_free(map_start, map_bytes)


class BufferView:
    """A device buffer at a byte offset: a kernel argument that points inside a buffer."""

    def __init__(self, buffer: DeviceBuffer, offset_bytes: int) -> None:
        if not 0 <= offset_bytes <= buffer.nbytes:
            raise ValueError(f"offset {offset_bytes} is outside a buffer of {buffer.nbytes} bytes")
        self.buffer, self.offset = buffer, int(offset_bytes)

    def ptr(self) -> int:
        return self.buffer.ptr() + self.offset


def mem_alloc(nbytes: int) -> DeviceBuffer:
    return DeviceBuffer(nbytes)


def _as_bytes(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8)


def memcpy_htod(dest: DeviceBuffer | BufferView, src_array: np.ndarray) -> None:
    buf, off = (dest.buffer, dest.offset) if isinstance(dest, BufferView) else (dest, 0)
    data = _as_bytes(src_array)
    if off + data.size > buf.nbytes:
        raise ValueError(f"copying {data.size} bytes at offset {off} into a buffer of {buf.nbytes} bytes")
    buf.as_numpy()[off : off + data.size] = data


def memcpy_dtoh(dest_array: np.ndarray, src_buf: DeviceBuffer | BufferView) -> None:
    buf, off = (src_buf.buffer, src_buf.offset) if isinstance(src_buf, BufferView) else (src_buf, 0)
    if not dest_array.flags.c_contiguous:
        raise ValueError("memcpy_dtoh needs a C-contiguous destination array")
    n = dest_array.nbytes
    if off + n > buf.nbytes:
        raise ValueError(f"copying {n} bytes at offset {off} out of a buffer of {buf.nbytes} bytes")
    dest_array.reshape(-1).view(np.uint8)[:] = buf.as_numpy()[off : off + n]


# ---- modules and functions -------------------------------------------------------------------

_LAUNCHERS = r"""
#include <utility>
namespace needle_gen {
template <class... P, std::size_t... I>
inline void call(void (*f)(P...), void** a, std::index_sequence<I...>) {
    f(*static_cast<P*>(a[I])...);
}
template <class... P>
inline void call(void (*f)(P...), void** a) { call(f, a, std::index_sequence_for<P...>{}); }
template <class P>
constexpr char code() {
    if constexpr (std::is_pointer<P>::value)
        return std::is_const<typename std::remove_pointer<P>::type>::value ? 'c' : 'p';
    else if constexpr (std::is_same<P, float>::value) return 'f';
    else if constexpr (std::is_same<P, double>::value) return 'd';
    else if constexpr (std::is_integral<P>::value && sizeof(P) == 4)
        return std::is_signed<P>::value ? 'i' : 'I';
    else if constexpr (std::is_integral<P>::value && sizeof(P) == 8)
        return std::is_signed<P>::value ? 'l' : 'L';
    else return '?';
}
template <class P>
constexpr int pointee_size() {
    using T = typename std::remove_pointer<P>::type;
    if constexpr (std::is_pointer<P>::value && !std::is_void<T>::value)
        return sizeof(T);
    else return 1;
}
template <class... P>
const char* signature(void (*)(P...)) {
    static const char s[] = {code<P>()..., 0};
    return s;
}
template <class... P>
const int* pointee_sizes(void (*)(P...)) {
    static const int s[] = {pointee_size<P>()..., 0};
    return s;
}
}  // namespace needle_gen
"""

_LAUNCHER = """extern "C" {{
needle_rt::KernelInfo needle_kernel_{name} = {{"{name}"}};
void needle_thunk_{name}(void** a) {{ needle_gen::call(&{name}, a); }}
const char* needle_signature_{name}() {{ return needle_gen::signature(&{name}); }}
const int* needle_pointee_sizes_{name}() {{ return needle_gen::pointee_sizes(&{name}); }}
}}
"""


def generated_source(source: str, filename: str) -> tuple[str, list[src.Kernel]]:
    """The C++ file g++ compiles: the rewritten kernel file under ``#line`` directives that
    keep its own name and lines, then one launcher per kernel."""
    kernels = src.find_kernels(source)
    body = src.rewrite_shared(source, filename)
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
    parts = [
        f'#line 1 "{quoted}"\n',
        body,
        "\n",
        f'#line 1 "{quoted} (launchers generated by needle_core.cuda)"\n',
        _LAUNCHERS,
    ]
    parts += [_LAUNCHER.format(name=k.name) for k in kernels]
    return "".join(parts), kernels


def compile_module(
    source: str,
    filename: str,
    options: Sequence[str] | None = None,
    include_dirs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Compile (or find in the cache) the shared library for `source`; returns its path."""
    runtime()
    assert _runtime is not None
    rt_path = _runtime[1]
    text, _ = generated_source(source, filename)
    flags = FLAGS + stack_flags() + list(options or [])
    include = [str(d) for d in include_dirs] or [
        str(Path(filename).resolve().parent) if os.path.exists(filename) else os.getcwd()
    ]
    key = _key(text, KIT_HEADER.read_bytes(), flags, compiler_id(), rt_path.name, *include)
    path = cache_dir() / f"needle-k-{key}.so"
    if not path.exists():
        fd, cpp = tempfile.mkstemp(dir=path.parent, prefix=f"needle-k-{key}.", suffix=".cpp")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        try:
            _build(
                path,
                lambda out: [
                    CXX,
                    *flags,
                    "-shared",
                    "-include",
                    str(KIT_HEADER),
                    *[f"-I{d}" for d in include],
                    "-x",
                    "c++",
                    cpp,
                    "-o",
                    out,
                    "-x",
                    "none",
                    str(rt_path),
                    f"-Wl,-rpath,{rt_path.parent}",
                ],
                filename,
            )
        finally:
            os.unlink(cpp)
    return path


class SourceModule:
    """A compiled .cu file: ``SourceModule(source, options=None, *, filename=None)``.

    `filename` names the file the source came from, so compile errors and launch errors point
    at it (``file:line``). ``get_function(name)`` returns a launchable kernel."""

    def __init__(
        self,
        source: str,
        options: Sequence[str] | None = None,
        *,
        filename: str | None = None,
        include_dirs: Iterable[str | os.PathLike[str]] = (),
        sanitize: str | None = None,
    ) -> None:
        from . import sanitize as sanitizers

        self.source = source
        self.filename = filename or "<kernel source>"
        self.sanitize = sanitize if sanitize is not None else sanitizers.mode_from_env()
        if self.sanitize not in (None, *sanitizers.MODES):
            raise ValueError(f"sanitize must be None, 'address' or 'thread', not {self.sanitize!r}")
        self.include_dirs = [str(d) for d in include_dirs] or [
            str(Path(self.filename).resolve().parent) if os.path.exists(self.filename) else os.getcwd()
        ]
        self.path = compile_module(source, self.filename, options, self.include_dirs)
        self.lib = ctypes.CDLL(str(self.path))
        self.kernels = {k.name: k for k in src.find_kernels(source)}
        self._functions: dict[str, Function] = {}

    def get_function(self, name: str) -> Function:
        if name not in self._functions:
            if name not in self.kernels:
                known = ", ".join(self.kernels) or "none"
                raise CudaError(f"{self.filename} has no __global__ function '{name}' (it has: {known})")
            self._functions[name] = Function(self, self.kernels[name])
        return self._functions[name]


# numpy scalar type each parameter code accepts, like pycuda (which packs the scalar as given)
_SCALARS: dict[str, tuple[type[Any], type[Any]]] = {
    "i": (np.int32, ctypes.c_int32),
    "I": (np.uint32, ctypes.c_uint32),
    "l": (np.int64, ctypes.c_int64),
    "L": (np.uint64, ctypes.c_uint64),
    "f": (np.float32, ctypes.c_float),
    "d": (np.float64, ctypes.c_double),
}
_CTYPE_NAMES = {
    "i": "int",
    "I": "unsigned int",
    "l": "long long",
    "L": "unsigned long long",
    "f": "float",
    "d": "double",
}


class _Arg:
    """One pointer argument as launched: where its data is, and what to copy back."""

    def __init__(
        self,
        name: str,
        index: int,
        address: int,
        nbytes: int | None,
        itemsize: int,
        writable: bool,
        copy_back: Callable[[], None] | None = None,
        keep: object = None,
    ) -> None:
        self.name, self.index, self.address, self.nbytes = name, index, address, nbytes
        self.itemsize, self.writable, self.copy_back, self.keep = (
            itemsize,
            writable,
            copy_back,
            keep,
        )

    def view(self) -> memoryview:
        """The argument's bytes (from its pointer to the end of its buffer), in place."""
        assert self.nbytes is not None, "a raw address has no known extent"
        return memoryview((ctypes.c_char * self.nbytes).from_address(self.address)).cast("B")


class Function:
    """A kernel of a SourceModule, called like pycuda's:
    ``f(*args, block=(x, y, z), grid=(x, y), shared=0)``."""

    def __init__(self, module: SourceModule, kernel: src.Kernel):
        lib = module.lib
        self.module, self.name, self.params = module, kernel.name, kernel.params
        sig = getattr(lib, f"needle_signature_{kernel.name}")
        sig.restype = ctypes.c_char_p
        self.signature = sig().decode()
        sizes = getattr(lib, f"needle_pointee_sizes_{kernel.name}")
        sizes.restype = ctypes.POINTER(ctypes.c_int)
        self.pointee_sizes = [sizes()[i] for i in range(len(self.signature))]
        self._thunk = ctypes.cast(getattr(lib, f"needle_thunk_{kernel.name}"), ctypes.c_void_p).value
        self._info = ctypes.addressof(ctypes.c_char.in_dll(lib, f"needle_kernel_{kernel.name}"))
        if "?" in self.signature:
            bad = self.params[self.signature.index("?")]
            raise CudaError(
                f"{module.filename}: kernel {self.name}: parameter '{bad}' has a type the CPU "
                "runner "
                "cannot pass (use pointers, int, unsigned, long long, float or double)"
            )

    def __call__(
        self,
        *args: Any,
        block: Sequence[int] = (1, 1, 1),
        grid: Sequence[int] = (1, 1),
        shared: int = 0,
        stream: Any = None,
        time_kernel: bool = False,
    ) -> None:
        from . import In, InOut, Out

        block = tuple(int(b) for b in block) + (1,) * (3 - len(block))
        grid = tuple(int(g) for g in grid) + (1,) * (3 - len(grid))
        if len(args) != len(self.signature):
            raise KernelLaunchError(
                f"{self.name} takes {len(self.signature)} arguments ({', '.join(self.params)}), got {len(args)}"
            )
        if self.module.sanitize:
            from . import sanitize

            return sanitize.launch(self, args, block, grid, int(shared), self.module.sanitize)
        values: list[Any] = []
        pointers: list[_Arg] = []
        for i, (a, code) in enumerate(zip(args, self.signature)):
            pname = self.params[i] if i < len(self.params) else f"#{i}"
            if code in "cp":
                arg = self._pointer(a, pname, i, code == "p", (In, Out, InOut))
                pointers.append(arg)
                values.append(ctypes.c_void_p(arg.address))
            else:
                want, ctype = _SCALARS[code]
                if type(a) is not want:
                    got = type(a).__name__
                    raise KernelLaunchError(
                        f"{self.name}: parameter '{pname}' is {_CTYPE_NAMES[code]}: pass "
                        f"np.{want.__name__}(...), "
                        f"not {got} (pycuda packs arguments by their numpy type, so the type must "
                        "match)"
                    )
                values.append(ctype(a.item()))
        argv = (ctypes.c_void_p * max(1, len(values)))(*[ctypes.addressof(v) for v in values])
        lib = runtime()
        grid_c, block_c = (ctypes.c_uint * 3)(*grid), (ctypes.c_uint * 3)(*block)
        uses_shared = shared > 0 or self._static_shared() > 0 or "__shared__" in self.module.source
        check = self._check_order(uses_shared, grid, block, pointers)
        if check:
            before = [bytes(p.view()) for p in check]
        self._launch(lib, argv, grid_c, block_c, shared, pointers)
        if uses_shared:
            self._check_poison(pointers)
        if check:
            self._compare_orders(lib, argv, grid_c, block_c, shared, pointers, check, before)
        for p in pointers:
            if p.copy_back is not None:
                p.copy_back()

    def _launch(
        self, lib: ctypes.CDLL, argv: Any, grid_c: Any, block_c: Any, shared: int, pointers: list[_Arg], order: int = 0
    ) -> None:
        err = _LaunchError()
        lib.needle_rt_set_order(order)
        try:
            kind = lib.needle_rt_launch(
                self._thunk,
                argv,
                self._info,
                grid_c,
                block_c,
                int(shared),
                workers(),
                ctypes.byref(err),
            )
        finally:
            lib.needle_rt_set_order(0)
        if kind:
            raise self._launch_error(err, pointers)

    def _static_shared(self) -> int:
        return ctypes.c_uint.from_address(self._info + ctypes.sizeof(ctypes.c_void_p)).value

    def _check_order(
        self, uses_shared: bool, grid: Sequence[int], block: Sequence[int], pointers: list[_Arg]
    ) -> list[_Arg] | None:
        """The writable buffers to compare across two thread orders, or None for no check.
        NEEDLE_CUDA_CHECK_ORDER: "auto" (default: launches of at most ORDER_CHECK_THREADS
        threads that use shared memory and no atomics: the sizes tests use), "always" or "never"."""
        mode = os.environ.get("NEEDLE_CUDA_CHECK_ORDER", "auto").strip().lower()
        if mode == "never" or not uses_shared:
            return None
        threads = grid[0] * grid[1] * grid[2] * block[0] * block[1] * block[2]
        if mode != "always" and (threads > ORDER_CHECK_THREADS or "atomic" in self.module.source):
            return None
        writable = [p for p in pointers if p.writable]
        if any(p.nbytes is None for p in writable):
            return None  # a raw address: its extent is unknown, so it cannot be restored
        return writable

    def _compare_orders(
        self,
        lib: ctypes.CDLL,
        argv: Any,
        grid_c: Any,
        block_c: Any,
        shared: int,
        pointers: list[_Arg],
        check: list[_Arg],
        before: list[bytes],
    ) -> None:
        """Run the launch again, threads in reverse order, from the same starting memory; a
        different result means threads depend on the order they run in between barriers."""
        first = [bytes(p.view()) for p in check]
        for p, data in zip(check, before):
            p.view()[:] = data
        try:
            self._launch(lib, argv, grid_c, block_c, shared, pointers, order=2)
        except KernelLaunchError:
            pass  # the zigzag launch succeeded; report what it found below
        for p, a_bytes in zip(check, first):
            b_bytes = bytes(p.view())
            if a_bytes == b_bytes:
                continue
            if p.itemsize == 4:
                a, b = np.frombuffer(a_bytes, np.float32), np.frombuffer(b_bytes, np.float32)
                same = np.isclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
                if same.all():
                    continue
                i = int(np.flatnonzero(~same)[0])
                detail = f" (first at index {i}: {a[i]!r} in zigzag order, {b[i]!r} in reverse order)"
            else:
                detail = ""
            for q, data in zip(check, first):  # leave the zigzag run's results, as without the check
                q.view()[:] = data
            raise OrderDependenceError(
                f"{self.module.filename}: kernel {self.name} writes different values into "
                f"'{p.name}' when the "
                f"threads of a block run in another order between barriers{detail}: threads read "
                "shared memory "
                "that other threads write with no __syncthreads() between, so a __syncthreads() is "
                "probably "
                "missing. (The CPU runner checks launches that use shared memory by running them "
                "in two orders.)"
            )

    def _pointer(
        self, a: Any, pname: str, index: int, writable: bool, wrappers: tuple[type[Any], type[Any], type[Any]]
    ) -> _Arg:
        In, Out, InOut = wrappers
        size = self.pointee_sizes[index]
        if isinstance(a, (In, Out, InOut)):
            array = a.array
            buf = DeviceBuffer(array.nbytes)
            if not isinstance(a, Out):
                memcpy_htod(buf, array)
            copy_back = None
            if not isinstance(a, In):
                if not writable:
                    raise KernelLaunchError(
                        f"{self.name}: parameter '{pname}' is a const pointer; "
                        f"pass it as cuda.In(...), not {type(a).__name__}"
                    )

                def copy_back() -> None:
                    memcpy_dtoh(_contiguous_target(array), buf)

            return _Arg(pname, index, buf.ptr(), array.nbytes, size, writable, copy_back, keep=buf)
        if isinstance(a, DeviceBuffer):
            return _Arg(pname, index, a.ptr(), a.nbytes, size, writable, keep=a)
        if isinstance(a, BufferView):
            return _Arg(pname, index, a.ptr(), a.buffer.nbytes - a.offset, size, writable, keep=a)
        if isinstance(a, (np.intp, np.uintp, int)) and not isinstance(a, bool):
            return _Arg(pname, index, int(a), None, size, writable)
        if isinstance(a, np.ndarray):
            raise KernelLaunchError(
                f"{self.name}: parameter '{pname}' is a pointer: wrap the numpy array as "
                "cuda.In(a), cuda.Out(a) or cuda.InOut(a), or pass a buffer from cuda.mem_alloc"
            )
        raise KernelLaunchError(f"{self.name}: parameter '{pname}' is a pointer; got {type(a).__name__}")

    def _launch_error(self, err: _LaunchError, pointers: list[_Arg]) -> CudaError:
        where = (
            f"block ({err.block[0]}, {err.block[1]}, {err.block[2]}), "
            f"thread ({err.thread[0]}, {err.thread[1]}, {err.thread[2]})"
        )
        message = err.message.decode(errors="replace")
        if err.kind == 2:
            return BarrierDivergenceError(
                f"{self.module.filename}: kernel {self.name}, block ({err.block[0]}, "
                f"{err.block[1]}, {err.block[2]}): "
                f"barrier divergence: {message}. Every thread of a block must reach the same "
                "__syncthreads(); "
                "a return, or a __syncthreads() inside an if, that only some threads take breaks "
                "this "
                "(on a GPU: a hang or wrong results)."
            )
        if err.kind == 3:
            return KernelLaunchError(f"{self.name}: {message}")
        line = self._source_line(err)
        at = f"{line}: " if line else ""
        if message:
            return KernelLaunchError(f"{at}kernel {self.name}, {where}: {message}")
        kind = "write" if err.write else "read"
        # Arguments may share a buffer: prefer a writable one for a write, then the nearest start.
        for p in sorted(pointers, key=lambda p: (p.writable != bool(err.write), -p.address)):
            if p.nbytes is None:
                continue
            lo, hi = p.address, p.address + p.nbytes
            if hi <= err.address < hi + PAGE or lo - PAGE <= err.address < lo:
                index = (err.address - lo) // max(p.itemsize, 1)
                count = p.nbytes // max(p.itemsize, 1)
                return OutOfBoundsError(
                    f"{at}kernel {self.name}, {where}: out-of-bounds {kind} of argument '{p.name}' "
                    "at index "
                    f"{index} (it has {count} elements, indices 0 to {count - 1}). Check the "
                    "bounds guard, "
                    f"e.g. if (i < n), and the index arithmetic."
                )
        signame = {11: "SIGSEGV", 7: "SIGBUS", 8: "SIGFPE", 4: "SIGILL", 6: "SIGABRT"}.get(err.signal, str(err.signal))
        what = {
            8: "integer division by zero",
            4: "illegal instruction: __trap() was called, or a function that returns a value "
            "reached "
            "its end without a return statement",
            6: "abort() was called, or an assert() failed (its message is on standard error)",
        }.get(
            err.signal,
            f"invalid memory {kind} at address {err.address:#x}, not inside any argument's buffer "
            "(an index far out of range, or an uninitialized pointer)",
        )
        return KernelLaunchError(f"{at}kernel {self.name}, {where}: {what} ({signame})")

    def _source_line(self, err: _LaunchError) -> str | None:
        """file:line of the faulting instruction, read from the library's line table."""
        if not err.pc or not err.module_base:
            return None
        if os.path.realpath(err.module_path.decode()) != os.path.realpath(self.module.path):
            return None  # the fault is in a library the kernel called (abort, for one): no kernel line
        addr2line = shutil.which("addr2line")
        if not addr2line:
            return None
        out = subprocess.run(
            [addr2line, "-i", "-e", err.module_path.decode(), hex(err.pc - err.module_base)],
            capture_output=True,
            text=True,
        ).stdout.split("\n")
        name = self.module.filename
        for line in out:
            loc = line.split(" ")[0]
            file, _, number = loc.rpartition(":")
            # (code the compiler moved to the end of a function, such as a trap, can be filed
            # under the generated file's name, with the kernel file's line number)
            generated = re.fullmatch(r".*/needle-k-\w+\.\w+\.cpp", file)
            if file == name or file.endswith("/" + name.lstrip("./")) or generated:
                return f"{name}:{number}"
        for line in out:
            if line and not line.startswith("??"):
                return line.split(" ")[0]
        return None

    def _check_poison(self, pointers: list[_Arg]) -> None:
        for p in pointers:
            if not p.writable or p.nbytes is None or p.itemsize != 4 or p.nbytes < 4:
                continue
            words = np.frombuffer(
                memoryview((ctypes.c_char * (p.nbytes // 4 * 4)).from_address(p.address)), dtype=np.uint32
            )
            hits = np.flatnonzero((words & 0x7FFFFFFF) == POISON)
            if hits.size:
                raise SharedMemoryPoisonError(
                    f"{self.module.filename}: kernel {self.name} wrote {hits.size} value(s) into "
                    f"'{p.name}' "
                    f"(the first at index {hits[0]}) computed from shared memory that no thread "
                    "had written: "
                    "a __syncthreads() is probably missing between writing shared memory and "
                    "reading it, "
                    "or shared memory was read before it was written. (The CPU runner fills shared "
                    "memory "
                    "with NaN at the start of every block, so such reads always show.)"
                )


def _contiguous_target(array: np.ndarray) -> np.ndarray:
    if not array.flags.c_contiguous:
        raise ValueError("Out/InOut arrays must be C-contiguous")
    return array


def workers() -> int:
    """Worker threads that share a launch's blocks: $NEEDLE_CUDA_WORKERS, or the CPU count
    (at most 8)."""
    value = os.environ.get("NEEDLE_CUDA_WORKERS")
    return max(1, int(value)) if value else max(1, min(8, os.cpu_count() or 1))
