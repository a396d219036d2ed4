"""The computational graph and reverse-mode automatic differentiation.

Every :class:`Tensor` is a node of a graph. A tensor made by an operation
remembers the operation (``.op``) and its operands (``.inputs``); a tensor made
from data is a leaf (``.op is None``). Forward values are computed as soon as a
node is made and kept in ``.cached_data``.

``loss.backward()`` walks the graph from ``loss`` back to the leaves (in reverse
topological order) and gives every node its adjoint ``.grad = ∂loss/∂node``. The
adjoints are themselves Tensors built with Tensor operations, so a gradient has
its own graph and can be differentiated again.

Two pieces of this file are yours to write in a3: :func:`find_topo_sort` and
:func:`compute_gradient_of_variables`. The rest is the plumbing they use.

Arrays: a tensor on the default device :func:`cpu` holds a numpy array; a tensor
made with ``device=cuda()`` (or another ``backend_ndarray`` device, a4) holds an NDArray
of that device. Operations reach arrays only through the name ``array_api``, whose
functions are numpy's for numpy arrays and the NDArray's for NDArrays, so the same op
code runs on every device.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import operator
import sys
import weakref
from functools import reduce
from numbers import Number

import numpy
import numpy.typing as npt

from .backend_ndarray import Axes, BackendDevice, NDArray, NDArrayLike
from .backend_ndarray import array_api  # the one array library the operations compute with

__all__ = [
    "array_api",
    "CPUDevice",
    "cpu",
    "default_device",
    "Value",
    "Op",
    "TensorOp",
    "Tensor",
    "find_topo_sort",
    "compute_gradient_of_variables",
    "sum_node_list",
]

DEFAULT_DTYPE = "float32"
DType: TypeAlias = numpy.dtype | str  # a Tensor's dtype: numpy's on cpu(), "float32" for an NDArray

# True while Op.gradient_as_tuple builds partial adjoints of which some may never be needed
_deferring = False

_new_object = object.__new__  # a Tensor without running __init__ (make_from_op, make_const)


# ---------------------------------------------------------------- devices


class CPUDevice:
    """Arrays in main memory, computed by numpy."""

    name = "cpu"

    def __repr__(self) -> str:
        return "cpu()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CPUDevice)

    def __hash__(self) -> int:
        return hash(self.name)

    def array(self, data: npt.ArrayLike | NDArray, dtype: npt.DTypeLike | None = None) -> numpy.ndarray:
        """A new array holding ``data``, with numpy's dtype rules unless ``dtype`` is given."""
        if isinstance(data, NDArray):
            data = data.numpy()
        return numpy.array(data, dtype=dtype)

    def ones(self, shape: Sequence[int], dtype: npt.DTypeLike = DEFAULT_DTYPE) -> numpy.ndarray:
        return numpy.ones(shape, dtype=dtype)

    def zeros(self, shape: Sequence[int], dtype: npt.DTypeLike = DEFAULT_DTYPE) -> numpy.ndarray:
        return numpy.zeros(shape, dtype=dtype)


Device: TypeAlias = CPUDevice | BackendDevice
"""Where a Tensor's array lives: cpu() (numpy), or a device of ``backend_ndarray`` such as cuda()."""

_CPU = CPUDevice()


def cpu() -> CPUDevice:
    """The CPU device (numpy arrays)."""
    return _CPU


def default_device() -> CPUDevice:
    return _CPU


def _check_device(device: Device | None) -> Device:
    if device is None or device == _CPU:
        return _CPU
    if isinstance(device, BackendDevice):
        if not device.enabled():
            raise ValueError(f"Tensor: device {device!r} is not available on this machine: {device.why_disabled()}")
        return device
    raise ValueError(
        f"Tensor: unknown device {device!r}; use cpu() or a device of needle_core.backend_ndarray such as cuda()"
    )


def _device_of(data: NDArrayLike) -> Device:
    return data.device if isinstance(data, NDArray) else _CPU


def _to_device(data: NDArrayLike, device: Device) -> NDArrayLike:
    """``data`` (numpy array or NDArray) as an array of ``device``."""
    if _device_of(data) == device:
        return data
    return device.array(data)


# ---------------------------------------------------------------- operations


