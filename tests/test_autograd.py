"""The graph machinery of needle_core.autograd: Tensor, topological order, reverse mode.

Covers what a Tensor holds and how Python operators map to ops, the exact order of
``find_topo_sort``, the accumulation of partial adjoints, ``.grad`` on every node, and
gradients of gradients (checked against central differences).
"""

import gc
import weakref

import numpy as np
import pytest

import needle_core as ndl
from needle_core import autograd, ops
from needle_core.gradcheck import check_tensor_gradient, random_input


def tensor(shape, seed=0, positive=False, dtype="float64"):
    return ndl.Tensor(random_input(shape, seed=seed, positive=positive), dtype=dtype)


# ---------------------------------------------------------------- the public names


def test_top_level_exposes_tensor_autograd_ops_and_every_op():
    assert ndl.Tensor is autograd.Tensor
    for name in ["Value", "Op", "TensorOp", "Tensor", "find_topo_sort", "compute_gradient_of_variables"]:
        assert hasattr(ndl.autograd, name)
    for name in [
        "add",
        "add_scalar",
        "multiply",
        "mul_scalar",
        "power",
        "power_scalar",
        "divide",
        "divide_scalar",
        "matmul",
        "summation",
        "broadcast_to",
        "reshape",
        "negate",
        "transpose",
        "log",
        "exp",
        "relu",
        "sin",
        "cos",
    ]:
        assert getattr(ndl, name) is getattr(ndl.ops, name)


# ---------------------------------------------------------------- Tensor: data and dtype


@pytest.mark.parametrize(
    "data, dtype",
    [
        (np.ones((2, 3), dtype=np.float64), "float64"),
        (np.ones((2, 3), dtype=np.float32), "float32"),
        ([[1.0, 2.0], [3.0, 4.0]], "float64"),  # as numpy would (design §5)
        ([1, 2, 3], "int64"),
        (2.5, "float64"),
        (np.float64(2.5), "float64"),
        (np.float32(2.5), "float32"),
    ],
)
def test_tensor_dtype_defaults_follow_the_input(data, dtype):
    t = ndl.Tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(data))


def test_tensor_dtype_argument_converts():
    t = ndl.Tensor(np.ones(3, dtype=np.float32), dtype="float64")
    assert t.dtype == np.float64
    assert ndl.Tensor(t, dtype="float32").dtype == np.float32


def test_tensor_copies_numpy_input():
    a = np.ones(3)
    t = ndl.Tensor(a)
    a[0] = 5.0
    assert t.numpy()[0] == 1.0


def test_tensor_attributes():
    t = ndl.Tensor(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3) and t.ndim == 2
    assert t.op is None and t.inputs == [] and t.is_leaf()
    assert t.requires_grad and t.grad is None
    assert t.device == ndl.cpu() and t.device.name == "cpu"
    assert t.cached_data is t.realize_cached_data() is t.numpy()
    assert "Tensor" in repr(t)


def test_unknown_device_is_refused():
    with pytest.raises(ValueError, match="unknown device"):
        ndl.Tensor([1.0], device="cuda")


def test_detach_and_data_share_values_without_history():
    x = tensor((3,))
    y = ndl.exp(x)
    for d in (y.detach(), y.data):
        assert d.op is None and d.inputs == [] and not d.requires_grad
        np.testing.assert_array_equal(d.numpy(), y.numpy())


