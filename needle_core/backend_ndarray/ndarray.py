"""NDArray: an n-dimensional float32 array as a flat buffer plus shape, strides and offset.

An NDArray does not own its layout: element ``(i_0, …, i_{d-1})`` lives at buffer position

    offset + i_0·strides[0] + … + i_{d-1}·strides[d-1]        (strides counted in elements)

so reshaping a compact array, permuting axes, broadcasting and slicing only make a new
NDArray with other shape/strides/offset over the *same* buffer (``_handle``): views, no
copies. Arithmetic needs a *compact* array (row-major, offset 0, covering its buffer);
``compact()`` makes one by copying a strided view into a fresh buffer.

Each device computes through one backend module of flat-buffer functions with the same
signatures: ``cpu_numpy()`` (numpy's strided views), ``cpu()`` (explicit index arithmetic in
numpy), ``cuda()`` (the CUDA kernels of ``cuda_kernels/``, on a GPU or on the CPU runner).

In a4 you write the stride arithmetic: ``reshape``, ``permute``, ``broadcast_to``,
``__getitem__`` and ``compact``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Integral, Number
from typing import Any, TypeAlias, cast

import numpy as np
import numpy.typing as npt
from numpy.typing import DTypeLike

from . import ndarray_backend_cpu, ndarray_backend_numpy

__all__ = [
    "BackendDevice",
    "NDArray",
    "cpu_numpy",
    "cpu",
    "cuda",
    "default_device",
    "all_devices",
    "array",
    "empty",
    "full",
    "broadcast_to",
    "reshape",
    "maximum",
    "log",
    "exp",
    "tanh",
    "sum",
]

Axes: TypeAlias = int | Sequence[int] | None
"""The axes of a reduction: one axis, several, or None for all of them."""

Index: TypeAlias = int | slice | tuple[int | slice, ...]
"""An NDArray index: an int or a slice per axis (ints keep their axis, with size 1)."""


def prod(shape: Iterable[int]) -> int:
    return math.prod(shape)


# ---------------------------------------------------------------- devices


class BackendDevice:
    """A device: a name and the backend module that computes on its buffers.

    The backend's functions are reachable as attributes: ``device.compact(...)``,
    ``device.ewise_add(...)``, ``device.Array(size)``.
    """

    def __init__(self, name: str, mod: Any, why_disabled: str = "") -> None:
        self.name = name
        self.mod = mod
        self._why_disabled = why_disabled

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BackendDevice) and self.name == other.name

    def __hash__(self) -> int:
        return hash(("backend_ndarray", self.name))

    def __repr__(self) -> str:
        return self.name + "()"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("mod", "name", "_why_disabled"):
            raise AttributeError(name)
        if self.mod is None:
            raise AttributeError(f"{self!r} has no {name}: it is not available here ({self._why_disabled})")
        return getattr(self.mod, name)

    def enabled(self) -> bool:
        """Whether arrays can be made and computed on this device here."""
        if self.mod is None:
            return False
        check = getattr(self.mod, "enabled", None)
        return True if check is None else bool(check())

    def why_disabled(self) -> str:
        """Why this device is not enabled here ("" when it is)."""
        if self.mod is None:
            return self._why_disabled
        return "" if self.enabled() else getattr(self.mod, "why_disabled", lambda: "")()

    @property
    def backend(self) -> str:
        """What computes on this device: "numpy", or for cuda() "pycuda" or "cpu" (the CPU runner)."""
        if self.mod is None:
            return "unavailable"
        return getattr(self.mod, "backend_name", lambda: "numpy")()

    # -- arrays on this device

    def randn(self, *shape: int, dtype: DTypeLike = "float32") -> NDArray:
        """Standard normal samples (drawn by numpy's global generator)."""
        return NDArray(np.random.randn(*shape).astype(_check_dtype(dtype)), device=self)

    def rand(self, *shape: int, dtype: DTypeLike = "float32") -> NDArray:
        """Uniform samples in [0, 1) (drawn by numpy's global generator)."""
        return NDArray(np.random.rand(*shape).astype(_check_dtype(dtype)), device=self)

    def one_hot(self, n: int, i: npt.ArrayLike, dtype: DTypeLike = "float32") -> NDArray:
        """Rows of the n×n identity: ``one_hot(n, i)[k, j] = 1 if j == i[k] else 0``."""
        return NDArray(np.eye(n, dtype=_check_dtype(dtype))[np.asarray(i)], device=self)

    def empty(self, shape: Sequence[int], dtype: DTypeLike = "float32") -> NDArray:
        """An uninitialized compact array."""
        _check_dtype(dtype)
        return NDArray.make(tuple(shape), device=self)

    def full(self, shape: Sequence[int], fill_value: float, dtype: DTypeLike = "float32") -> NDArray:
        arr = self.empty(shape, dtype)
        arr.fill(fill_value)
        return arr

    # -- the names autograd's devices share (Tensor creation)

    def array(self, data: Any, dtype: DTypeLike | None = None) -> NDArray:
        """A new float32 array on this device holding ``data`` (a copy)."""
        _check_dtype(dtype)
        if isinstance(data, NDArray):
            return NDArray(data, device=self)
        return NDArray(np.asarray(data, dtype=np.float32), device=self)

    def ones(self, shape: Sequence[int], dtype: DTypeLike = "float32") -> NDArray:
        return self.full(shape, 1.0, dtype)

    def zeros(self, shape: Sequence[int], dtype: DTypeLike = "float32") -> NDArray:
        return self.full(shape, 0.0, dtype)


def _check_dtype(dtype: DTypeLike | None) -> type[np.float32]:
    if dtype is not None and np.dtype(dtype) != np.float32:
        raise ValueError(f"NDArray holds float32 only, not {dtype}")
    return np.float32


_CPU_NUMPY = BackendDevice("cpu_numpy", ndarray_backend_numpy)
_CPU = BackendDevice("cpu", ndarray_backend_cpu)
_CUDA = None


def cpu_numpy() -> BackendDevice:
    """Arrays in main memory, computed by numpy's strided views."""
    return _CPU_NUMPY


def cpu() -> BackendDevice:
    """Arrays in main memory, computed by explicit flat-index arithmetic."""
    return _CPU


def cuda() -> BackendDevice:
    """Arrays computed by the CUDA kernels of ``cuda_kernels/``: on a GPU through pycuda,
    elsewhere on the CPU runner (``cuda().backend`` says which)."""
    global _CUDA
    if _CUDA is None:
        try:
            from . import ndarray_backend_cuda
        except ImportError as err:
            _CUDA = BackendDevice("cuda", None, f"the CUDA layer cannot be imported ({err})")
        else:
            _CUDA = BackendDevice("cuda", ndarray_backend_cuda)
    return _CUDA


def default_device() -> BackendDevice:
    return _CPU_NUMPY


def all_devices() -> list[BackendDevice]:
    """Every device, enabled here or not."""
    return [cpu(), cuda(), cpu_numpy()]


# ---------------------------------------------------------------- the array


class NDArray:
    """An n-dimensional float32 array: a buffer (``_handle``) seen through shape, strides, offset.

    ``NDArray(other, device=None)`` copies ``other`` (an NDArray, a numpy array or anything
    numpy can turn into one) onto ``device`` (by default, the NDArray's own device or
    :func:`default_device`).
    """

    _shape: tuple[int, ...]
    _strides: tuple[int, ...]
    _offset: int
    _device: "BackendDevice"
    _handle: Any

    def __init__(self, other: Any, device: BackendDevice | None = None) -> None:
        if isinstance(other, NDArray):
            if device is None:
                device = other.device
            self._init(other.to(device) + 0.0)  # + 0.0: a compact copy
        else:
            device = default_device() if device is None else device
            data = np.asarray(other, dtype=np.float32, order="C")
            array = self.make(data.shape, device=device)
            if data.size:
                device.from_numpy(data, array._handle)
            self._init(array)

    def _init(self, other: NDArray) -> None:
        self._shape = other._shape
        self._strides = other._strides
        self._offset = other._offset
        self._device = other._device
        self._handle = other._handle

    @staticmethod
    def compact_strides(shape: Sequence[int]) -> tuple[int, ...]:
        """Row-major strides of ``shape``: the last axis has stride 1, and each axis
        steps over one whole entry of the axes after it."""
        stride, strides = 1, []
        for n in reversed(shape):
            strides.append(stride)
            stride *= n
        return tuple(reversed(strides))

    @staticmethod
    def make(
        shape: Sequence[int],
        strides: Sequence[int] | None = None,
        device: BackendDevice | None = None,
        handle: Any = None,
        offset: int = 0,
    ) -> NDArray:
        """An NDArray with these fields; a new buffer of ``prod(shape)`` floats when ``handle`` is None."""
        array = NDArray.__new__(NDArray)
        array._shape = tuple(int(n) for n in shape)
        array._strides = NDArray.compact_strides(shape) if strides is None else tuple(int(s) for s in strides)
        array._offset = int(offset)
        array._device = default_device() if device is None else device
        array._handle = array._device.Array(prod(shape)) if handle is None else handle
        return array

    # -- fields

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def strides(self) -> tuple[int, ...]:
        """Steps between neighbours along each axis, in elements (not bytes)."""
        return self._strides

    @property
    def device(self) -> BackendDevice:
        return self._device

    @property
    def dtype(self) -> str:
        return "float32"

    @property
    def ndim(self) -> int:
        return len(self._shape)

    @property
    def size(self) -> int:
        return prod(self._shape)

    def __repr__(self) -> str:
        return f"NDArray({self.numpy()!r}, device={self.device!r})"

    def __str__(self) -> str:
        return str(self.numpy())

    # -- data movement

    def fill(self, value: float) -> None:
        """Set every entry of the underlying buffer to ``value`` (in place)."""
        self._device.fill(self._handle, value)

    def to(self, device: BackendDevice) -> NDArray:
        """The same values on ``device`` (this array itself when it is already there)."""
        if device == self.device:
            return self
        return NDArray(self.numpy(), device=device)

    def numpy(self) -> np.ndarray:
        """A numpy copy of the values."""
        return self._device.to_numpy(self._handle, self._shape, self._strides, self._offset)

    def is_compact(self) -> bool:
        """Row-major strides and a buffer holding exactly these elements (so offset 0)."""
        return self._strides == self.compact_strides(self._shape) and prod(self._shape) == self._handle.size

    def compact(self) -> NDArray:
        """This array itself if it is compact, else a compact copy of its values.

        A compact array's entries lie in its buffer in row-major order from position 0,
        which every element-wise op, reduction and matmul relies on. To copy, make a new
        array of the same shape (``NDArray.make``) and let the device's backend gather the
        strided entries into it:

            self.device.compact(self._handle, out._handle, self.shape, self.strides, self._offset)

        Returns:
            NDArray with the same shape and values, compact.
        """
        ### BEGIN SOLUTION a4
        if self.is_compact():
            return self
        out = NDArray.make(self.shape, device=self.device)
        self.device.compact(self._handle, out._handle, self.shape, self.strides, self._offset)
        return out
        ### END SOLUTION

    def as_strided(self, shape: Sequence[int], strides: Sequence[int]) -> NDArray:
        """A view of the same buffer with another shape and strides (and the same offset)."""
        if len(shape) != len(strides):
            raise ValueError(f"as_strided: shape {shape} and strides {strides} differ in length")
        return NDArray.make(shape, strides=strides, device=self.device, handle=self._handle, offset=self._offset)

    @property
    def flat(self) -> NDArray:
        """The values as one axis of length ``size`` (a view when compact)."""
        return self.compact().reshape((self.size,))

    # -- views

    def reshape(self, new_shape: Sequence[int]) -> NDArray:
        """A view with shape ``new_shape`` and the same entries in row-major order.

        Only a compact array can be reshaped without copying, and then the answer is
        simple: the same buffer, seen with the compact strides of ``new_shape``
        (``NDArray.compact_strides``). Use ``as_strided``.

        Args:
            new_shape: tuple of sizes whose product is ``self.size`` (no -1 here).

        Raises:
            ValueError: if the sizes do not match, or ``self`` is not compact (call
                ``compact()`` first).
        """
        new_shape = tuple(new_shape)
        ### BEGIN SOLUTION a4
        if prod(new_shape) != self.size:
            raise ValueError(f"reshape: cannot view {self.size} elements of shape {self.shape} as shape {new_shape}")
        if not self.is_compact():
            raise ValueError(
                f"reshape: the array (shape {self.shape}, strides {self.strides}) is not compact; call compact() first"
            )
        return self.as_strided(new_shape, NDArray.compact_strides(new_shape))
        ### END SOLUTION

    def permute(self, new_axes: Sequence[int]) -> NDArray:
        """A view with the axes reordered: axis k of the result is axis ``new_axes[k]`` of self.

        For a matrix, ``permute((1, 0))`` is the transpose. Nothing moves in memory:
        the result's shape and strides are self's, taken in the order ``new_axes``.

        Example: shape (2, 3, 4), strides (12, 4, 1), ``permute((2, 0, 1))`` gives
        shape (4, 2, 3) and strides (1, 12, 4).
        """
        new_axes = tuple(new_axes)
        if sorted(new_axes) != list(range(self.ndim)):
            raise ValueError(f"permute: {new_axes} is not an ordering of the axes of shape {self.shape}")
        ### BEGIN SOLUTION a4
        return self.as_strided(tuple(self.shape[i] for i in new_axes), tuple(self.strides[i] for i in new_axes))
        ### END SOLUTION

    def broadcast_to(self, new_shape: Sequence[int]) -> NDArray:
        """A view with shape ``new_shape`` that repeats entries along new or size-1 axes.

        numpy's rule: align the shapes on the right; each axis of self must have size 1
        or the new size; ``new_shape`` may have extra axes in front. An axis that is
        repeated gets stride 0, so moving along it stays on the same entry; the other axes
        keep their strides. Example: shape (3, 1), strides (1, 1) broadcast to (2, 3, 4)
        gives strides (0, 1, 0).
        """
        new_shape = tuple(new_shape)
        lead = len(new_shape) - self.ndim
        if lead < 0 or any(old not in (1, new) for old, new in zip(self.shape, new_shape[lead:])):
            raise ValueError(f"broadcast_to: cannot broadcast shape {self.shape} to {new_shape}")
        ### BEGIN SOLUTION a4
        strides = [0] * lead
        for old, new, stride in zip(self.shape, new_shape[lead:], self.strides):
            strides.append(stride if old == new else 0)
        return self.as_strided(new_shape, tuple(strides))
        ### END SOLUTION

    def _index_slices(self, idxs: Index) -> tuple[tuple[int, int, int], ...]:
        """``idxs`` as one (start, stop, step) per axis, in range; an int i means i:i+1."""
        if not isinstance(idxs, tuple):
            idxs = (idxs,)
        if len(idxs) > self.ndim:
            raise IndexError(f"too many indices ({len(idxs)}) for shape {self.shape}")
        idxs = idxs + (slice(None),) * (self.ndim - len(idxs))
        out = []
        for axis, (idx, n) in enumerate(zip(idxs, self.shape)):
            if isinstance(idx, slice):
                out.append(idx.indices(n))
            elif isinstance(idx, Integral):
                i = int(idx) + n if idx < 0 else int(idx)
                if not 0 <= i < n:
                    raise IndexError(f"index {idx} is out of range for axis {axis} of size {n}")
                out.append((i, i + 1, 1))
            else:
                raise TypeError(f"NDArray indices are ints and slices, not {type(idx).__name__}")
        return tuple(out)

    def __getitem__(self, idxs: Index) -> NDArray:
        """The view ``self[idxs]``: ints and slices (with steps, also negative) per axis.

        Unlike numpy, an int keeps its axis, with size 1: ``A[1, 2:5]`` of a 4×6 array has
        shape (1, 3). Nothing is copied: the result shares self's buffer.

        The indices reach you already normalized, as ``slices``: one ``(start, stop, step)``
        per axis (Python's ``slice.indices``). Along an axis of stride s, the selected entries are
        positions start, start+step, …, so the view has, for that axis,

            size    len(range(start, stop, step))
            stride  s · step

        and it starts ``start · s`` further into the buffer: add that to the offset.
        """
        slices = self._index_slices(idxs)
        ### BEGIN SOLUTION a4
        shape, strides, offset = [], [], self._offset
        for (start, stop, step), stride in zip(slices, self.strides):
            shape.append(len(range(start, stop, step)))
            strides.append(stride * step)
            offset += start * stride
        return NDArray.make(shape, strides=strides, device=self.device, handle=self._handle, offset=offset)
        ### END SOLUTION

    def __setitem__(self, idxs: Index, other: NDArray | float) -> None:
        """Write into the view ``self[idxs]``: an NDArray of the view's size (or one that
        broadcasts to its shape), or a number for every entry."""
        view = self[idxs]
        if isinstance(other, NDArray):
            if other.device != self.device:
                raise ValueError(f"__setitem__: value on {other.device}, array on {self.device}")
            if other.size != view.size:
                other = other.broadcast_to(view.shape)
            self.device.ewise_setitem(other.compact()._handle, view._handle, view.shape, view.strides, view._offset)
        elif isinstance(other, Number):
            self.device.scalar_setitem(view.size, float(other), view._handle, view.shape, view.strides, view._offset)
        else:
            raise TypeError(f"__setitem__: expected an NDArray or a number, got {type(other).__name__}")

    # -- element-wise arithmetic (compact operands of equal shape, or a number)

    def _ewise_or_scalar(self, other: NDArray | float, ewise_name: str, scalar_name: str) -> NDArray:
        out = NDArray.make(self.shape, device=self.device)
        if out.size == 0:
            return out
        if isinstance(other, NDArray):
            if other.shape != self.shape:
                raise ValueError(
                    f"{ewise_name}: shapes {self.shape} and {other.shape} differ; "
                    f"NDArray does not broadcast implicitly (use broadcast_to)"
                )
            if other.device != self.device:
                raise ValueError(f"{ewise_name}: operands on {self.device} and {other.device}")
            getattr(self.device, ewise_name)(self.compact()._handle, other.compact()._handle, out._handle)
        elif isinstance(other, Number):
            getattr(self.device, scalar_name)(self.compact()._handle, float(other), out._handle)
        else:
            return NotImplemented
        return out

    def _unary(self, name: str) -> NDArray:
        out = NDArray.make(self.shape, device=self.device)
        if out.size:
            getattr(self.device, name)(self.compact()._handle, out._handle)
        return out

    def __add__(self, other: NDArray | float) -> NDArray:
        return self._ewise_or_scalar(other, "ewise_add", "scalar_add")

    __radd__ = __add__

    def __sub__(self, other: NDArray | float) -> NDArray:
        return self + (-other)

    def __rsub__(self, other: float) -> NDArray:
        return other + (-self)

    def __mul__(self, other: NDArray | float) -> NDArray:
        return self._ewise_or_scalar(other, "ewise_mul", "scalar_mul")

    __rmul__ = __mul__

    def __truediv__(self, other: NDArray | float) -> NDArray:
        return self._ewise_or_scalar(other, "ewise_div", "scalar_div")

    def __rtruediv__(self, other: float) -> NDArray:
        return full(self.shape, other, device=self.device) / self

    def __neg__(self) -> NDArray:
        return self * (-1.0)

    def __pow__(self, other: NDArray | float) -> NDArray:
        return self._ewise_or_scalar(other, "ewise_power", "scalar_power")

    def __rpow__(self, other: float) -> NDArray:
        return full(self.shape, other, device=self.device) ** self

    def maximum(self, other: NDArray | float) -> NDArray:
        return self._ewise_or_scalar(other, "ewise_maximum", "scalar_maximum")

    # comparisons give 1.0 where true and 0.0 where false
    def __eq__(self, other: NDArray | float) -> NDArray:  # type: ignore[override]
        return self._ewise_or_scalar(other, "ewise_eq", "scalar_eq")

    def __ge__(self, other: NDArray | float) -> NDArray:
        return self._ewise_or_scalar(other, "ewise_ge", "scalar_ge")

    def __ne__(self, other: NDArray | float) -> NDArray:  # type: ignore[override]
        return 1 - (self == other)

    def __gt__(self, other: NDArray | float) -> NDArray:
        return (self >= other) * (self != other)

    def __lt__(self, other: NDArray | float) -> NDArray:
        return 1 - (self >= other)

    def __le__(self, other: NDArray | float) -> NDArray:
        return 1 - (self > other)

    __hash__ = None  # type: ignore[assignment]   # == is element-wise

    def log(self) -> NDArray:
        return self._unary("ewise_log")

    def exp(self) -> NDArray:
        return self._unary("ewise_exp")

    def tanh(self) -> NDArray:
        return self._unary("ewise_tanh")

    def sin(self) -> NDArray:
        return self._unary("ewise_sin")

    def cos(self) -> NDArray:
        return self._unary("ewise_cos")

    # -- matrix product and reductions

    def __matmul__(self, other: NDArray) -> NDArray:
        """The product of two matrices: (m, n) @ (n, p) → (m, p).

        With batch axes, (…, m, n) @ (…, n, p): the batch axes broadcast as in numpy and
        each batch entry is multiplied on its own.
        """
        if not isinstance(other, NDArray):
            return NotImplemented
        if self.ndim < 2 or other.ndim < 2 or self.shape[-1] != other.shape[-2]:
            raise ValueError(f"matmul: NDArray multiplies matrices (m, n) @ (n, p); got {self.shape} @ {other.shape}")
        if self.ndim > 2 or other.ndim > 2:
            return self._batched_matmul(other)
        if other.device != self.device:
            raise ValueError(f"matmul: operands on {self.device} and {other.device}")
        m, n, p = self.shape[0], self.shape[1], other.shape[1]
        if n == 0:
            return full((m, p), 0.0, device=self.device)
        out = NDArray.make((m, p), device=self.device)
        if out.size:
            self.device.matmul(self.compact()._handle, other.compact()._handle, out._handle, m, n, p)
        return out

    def _batched_matmul(self, other: NDArray) -> NDArray:
        batch = tuple(np.broadcast_shapes(self.shape[:-2], other.shape[:-2]))
        a = self.broadcast_to(batch + self.shape[-2:])
        b = other.broadcast_to(batch + other.shape[-2:])
        out = NDArray.make(batch + (a.shape[-2], b.shape[-1]), device=self.device)
        for index in np.ndindex(*batch):
            out[index] = a[index].compact().reshape(a.shape[-2:]) @ b[index].compact().reshape(b.shape[-2:])
        return out

    def _reduce(self, axis: Axes, keepdims: bool, name: str) -> NDArray:
        if axis is None:
            axes = tuple(range(self.ndim))
        else:
            axes = (int(axis),) if isinstance(axis, Integral) else tuple(cast("Sequence[int]", axis))
            for a in axes:
                if not -self.ndim <= a < self.ndim:
                    raise ValueError(f"{name}: axis {a} is out of range for shape {self.shape}")
            axes = tuple(sorted({int(a) % self.ndim for a in axes}))
        kept = tuple(i for i in range(self.ndim) if i not in axes)
        outer = prod(self.shape[i] for i in kept)
        reduce_size = prod(self.shape[i] for i in axes)
        if keepdims:
            out_shape = tuple(1 if i in axes else n for i, n in enumerate(self.shape))
        else:
            out_shape = tuple(self.shape[i] for i in kept)
        if reduce_size == 0:
            if name == "max" and outer:
                raise ValueError("max: reduction over an empty axis has no identity")
            return full(out_shape, 0.0, device=self.device)
        out = NDArray.make((outer,), device=self.device)
        if outer:
            rows = self.permute(kept + axes).compact().reshape((outer, reduce_size))
            getattr(self.device, "reduce_" + name)(rows._handle, out._handle, reduce_size)
        return out.reshape(out_shape)

    def sum(self, axis: Axes = None, keepdims: bool = False) -> NDArray:
        """Sum over ``axis`` (an int, a tuple of ints, or None for all axes)."""
        return self._reduce(axis, keepdims, "sum")

    def max(self, axis: Axes = None, keepdims: bool = False) -> NDArray:
        """Maximum over ``axis`` (an int, a tuple of ints, or None for all axes)."""
        return self._reduce(axis, keepdims, "max")


# ---------------------------------------------------------------- functions


def array(a: Any, dtype: DTypeLike = "float32", device: BackendDevice | None = None) -> NDArray:
    """A new NDArray holding a copy of ``a``."""
    _check_dtype(dtype)
    return NDArray(a, device=device)


def empty(shape: Sequence[int], dtype: DTypeLike = "float32", device: BackendDevice | None = None) -> NDArray:
    return (default_device() if device is None else device).empty(shape, dtype)


def full(
    shape: Sequence[int], fill_value: float, dtype: DTypeLike = "float32", device: BackendDevice | None = None
) -> NDArray:
    return (default_device() if device is None else device).full(shape, fill_value, dtype)


def broadcast_to(array: NDArray, new_shape: Sequence[int]) -> NDArray:
    return array.broadcast_to(new_shape)


def reshape(array: NDArray, new_shape: Sequence[int]) -> NDArray:
    return array.reshape(new_shape)


def maximum(a: NDArray, b: NDArray | float) -> NDArray:
    return a.maximum(b)


def log(a: NDArray) -> NDArray:
    return a.log()


def exp(a: NDArray) -> NDArray:
    return a.exp()


def tanh(a: NDArray) -> NDArray:
    return a.tanh()


def sum(a: NDArray, axis: Axes = None, keepdims: bool = False) -> NDArray:  # noqa: A001 (the course's name)
    return a.sum(axis=axis, keepdims=keepdims)