class Op:
    """An operation: how to compute its output, and how to differentiate it."""

    def __call__(self, *args: Tensor | NDArrayLike) -> Value:
        raise NotImplementedError(f"{type(self).__name__}: apply a TensorOp subclass, not a bare Op")

    # `*args: Any` here and `*input_shapes: Any` below: each op declares its own arguments
    # (compute(self, a, b), output_shape(self, a_shape, b_shape)), which mypy accepts only then
    def compute(self, *args: Any) -> NDArrayLike:
        """The output, computed from the inputs' raw arrays."""
        raise NotImplementedError(f"{type(self).__name__}.compute is not written")

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor | tuple[Tensor, ...]:
        """The partial adjoints of the inputs, given the output's adjoint ``out_grad``.

        ``node`` is the output Tensor (its ``.inputs`` are the operands). Returns
        one Tensor per input (a single Tensor when there is one input), each with
        the shape of its input, written with Tensor operations.
        """
        raise NotImplementedError(f"{type(self).__name__}.gradient is not written")

    def output_shape(self, *input_shapes: Any) -> tuple[int, ...] | None:
        """The output's shape, from the inputs' shapes alone; None where the op cannot tell.

        An op that can tell lets an adjoint nobody needs stay unevaluated
        (see :meth:`gradient_as_tuple`).
        """
        return None

    def gradient_as_tuple(self, out_grad: Tensor, node: Tensor) -> tuple[Tensor, ...]:
        """:meth:`gradient`, always as a tuple with one entry per input.

        When an input needs no gradient (``requires_grad`` is false: data, labels,
        constants), the products that only its partial adjoint uses are built but
        not computed: such a partial adjoint is evaluated only if someone reads it
        (``x.grad.numpy()``). For an input batch ``X`` in ``X @ W`` this skips the
        product ``out_grad @ Wᵀ``, as large as the forward one. The adjoints of
        inputs that do need one are computed here, as always.
        """
        for x in node.inputs:
            if not x.requires_grad:
                grads = self._gradient_deferred(out_grad, node)
                break
        else:
            grads = self.gradient(out_grad, node)
        if isinstance(grads, tuple):
            return grads
        if isinstance(grads, list):
            return tuple(grads)
        return (grads,)

    def _gradient_deferred(self, out_grad: Tensor, node: Tensor) -> Tensor | tuple[Tensor, ...]:
        """:meth:`gradient` with evaluation deferred, then the needed partial adjoints computed."""
        global _deferring
        _deferring = True
        try:
            grads = self.gradient(out_grad, node)
        finally:
            _deferring = False
        needed = grads if isinstance(grads, (tuple, list)) else (grads,)
        try:
            for x, grad in zip(node.inputs, needed):
                if x.requires_grad and isinstance(grad, Value):
                    grad.realize_cached_data()
        except Exception:
            # evaluate again without deferring, so that the error points at the line of gradient
            return self.gradient(out_grad, node)
        return grads


class TensorOp(Op):
    """An operation whose output is a Tensor."""

    def __call__(self, *args: Tensor | NDArrayLike) -> Tensor:
        return Tensor.make_from_op(self, args)


# ---------------------------------------------------------------- graph nodes


class Value:
    """A node of the computational graph: ``op`` applied to the nodes ``inputs``.

    A leaf has ``op = None`` and no inputs. ``requires_grad`` says whether a
    gradient should flow to the node; an op's output requires one when any
    input does.
    """

    op: Op | None
    inputs: list
    cached_data: Any
    requires_grad: bool

    def _init(
        self,
        op: Op | None,
        inputs: list[Value],
        *,
        cached_data: NDArrayLike | None = None,
        requires_grad: bool | None = None,
    ) -> None:
        if requires_grad is None:
            requires_grad = False
            for x in inputs:  # any(...), without a generator on this hot path
                if x.requires_grad:
                    requires_grad = True
                    break
        self.op = op
        self.inputs = inputs
        self.cached_data = cached_data
        self.requires_grad = requires_grad

    def realize_cached_data(self) -> NDArrayLike:
        """The node's value, computed from its inputs the first time it is asked for."""
        if self.cached_data is None:
            # only an op's output is ever without data, so self.op is an Op here
            args = [x.realize_cached_data() if x.cached_data is None else x.cached_data for x in self.inputs]
            self.cached_data = self.op.compute(*args)  # type: ignore[union-attr]
        return self.cached_data

    def is_leaf(self) -> bool:
        return self.op is None