def test_data_setter_replaces_values_and_keeps_dtype():
    w = ndl.Tensor(np.ones(3, dtype=np.float32))
    w.data = ndl.Tensor(np.full(3, 2.0, dtype=np.float32))
    np.testing.assert_array_equal(w.numpy(), [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="dtype"):
        w.data = ndl.Tensor(np.ones(3, dtype=np.float64))


def test_node_made_of_constants_is_a_constant_leaf():
    c = ndl.Tensor([1.0, 2.0], requires_grad=False)
    y = ndl.exp(c) + c
    assert not y.requires_grad and y.op is None
    x = ndl.Tensor([1.0, 2.0])
    z = x * c
    assert z.requires_grad and isinstance(z.op, ops.EWiseMul)


# ---------------------------------------------------------------- operators dispatch to ops


@pytest.mark.parametrize(
    "build, op_class, expected",
    [
        (lambda a, b: a + b, ops.EWiseAdd, lambda a, b: a + b),
        (lambda a, b: a + 2, ops.AddScalar, lambda a, b: a + 2),
        (lambda a, b: 2 + a, ops.AddScalar, lambda a, b: 2 + a),
        (lambda a, b: a - b, ops.EWiseAdd, lambda a, b: a - b),
        (lambda a, b: a - 2, ops.AddScalar, lambda a, b: a - 2),
        (lambda a, b: 2 - a, ops.AddScalar, lambda a, b: 2 - a),
        (lambda a, b: a * b, ops.EWiseMul, lambda a, b: a * b),
        (lambda a, b: 3 * a, ops.MulScalar, lambda a, b: 3 * a),
        (lambda a, b: a / b, ops.EWiseDiv, lambda a, b: a / b),
        (lambda a, b: a / 4, ops.DivScalar, lambda a, b: a / 4),
        (lambda a, b: 2 / a, ops.MulScalar, lambda a, b: 2 / a),
        (lambda a, b: a**3, ops.PowerScalar, lambda a, b: a**3),
        (lambda a, b: ndl.exp(a) ** b, ops.EWisePow, lambda a, b: np.exp(a) ** b),
        (lambda a, b: -a, ops.Negate, lambda a, b: -a),
        (lambda a, b: a @ b.transpose(), ops.MatMul, lambda a, b: a @ b.T),
        (lambda a, b: a.sum(axes=1), ops.Summation, lambda a, b: a.sum(axis=1)),
        (lambda a, b: a.reshape((6,)), ops.Reshape, lambda a, b: a.reshape(6)),
        (lambda a, b: a.transpose(), ops.Transpose, lambda a, b: a.T),
        (
            lambda a, b: a.reshape((1, 2, 3)).broadcast_to((4, 2, 3)),
            ops.BroadcastTo,
            lambda a, b: np.broadcast_to(a, (4, 2, 3)),
        ),
    ],
)
def test_python_operators_build_the_matching_op(build, op_class, expected):
    a, b = random_input((2, 3), seed=1), random_input((2, 3), seed=2)
    out = build(ndl.Tensor(a), ndl.Tensor(b))
    assert isinstance(out.op, op_class)
    np.testing.assert_allclose(out.numpy(), expected(a, b), rtol=1e-12)


def test_numpy_array_operand_becomes_a_constant():
    a = random_input((2, 3))
    x = ndl.Tensor(a)
    for out in (x + a, a + x, a - x, x * a):
        assert out.shape == (2, 3)
    assert isinstance((a - x).inputs[0], ndl.Tensor) and not (a - x).inputs[0].requires_grad


# ---------------------------------------------------------------- topological order


def test_topo_sort_of_a_diamond_lists_each_node_once_after_its_inputs():
    x = tensor((3,))
    a = ndl.exp(x)
    b = ndl.sin(x)
    c = a * b
    assert autograd.find_topo_sort([c]) == [x, a, b, c]


def test_topo_sort_is_the_dfs_post_order_with_inputs_in_order():
    x, y = tensor((2,), 1), tensor((2,), 2)
    u = x * y
    v = u + x
    w = v * u
    # DFS from w: v first (its inputs u, then x), then u (already visited)
    assert autograd.find_topo_sort([w]) == [x, y, u, v, w]
    assert autograd.find_topo_sort([u, w]) == [x, y, u, v, w]
    assert autograd.find_topo_sort([v, y]) == [x, y, u, v]


def test_topo_sort_of_a_heavily_shared_chain_visits_each_node_once():
    x = tensor((2,))
    nodes = [x]
    for _ in range(30):
        nodes.append(nodes[-1] + nodes[-1])  # 2³⁰ paths from the top down to x
    order = autograd.find_topo_sort([nodes[-1]])
    assert order == nodes


# ---------------------------------------------------------------- reverse mode


def test_backward_sets_grad_on_every_node():
    x = tensor((3, 2))
    h = ndl.exp(x)
    s = ndl.summation(h, axes=(1,))
    out = ndl.log(s)
    out.backward()
    for node in (x, h, s, out):
        assert isinstance(node.grad, ndl.Tensor) and node.grad.shape == node.shape
    np.testing.assert_array_equal(out.grad.numpy(), np.ones(3))
    e = np.exp(x.numpy())
    np.testing.assert_allclose(x.grad.numpy(), e / e.sum(axis=1, keepdims=True), rtol=1e-12)


def test_partial_adjoints_of_a_variable_used_several_times_add_up():
    a = random_input((4,))
    x = ndl.Tensor(a)
    y = x * x + x * 3 + ndl.exp(x) + x
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * a + 3 + np.exp(a) + 1, rtol=1e-12)


def test_reused_variable_gradient_matches_numerical():
    def f(x, w):
        h = ndl.relu(x @ w)
        total = ndl.summation(x @ w + 5.0)
        return ndl.summation(h * h + h @ ndl.transpose(w) @ w, axes=(0,)) / ndl.broadcast_to(total, (4,))

    check_tensor_gradient(f, random_input((3, 4), 1), random_input((4, 4), 2), argnames=["x", "w"])


