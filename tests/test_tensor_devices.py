"""a3's Tensors on the devices of backend_ndarray: forward values and gradients of every op.

A Tensor made with ``device=d`` keeps its data as an NDArray of ``d`` and every op computes
through ``array_api`` on it. Gradients are checked with ``needle_core.gradcheck``: the
numerical gradient comes from central differences of the same op in float64 on cpu() (numpy),
the analytic one from ``backward()`` on the device, in float32. Hence the tolerance
``DEVICE_TOL``: float32 rounding (ε ≈ 6e-8, grown over a few dozen operations) must pass,
a wrong gradient (errors of order 1e-1) must not.
"""

import numpy as np
import pytest

import needle_core as ndl
from needle_core import backend_ndarray as nd
from needle_core.apps import simple_ml as apps
from needle_core.gradcheck import GradientCheckError, check_gradient, random_input

DEVICE_TOL = 1e-4

DEVICES = [
    pytest.param(nd.cpu(), id="cpu"),
    pytest.param(nd.cpu_numpy(), id="cpu_numpy"),
    pytest.param(
        nd.cuda(), id="cuda", marks=pytest.mark.skipif(not nd.cuda().enabled(), reason="cuda() is not enabled here")
    ),
]


def inputs(*shapes, positive=False, seed=0):
    return [random_input(shape, seed=seed + i, positive=positive) for i, shape in enumerate(shapes)]


def check_on_device(fn, *arrays, device, name, **kwargs):
    """Forward on the device against float64 numpy, then the device's backward() against
    central differences (float64, cpu())."""

    def forward(*xs):
        return fn(*[ndl.Tensor(x, dtype="float64") for x in xs], **kwargs).numpy()

    def backward(weights, *xs):
        tensors = [ndl.Tensor(x, device=device) for x in xs]
        out = fn(*tensors, **kwargs)
        assert out.device == device and isinstance(out.cached_data, nd.NDArray)
        out.backward(ndl.Tensor(np.asarray(weights).reshape(out.shape), device=device))
        for t in tensors:
            assert t.grad.device == device, f"{name}: a gradient left {device!r}"
        return [t.grad.numpy() for t in tensors]

    on_device = fn(*[ndl.Tensor(x, device=device) for x in arrays], **kwargs).numpy()
    np.testing.assert_allclose(
        on_device, forward(*arrays), rtol=1e-5, atol=1e-5, err_msg=f"{name}: forward value on {device!r}"
    )
    return check_gradient(forward, arrays, backward, name=name, tol=DEVICE_TOL)