class Tensor(Value):
    """An n-dimensional array that records how it was computed.

    ``Tensor(array_like, *, device=None, dtype=None, requires_grad=True)``.
    With ``dtype=None`` the data keeps the dtype numpy would give it: float64
    arrays and lists of Python floats stay float64 (numerical gradient checks
    rely on this), float32 arrays stay float32. Pass ``dtype="float32"`` for the
    single precision training uses. Arrays and lists are copied; a Tensor
    argument gives a new leaf sharing its values.
    """

    grad: Tensor | None = None  # set by backward()
    deferred_shape: tuple[int, ...] | None = None  # the shape of a node not computed yet

    # numpy must leave `array + tensor` to Tensor.__radd__ instead of looping over the tensor
    __array_ufunc__ = None

    def __init__(
        self,
        array: Tensor | NDArray | npt.ArrayLike,
        *,
        device: Device | None = None,
        dtype: npt.DTypeLike | None = None,
        requires_grad: bool = True,
    ) -> None:
        if device is None and array.__class__ is numpy.ndarray:  # numpy data for cpu(): no checks
            self.op, self.inputs = None, []
            self.cached_data = numpy.array(array, dtype=dtype)
            self.requires_grad = requires_grad
            return
        if device is None and isinstance(array, NDArray):
            device = array.device
        if isinstance(array, Tensor):
            data = array.realize_cached_data()
            if device is not None:
                data = _to_device(data, _check_device(device))
            if dtype is not None and numpy.dtype(data.dtype) != numpy.dtype(dtype):
                if isinstance(data, NDArray):
                    raise ValueError(f"NDArray holds float32 only, not {dtype}")
                data = data.astype(dtype)
        else:
            data = _check_device(device).array(array, dtype=dtype)
        self._init(None, [], cached_data=data, requires_grad=requires_grad)

    @staticmethod
    def make_from_op(op: Op, inputs: Sequence[Tensor | NDArrayLike]) -> Tensor:
        """The node ``op(*inputs)``, its value computed now.

        Inputs that are not Tensors (numpy arrays) become constant leaves. A node
        whose inputs are all constants is a constant too: it keeps its value and
        drops its history, since no gradient will ever flow through it.
        """
        # This runs for every node of every graph, forward and backward: one pass over the
        # inputs, no helper calls, and the attributes set directly (in _init's order, so
        # that all Tensors share one key layout).
        args, requires_grad, on_nd = [], False, False
        for x in inputs:
            if not isinstance(x, Tensor):
                x = Tensor(x, requires_grad=False)
            elif x.requires_grad:
                requires_grad = True
            if isinstance(x.cached_data, NDArray):
                on_nd = True
            args.append(x)
        if on_nd:
            args = _on_one_device(op, args)
        tensor = _new_object(Tensor)
        if _deferring:  # inside Op.gradient_as_tuple: defer what can be deferred
            shape = op.output_shape(*[x.shape for x in args])
            if shape is not None:
                tensor.op, tensor.inputs = op, args
                tensor.cached_data, tensor.requires_grad = None, requires_grad
                tensor.deferred_shape = shape
                return tensor
        if len(args) == 1:
            a = args[0].cached_data
            data = op.compute(args[0].realize_cached_data() if a is None else a)
        elif len(args) == 2:
            a, b = args[0].cached_data, args[1].cached_data
            data = op.compute(
                args[0].realize_cached_data() if a is None else a, args[1].realize_cached_data() if b is None else b
            )
        else:
            data = op.compute(*[x.realize_cached_data() if x.cached_data is None else x.cached_data for x in args])
        if requires_grad:
            tensor.op, tensor.inputs = op, args
        else:  # a constant: no history to keep
            tensor.op, tensor.inputs = None, []
        tensor.cached_data, tensor.requires_grad = data, requires_grad
        return tensor

    @staticmethod
    def make_const(data: NDArrayLike | None, requires_grad: bool = False) -> Tensor:
        """A leaf holding ``data`` as it is (no copy)."""
        tensor = _new_object(Tensor)
        tensor.op, tensor.inputs = None, []
        tensor.cached_data, tensor.requires_grad = data, requires_grad
        return tensor

    # -- data

    @property
    def data(self) -> Tensor:
        """The same values, detached from the graph."""
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data: expected a Tensor, got {type(value).__name__}")
        if value.dtype != self.dtype:
            raise ValueError(f"Tensor.data: dtype {value.dtype} does not match the tensor's {self.dtype}")
        self.cached_data = value.realize_cached_data()

    def detach(self) -> Tensor:
        """A leaf with the same values and no history (it does not require grad)."""
        return Tensor.make_const(self.realize_cached_data())

    def numpy(self) -> numpy.ndarray:
        """The values as a numpy array (on cpu() shared, not copied: do not modify it in place)."""
        data = self.realize_cached_data()
        return data.numpy() if isinstance(data, NDArray) else data

    @property
    def shape(self) -> tuple[int, ...]:
        if self.cached_data is not None:
            return self.cached_data.shape
        if self.deferred_shape is not None:
            return self.deferred_shape
        return self.realize_cached_data().shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def dtype(self) -> DType:
        return self.realize_cached_data().dtype

    @property
    def device(self) -> Device:
        """cpu() for numpy data, else the NDArray's device (``cuda()``, …)."""
        return _device_of(self.realize_cached_data())

    def __repr__(self) -> str:
        return f"needle.Tensor({self.realize_cached_data()!r})"

    def to(self, device: Device) -> Tensor:
        """The same values as a leaf on ``device`` (this tensor itself when already there)."""
        if self.device == device:
            return self
        return Tensor(self, device=device, requires_grad=self.requires_grad)

    def __str__(self) -> str:
        return str(self.realize_cached_data())

    # -- differentiation

    def backward(self, out_grad: Tensor | NDArrayLike | None = None) -> None:
        """Store ``∂(Σ out_grad ⊙ self)/∂node`` in ``.grad`` of every node of the graph.

        ``out_grad`` defaults to ones of this tensor's shape (for a scalar loss:
        plain ∂loss/∂node).
        """
        if out_grad is None:
            out_grad = Tensor.make_const(self.device.ones(self.shape, dtype=self.dtype))
        elif not isinstance(out_grad, Tensor):
            out_grad = Tensor(out_grad, device=self.device, dtype=self.dtype, requires_grad=False)
        if out_grad.shape != self.shape:
            raise ValueError(f"backward: out_grad has shape {out_grad.shape}, the tensor has shape {self.shape}")
        _release_dead_graph()  # the previous graph, if nothing can reach it any more
        compute_gradient_of_variables(self, out_grad)
        _remember_graph(self)

    # -- Python operators: a Tensor operand gives the element-wise op, a number the scalar op
    # (`other` is a Tensor, a number or a numpy array). After isinstance(other, Number) mypy
    # types `other` as Number, which the scalar ops' Scalar leaves out (to mypy a float is not
    # a Number): hence the ignores.

    def __add__(self, other: Any) -> Tensor:
        if isinstance(other, Number):
            return ops.add_scalar(self, other)  # type: ignore[arg-type]
        return ops.add(self, other)

    def __sub__(self, other: Any) -> Tensor:
        if isinstance(other, Number):
            return ops.add_scalar(self, -other)  # type: ignore[operator]
        return ops.add(self, ops.negate(other))

    def __rsub__(self, other: Any) -> Tensor:
        if isinstance(other, Number):
            return ops.add_scalar(ops.negate(self), other)  # type: ignore[arg-type]
        return ops.add(other, ops.negate(self))

    def __mul__(self, other: Any) -> Tensor:
        if isinstance(other, Number):
            return ops.mul_scalar(self, other)  # type: ignore[arg-type]
        return ops.multiply(self, other)

    def __truediv__(self, other: Any) -> Tensor:
        if isinstance(other, Number):
            return ops.divide_scalar(self, other)  # type: ignore[arg-type]
        return ops.divide(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        if isinstance(other, Number):
            return ops.mul_scalar(ops.power_scalar(self, -1), other)  # type: ignore[arg-type]
        return ops.divide(other, self)

    def __pow__(self, other: Any) -> Tensor:
        if isinstance(other, Number):
            return ops.power_scalar(self, other)  # type: ignore[arg-type]
        return ops.power(self, other)

    def __matmul__(self, other: Tensor) -> Tensor:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: Tensor) -> Tensor:
        return ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return ops.negate(self)

    __radd__ = __add__
    __rmul__ = __mul__

    # -- methods for the shape operations

    def sum(self, axes: Axes = None) -> Tensor:
        return ops.summation(self, axes)

    def reshape(self, shape: Sequence[int]) -> Tensor:
        return ops.reshape(self, shape)

    def transpose(self, axes: Sequence[int] | None = None) -> Tensor:
        return ops.transpose(self, axes)

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        return ops.broadcast_to(self, shape)