def test_backward_with_an_explicit_out_grad_weights_the_output():
    x = tensor((2, 3))
    w = random_input((2, 3), seed=5)
    ndl.exp(x).backward(ndl.Tensor(w))
    np.testing.assert_allclose(x.grad.numpy(), w * np.exp(x.numpy()), rtol=1e-12)


def test_compute_gradient_of_variables_directly():
    x = tensor((3,))
    y = x * x
    autograd.compute_gradient_of_variables(y, ndl.Tensor(np.ones(3)))
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy())


def test_backward_out_grad_shape_must_match():
    with pytest.raises(ValueError, match=r"out_grad has shape \(2,\)"):
        ndl.exp(tensor((3,))).backward(ndl.Tensor(np.ones(2)))


def test_gradient_as_tuple_always_gives_a_tuple():
    x = tensor((3,))
    y = ndl.exp(x)
    grads = y.op.gradient_as_tuple(ndl.Tensor(np.ones(3)), y)
    assert isinstance(grads, tuple) and len(grads) == 1


def test_gradients_are_tensors_with_their_own_graph():
    x = tensor((3,))
    (x * x * x).sum().backward()
    assert x.grad.op is not None and x in autograd.find_topo_sort([x.grad])


# ---------------------------------------------------------------- gradient of gradient


def grad_of_sum_x_cubed_times_y(x, y):
    """∂/∂x Σ x³y = 3x²y, as a Tensor built by backward()."""
    ndl.summation(x**3 * y).backward()
    return x.grad


def test_first_gradient_matches_the_analytic_one():
    x, y = tensor((3, 2), 1), tensor((3, 2), 2)
    g = grad_of_sum_x_cubed_times_y(x, y)
    np.testing.assert_allclose(g.numpy(), 3 * x.numpy() ** 2 * y.numpy(), rtol=1e-12)


def test_gradient_of_gradient_matches_numerical():
    check_tensor_gradient(
        grad_of_sum_x_cubed_times_y, random_input((3, 2), 1), random_input((3, 2), 2), argnames=["x", "y"]
    )


def test_gradient_of_gradient_matches_the_analytic_second_derivative():
    # ∂/∂x Σ w ⊙ (3x²y) = 6xyw,  ∂/∂y Σ w ⊙ (3x²y) = 3x²w
    x, y = tensor((4,), 1), tensor((4,), 2)
    w = random_input((4,), 3)
    g = grad_of_sum_x_cubed_times_y(x, y)
    g.backward(ndl.Tensor(w))
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy() * y.numpy() * w, rtol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), 3 * x.numpy() ** 2 * w, rtol=1e-12)


def test_gradient_of_gradient_through_matmul_exp_log_and_broadcast():
    def input_gradient(x, w):
        b = ndl.broadcast_to(ndl.summation(w, axes=(0,)), (3, 2))
        loss = ndl.summation(ndl.log(ndl.exp(x @ w) + 1.0) * ndl.sin(b))
        loss.backward()
        return x.grad

    check_tensor_gradient(input_gradient, random_input((3, 4), 1), random_input((4, 2), 2), argnames=["x", "w"])


# ---------------------------------------------------------------- adjoints nobody needs


def test_adjoint_of_an_input_that_needs_no_gradient_is_computed_only_when_read():
    X = ndl.Tensor(random_input((5, 4), 1), requires_grad=False)
    W = tensor((4, 3), 2)
    out = ndl.summation(ndl.exp(X @ W))
    out.backward()
    assert W.grad.cached_data is not None  # needed: computed during backward
    assert X.grad.cached_data is None  # not needed: built, not computed
    assert X.grad.shape == (5, 4) and X.grad.cached_data is None
    G = np.exp(X.numpy() @ W.numpy())
    np.testing.assert_allclose(X.grad.numpy(), G @ W.numpy().T, rtol=1e-12)
    np.testing.assert_allclose(W.grad.numpy(), X.numpy().T @ G, rtol=1e-12)


def test_unneeded_adjoints_used_twice_still_add_up_when_read():
    X = ndl.Tensor(random_input((2, 4), 1), requires_grad=False)
    W, V = tensor((4, 3), 2), tensor((4, 3), 3)
    ndl.summation(X @ W + X @ V).backward()
    np.testing.assert_allclose(X.grad.numpy(), np.ones((2, 3)) @ (W.numpy() + V.numpy()).T, rtol=1e-12)