# name: (function, input shapes, inputs positive)
OPS = {
    "add": (ndl.add, [(3, 5), (3, 5)], False),
    "multiply": (ndl.multiply, [(3, 5), (3, 5)], False),
    "divide": (ndl.divide, [(4, 3), (4, 3)], False),
    "power": (ndl.power, [(3, 4), (3, 4)], True),
    "add_scalar": (lambda a: ndl.add_scalar(a, 1.5), [(2, 3, 5)], False),
    "mul_scalar": (lambda a: ndl.mul_scalar(a, -2.5), [(2, 3, 5)], False),
    "divide_scalar": (lambda a: ndl.divide_scalar(a, 3.0), [(7,)], False),
    "power_scalar_3": (lambda a: ndl.power_scalar(a, 3), [(3, 5)], False),
    "power_scalar_0.5": (lambda a: ndl.power_scalar(a, 0.5), [(3, 5)], True),
    "negate": (ndl.negate, [(3, 5)], False),
    "log": (ndl.log, [(3, 5)], True),
    "exp": (ndl.exp, [(3, 5)], False),
    "sin": (ndl.sin, [(3, 5)], False),
    "cos": (ndl.cos, [(3, 5)], False),
    "relu": (ndl.relu, [(3, 5)], False),
    "reshape": (lambda a: ndl.reshape(a, (5, 2, 3)), [(3, 10)], False),
    "reshape_of_transpose": (lambda a: ndl.reshape(ndl.transpose(a), (-1,)), [(3, 5)], False),
    "transpose": (ndl.transpose, [(2, 3, 5)], False),
    "transpose_axes": (lambda a: ndl.transpose(a, (0, 2)), [(2, 3, 5)], False),
    "broadcast_to": (lambda a: ndl.broadcast_to(a, (2, 3, 5)), [(3, 1)], False),
    "summation_all": (ndl.summation, [(3, 5, 2)], False),
    "summation_axis": (lambda a: ndl.summation(a, axes=1), [(3, 5, 2)], False),
    "summation_axes": (lambda a: ndl.summation(a, axes=(0, 2)), [(3, 5, 2)], False),
    "matmul": (ndl.matmul, [(5, 3), (3, 7)], False),
    "matmul_batched": (ndl.matmul, [(2, 1, 3, 4), (3, 4, 2)], False),
    "tensor_operators": (lambda a, b: (a * b - a / (b * b + 1.0)) @ ndl.transpose(b) + 2, [(4, 3), (4, 3)], False),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", OPS)
def test_op_forward_and_gradient_on_device(device, name):
    fn, shapes, positive = OPS[name]
    check_on_device(fn, *inputs(*shapes, positive=positive), device=device, name=name)


@pytest.mark.parametrize("device", DEVICES)
def test_softmax_loss_unchanged_runs_on_device(device):
    """a3's softmax_loss makes a constant from numpy; it joins the device of the logits."""
    y = np.array([0, 2, 1, 2, 0])
    onehot = np.eye(3)[y]

    def loss(z):
        return apps.softmax_loss(z, ndl.Tensor(onehot, requires_grad=False))

    check_on_device(loss, inputs((5, 3))[0], device=device, name="softmax_loss")


@pytest.mark.parametrize("device", DEVICES)
def test_wrong_gradient_fails_on_device(device):
    """The device check is strict enough: a gradient that is wrong by 1 % fails."""

    class BadExp(ndl.ops.Exp):
        def gradient(self, out_grad, node):
            return out_grad * node * 1.01

    with pytest.raises(GradientCheckError):
        check_on_device(lambda a: BadExp()(a), *inputs((3, 4)), device=device, name="bad_exp")


@pytest.mark.parametrize("device", DEVICES)
def test_tensor_keeps_an_ndarray_of_its_device(device):
    x = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = ndl.Tensor(x, device=device)
    assert isinstance(t.cached_data, nd.NDArray) and t.device == device
    assert t.shape == (2, 3) and t.dtype == "float32"
    np.testing.assert_array_equal(t.numpy(), x)
    assert ndl.Tensor(t.cached_data).device == device  # device follows the NDArray
    back = t.to(ndl.cpu())
    assert back.device == ndl.cpu() and isinstance(back.cached_data, np.ndarray)
    assert t.to(device) is t
    (t * t).sum().backward()  # default out_grad on the device
    assert t.grad.device == device
    np.testing.assert_allclose(t.grad.numpy(), 2 * x)


@pytest.mark.parametrize("device", DEVICES)
def test_operands_that_need_gradients_must_share_a_device(device):
    a = ndl.Tensor(np.ones((2, 2)), device=device)
    b = ndl.Tensor(np.ones((2, 2)))  # cpu(), requires a gradient
    with pytest.raises(ValueError, match="move one with .to"):
        a + b
    c = a + ndl.Tensor(np.ones((2, 2)), requires_grad=False)  # a constant moves
    assert c.device == device


def test_float32_only_and_unavailable_devices():
    with pytest.raises(ValueError, match="float32"):
        ndl.Tensor([1.0], device=nd.cpu(), dtype="float64")
    t = ndl.Tensor([1.0], device=nd.cpu())
    assert ndl.Tensor(t, dtype=np.float32).device == nd.cpu()  # the same dtype, spelled as numpy's
    with pytest.raises(ValueError, match="float32"):
        ndl.Tensor(t, dtype=np.float64)
    if not nd.cuda().enabled():
        with pytest.raises(ValueError, match="not available"):
            ndl.Tensor([1.0], device=nd.cuda())


def test_cpu_tensors_still_hold_numpy_arrays():
    t = ndl.exp(ndl.Tensor(np.ones((2, 2))))
    assert type(t.cached_data) is np.ndarray and t.dtype == np.float64
    assert t.device == ndl.cpu()


@pytest.mark.parametrize("device", DEVICES)
def test_nn_epoch_on_device_matches_cpu(device):
    """The a2 network trained with Tensors on the device: the same weights as on cpu()."""
    rng = np.random.default_rng(0)
    X = rng.random((120, 20), dtype=np.float32)
    y = rng.integers(0, 5, size=120).astype(np.uint8)
    W1 = (rng.standard_normal((20, 16)) / np.sqrt(16)).astype(np.float32)
    W2 = (rng.standard_normal((16, 5)) / np.sqrt(5)).astype(np.float32)
    c1, c2 = apps.nn_epoch(X, y, ndl.Tensor(W1), ndl.Tensor(W2), lr=0.2, batch=50)
    d1, d2 = apps.nn_epoch(X, y, ndl.Tensor(W1, device=device), ndl.Tensor(W2, device=device), lr=0.2, batch=50)
    assert d1.device == device and d2.device == device
    np.testing.assert_allclose(d1.numpy(), c1.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(d2.numpy(), c2.numpy(), rtol=1e-4, atol=1e-5)