def _on_one_device(op: Op, inputs: list[Tensor]) -> list[Tensor]:
    """``inputs`` with constants moved to the device of the NDArray inputs.

    Code written for cpu() keeps working on other devices: a constant made from numpy
    (``Tensor(mask, requires_grad=False)``) joins the device of the tensors it meets.
    A tensor that requires a gradient is never moved (its gradient would not reach it).
    """
    device = next(x.cached_data.device for x in inputs if isinstance(x.cached_data, NDArray))
    moved = []
    for x in inputs:
        if x.cached_data is not None and _device_of(x.cached_data) != device:
            if x.requires_grad:
                raise ValueError(
                    f"{type(op).__name__}: operands on {device!r} and "
                    f"{_device_of(x.cached_data)!r}; move one with .to(device)"
                )
            x = Tensor.make_const(_to_device(x.cached_data, device))
        moved.append(x)
    return moved


# ---------------------------------------------------------------- reverse mode


def find_topo_sort(node_list: list[Tensor]) -> list[Tensor]:
    """All nodes that the nodes of ``node_list`` depend on, in topological order.

    The order is the post-order of a depth-first search that starts from each
    node of ``node_list`` in turn and visits a node's inputs in order: a node
    comes after all of its inputs, and every node appears exactly once.
    """
    ### BEGIN SOLUTION a3
    visited: set[Tensor] = set()
    topo_order: list[Tensor] = []
    for node in node_list:
        topo_sort_dfs(node, visited, topo_order)
    return topo_order
    ### END SOLUTION