def test_gradient_of_gradient_through_a_product_with_a_constant_matches_numerical():
    X = ndl.Tensor(random_input((3, 4), 5), requires_grad=False)

    def weight_gradient(w):
        ndl.summation(ndl.exp(X @ w) * (X @ w)).backward()
        return w.grad

    check_tensor_gradient(weight_gradient, random_input((4, 2), 6), name="weight_gradient")


class MatMulWrongAdjointShape(ops.MatMul):
    """A broken gradient: the adjoint of b uses a instead of its transpose."""

    def gradient(self, out_grad, node):
        a, b = node.inputs
        return out_grad @ ops.transpose(b), a @ out_grad


def test_an_error_in_a_needed_adjoint_is_raised_from_the_gradient_method():
    X = ndl.Tensor(random_input((5, 4), 1), requires_grad=False)
    W = tensor((4, 3), 2)
    out = ndl.summation(MatMulWrongAdjointShape()(X, W))
    with pytest.raises(ValueError, match="matmul: shapes") as info:
        out.backward()
    assert any(entry.name == "gradient" for entry in info.traceback)


# ---------------------------------------------------------------- freeing graphs nobody can reach


@pytest.fixture
def no_cycle_collector(monkeypatch):
    """Python's cycle collector off, so that only backward() can free a graph's cycles, and
    backward() releasing graphs of any size (these are small)."""
    monkeypatch.setattr(autograd, "_RELEASE_MIN_SIZE", 0)
    gc.disable()
    yield
    gc.enable()


def test_the_next_backward_frees_a_graph_nobody_can_reach(no_cycle_collector):
    x = tensor((3,), 1)
    loss = ndl.summation(ndl.exp(x) * x)
    loss.backward()
    refs = [weakref.ref(t) for t in (x, x.grad, loss.inputs[0])]
    del x, loss
    assert refs[0]() is not None  # x → x.grad → exp(x) → x: a cycle, not freed on its own
    ndl.summation(tensor((3,), 2)).backward()
    assert [r() for r in refs] == [None, None, None]


def test_what_is_held_from_outside_keeps_its_graph_and_gradients(no_cycle_collector):
    X = ndl.Tensor(random_input((5, 4), 1), requires_grad=False)
    W = tensor((4, 3), 2)
    Z = ndl.exp(X @ W)
    loss = ndl.summation(Z * Z)
    loss.backward()
    G = 2 * np.exp(2 * X.numpy() @ W.numpy())
    del W, loss
    ndl.summation(tensor((3,), 3)).backward()
    W = Z.inputs[0].inputs[1]  # reached through Z: held, so kept with its gradient
    np.testing.assert_allclose(Z.grad.numpy(), 2 * Z.numpy(), rtol=1e-12)
    np.testing.assert_allclose(W.grad.numpy(), X.numpy().T @ G, rtol=1e-12)
    np.testing.assert_allclose(X.grad.numpy(), G @ W.numpy().T, rtol=1e-12)  # computed only now
    x = tensor((2,), 4)
    ndl.summation(x * x * x).backward()
    grad, x_ref = x.grad, weakref.ref(x)
    del x
    ndl.summation(tensor((3,), 5)).backward()
    grad.backward(ndl.Tensor(np.ones(2)))  # the gradient's graph, and x in it, are intact
    np.testing.assert_allclose(x_ref().grad.numpy(), 6 * random_input((2,), 4), rtol=1e-12)


def test_an_inputs_list_held_elsewhere_keeps_the_whole_graph(no_cycle_collector):
    x = tensor((3,), 1)
    loss = ndl.summation(ndl.exp(x) * x)
    loss.backward()
    held = loss.inputs[0].inputs[0].inputs  # [x], the inputs of exp(x)
    del x, loss
    ndl.summation(tensor((3,), 2)).backward()
    x = held[0]
    np.testing.assert_allclose(x.grad.numpy(), np.exp(x.numpy()) * (1 + x.numpy()), rtol=1e-12)


def test_backward_keeps_no_graph_alive():
    x = tensor((3,), 1)
    loss = ndl.summation(ndl.exp(x) * x)
    loss.backward()
    ref = weakref.ref(x)
    del x, loss
    gc.collect()
    assert ref() is None


def test_a_small_graph_is_left_to_the_cycle_collector(no_cycle_collector, monkeypatch):
    monkeypatch.setattr(autograd, "_RELEASE_MIN_SIZE", 1000)  # entries: this graph has 20 or so
    x = tensor((1,), 1)
    loss = ndl.summation(ndl.exp(x) * x)
    loss.backward()
    ref = weakref.ref(x)
    del x, loss
    ndl.summation(tensor((3,), 2)).backward()
    assert ref() is not None
    gc.collect()
    assert ref() is None