def topo_sort_dfs(node: Tensor, visited: set[Tensor], topo_order: list[Tensor]) -> None:
    """Depth-first search from ``node``: append every unvisited node after its inputs."""
    ### BEGIN SOLUTION a3
    if node in visited:
        return
    visited.add(node)
    for inp in node.inputs:
        topo_sort_dfs(inp, visited, topo_order)
    topo_order.append(node)
    ### END SOLUTION


def compute_gradient_of_variables(output_tensor: Tensor, out_grad: Tensor) -> None:
    """Reverse-mode differentiation: set ``.grad`` of every node that ``output_tensor`` depends on.

    Visit the nodes in reverse topological order. When a node is reached,
    all of its consumers have been processed, so its adjoint is complete:
    the sum of the partial adjoints its consumers sent it,

        node.grad = Σ_consumers  ∂(consumer)/∂(node)ᵀ · consumer.grad.

    Then send each of its inputs its partial adjoint, from
    ``node.op.gradient_as_tuple(node.grad, node)``. The output's own adjoint is
    ``out_grad``. Use ``node_to_output_grads_list`` (node → list of partial
    adjoints) and :func:`sum_node_list`.
    """
    node_to_output_grads_list: dict[Tensor, list[Tensor]] = {output_tensor: [out_grad]}
    ### BEGIN SOLUTION a3
    for node in reversed(find_topo_sort([output_tensor])):
        node.grad = sum_node_list(node_to_output_grads_list[node])
        if node.op is None:  # a leaf
            continue
        for inp, partial in zip(node.inputs, node.op.gradient_as_tuple(node.grad, node)):
            node_to_output_grads_list.setdefault(inp, []).append(partial)
    ### END SOLUTION


def sum_node_list(node_list: list[Tensor]) -> Tensor:
    """The sum of a list of Tensors, as one Tensor (no ``0 +`` in front)."""
    if len(node_list) == 1:  # most nodes have one consumer
        return node_list[0]
    return reduce(operator.add, node_list)


# Weak references to the Tensors of the latest backward's graph: the next backward() frees
# those that nothing can reach any more (see _release_dead_graph)
_last_backward: list = []
_RELEASE_MIN_SIZE = 1 << 18  # array entries (1 MiB of float32) in a graph worth releasing


def _remember_graph(output: Tensor) -> None:
    """Weak handles on every Tensor that ``output`` reaches through ``.inputs`` and ``.grad``.

    Weak, so that remembering the graph keeps none of it alive. A leaf without a gradient
    (a constant) refers to no Tensor, so it cannot be part of a cycle: it is left out. A graph
    whose arrays hold fewer than ``_RELEASE_MIN_SIZE`` entries in all is not remembered: a few
    such graphs waiting for the cycle collector still fit in the cache, and releasing them
    would cost more than it saves.
    """
    seen = {id(output): output}
    stack = [output]
    size = 0
    while stack:
        node = stack.pop()
        size += getattr(node.cached_data, "size", 1)  # None (not computed yet) and numbers: 1
        for x in node.inputs:
            if id(x) not in seen and (x.inputs or x.grad is not None):
                seen[id(x)] = x
                stack.append(x)
        grad = node.grad
        if grad is not None and id(grad) not in seen and isinstance(grad, Tensor):
            seen[id(grad)] = grad
            stack.append(grad)
    if size < _RELEASE_MIN_SIZE:
        _last_backward.clear()
        return
    ref = weakref.ref
    _last_backward[:] = [ref(x) for x in seen.values()]


def _release_dead_graph() -> None:
    """Break the reference cycles of the latest backward's graph where nothing outside refers to it.

    backward() makes cycles: a node's ``.grad`` is built from the node itself or its inputs
    (``out_grad * node`` for exp), and the node reaches that adjoint through ``.grad``. Python
    frees cycles only when its cycle collector runs, every few hundred new objects, so a
    training loop kept the arrays of the last ten or so minibatches alive and wrote each new
    array to memory that had left the cache (a3's epoch: 5–10 % of its time). Called by the
    next backward(), this does the collector's work for the Tensors of that one graph that are
    still alive: it counts the references each of them gets from the others (through
    ``.inputs`` and ``.grad``); one with more references is held from outside (a variable, a
    list, another graph), and so is every Tensor it reaches. The others can never be reached
    again: their ``.grad`` is set to None, which breaks the cycles, and reference counting
    frees them at once. A fresh Tensor that nothing else refers to goes through the same
    counting, so the counts do not depend on how the interpreter passes references around;
    when anything is unusual (an ``inputs`` list held elsewhere, a count that does not add up)
    everything is left to the collector.
    """
    getrefcount = _getrefcount
    if len(_last_backward) < 2 or getrefcount is None:
        _last_backward.clear()
        return
    node: Any = None
    x: Any = None
    baseline = Tensor.make_const(None)  # referred to by `members` alone: the calibration
    members = {id(baseline): baseline}  # first in the order of members.values()
    for ref in _last_backward:
        node = ref()
        if node is not None:
            members[id(node)] = node
    _last_backward.clear()
    del baseline
    internal = dict.fromkeys(members, 0)
    counts, list_counts = [], []
    node = None  # from here on only `members` and the loop's names hold Tensors
    for node in members.values():
        counts.append(getrefcount(node))
        list_counts.append(getrefcount(node.inputs))
        for x in node.inputs:
            if id(x) in internal:
                internal[id(x)] += 1
        x = None
        if id(node.grad) in internal:
            internal[id(node.grad)] += 1
    node = None
    own, own_list = counts[0], list_counts[0]
    held = []
    for node, count, list_count in zip(members.values(), counts, list_counts):
        outside = count - own - internal[id(node)]
        if outside < 0 or list_count != own_list:  # a miscount, or an inputs list held elsewhere
            return
        if outside:
            held.append(node)
    alive: set = set()
    while held:
        node = held.pop()
        if id(node) not in alive:
            alive.add(id(node))
            held.extend(x for x in node.inputs if id(x) in members)
            if id(node.grad) in members:
                held.append(members[id(node.grad)])
    for node in members.values():
        if node.grad is not None and id(node) not in alive:
            node.grad = None


_getrefcount = getattr(sys, "getrefcount", None)  # CPython's; elsewhere graphs wait for the collector


# The operations build on the classes above, and Tensor's operators call them.
from . import ops  # noqa: E402
