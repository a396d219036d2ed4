"""Every op of needle_core.ops: forward value against numpy, gradient against central differences.

Gradients are checked with the course's one checker, ``needle_core.gradcheck``, on random
inputs away from zero and kinks, in float64. Shapes cover broadcasting, summation axes and
batched matmul. Planted wrong gradients check that the checker catches typical mistakes.
"""

import numpy as np
import pytest

import needle_core as ndl
from needle_core.gradcheck import GradientCheckError, check_tensor_gradient, random_input
from needle_core.ops import BroadcastTo, EWiseMul, Log, MatMul, Summation

SHAPES = [(), (5,), (3, 4), (2, 3, 4)]


def inputs(*shapes, positive=False, seed=0):
    return [random_input(shape, seed=seed + i, positive=positive) for i, shape in enumerate(shapes)]


# name: (needle function, numpy reference, inputs must be positive)
UNARY = {
    "negate": (ndl.negate, np.negative, False),
    "log": (ndl.log, np.log, True),
    "exp": (ndl.exp, np.exp, False),
    "sin": (ndl.sin, np.sin, False),
    "cos": (ndl.cos, np.cos, False),
    "relu": (ndl.relu, lambda a: np.maximum(a, 0), False),
    "add_scalar": (lambda a: ndl.add_scalar(a, 1.5), lambda a: a + 1.5, False),
    "mul_scalar": (lambda a: ndl.mul_scalar(a, -2.5), lambda a: a * -2.5, False),
    "divide_scalar": (lambda a: ndl.divide_scalar(a, 3.0), lambda a: a / 3.0, False),
    "power_scalar_3": (lambda a: ndl.power_scalar(a, 3), lambda a: a**3, False),
    "power_scalar_-2": (lambda a: ndl.power_scalar(a, -2), lambda a: a**-2.0, False),
    "power_scalar_0.5": (lambda a: ndl.power_scalar(a, 0.5), np.sqrt, True),
}

BINARY = {
    "add": (ndl.add, np.add, False),
    "multiply": (ndl.multiply, np.multiply, False),
    "divide": (ndl.divide, np.divide, False),
    "power": (ndl.power, np.power, True),
}


# ---------------------------------------------------------------- element-wise ops


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_op_forward_matches_numpy(name, shape):
    fn, reference, positive = UNARY[name]
    (a,) = inputs(shape, positive=positive)
    np.testing.assert_allclose(fn(ndl.Tensor(a)).numpy(), reference(a), rtol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_op_gradient_matches_numerical(name, shape):
    fn, _, positive = UNARY[name]
    check_tensor_gradient(fn, *inputs(shape, positive=positive), name=name)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", BINARY)
def test_binary_op_forward_matches_numpy(name, shape):
    fn, reference, positive = BINARY[name]
    a, b = inputs(shape, shape, positive=positive)
    np.testing.assert_allclose(fn(ndl.Tensor(a), ndl.Tensor(b)).numpy(), reference(a, b), rtol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", BINARY)
def test_binary_op_gradient_matches_numerical(name, shape):
    fn, _, positive = BINARY[name]
    check_tensor_gradient(fn, *inputs(shape, shape, positive=positive), name=name, argnames=["a", "b"])


def test_relu_gradient_is_the_step_function():
    x = ndl.Tensor(np.array([-2.0, -0.5, 0.5, 3.0]))
    ndl.relu(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0, 1.0])


# ---------------------------------------------------------------- summation and broadcasting

SUM_AXES = [None, 0, 1, 2, -1, (0, 2), (1,), (0, 1, 2), ()]


@pytest.mark.parametrize("axes", SUM_AXES)
def test_summation_forward_matches_numpy(axes):
    (a,) = inputs((2, 3, 4))
    np_axes = axes if axes is None or isinstance(axes, int) else tuple(axes)
    np.testing.assert_allclose(ndl.summation(ndl.Tensor(a), axes=axes).numpy(), np.sum(a, axis=np_axes), rtol=1e-12)


@pytest.mark.parametrize("axes", SUM_AXES)
def test_summation_gradient_matches_numerical(axes):
    check_tensor_gradient(ndl.summation, *inputs((2, 3, 4)), axes=axes)


def test_summation_accepts_a_list_of_axes():
    (a,) = inputs((2, 3, 4))
    np.testing.assert_allclose(ndl.summation(ndl.Tensor(a), axes=[0, 2]).numpy(), a.sum(axis=(0, 2)))


def test_summation_of_a_large_input_gradient_matches_numerical():
    # more than 64 elements: the checker compares random directional derivatives
    check_tensor_gradient(ndl.summation, *inputs((6, 7, 5)), axes=(0, 2))


BROADCASTS = [
    ((3, 1), (3, 4)),
    ((4,), (2, 3, 4)),
    ((), (2, 3)),
    ((1, 4), (3, 4)),
    ((2, 1, 4), (2, 3, 4)),
    ((3, 1, 1), (2, 3, 4, 5)),
    ((3, 4), (3, 4)),
]


@pytest.mark.parametrize("shape, new_shape", BROADCASTS)
def test_broadcast_to_forward_matches_numpy(shape, new_shape):
    (a,) = inputs(shape)
    np.testing.assert_array_equal(ndl.broadcast_to(ndl.Tensor(a), new_shape).numpy(), np.broadcast_to(a, new_shape))


@pytest.mark.parametrize("shape, new_shape", BROADCASTS)
def test_broadcast_to_gradient_matches_numerical(shape, new_shape):
    check_tensor_gradient(ndl.broadcast_to, *inputs(shape), shape=new_shape)


@pytest.mark.parametrize(
    "shape, target",
    [((2, 3, 4), (4,)), ((2, 3, 4), (3, 1)), ((2, 3, 4), (1, 3, 4)), ((3, 4), ()), ((5, 1), (1,)), ((3, 4), (3, 4))],
)
def test_sum_to_shape_undoes_broadcasting(shape, target):
    (a,) = inputs(shape)
    out = ndl.sum_to_shape(ndl.Tensor(a), target)
    added = len(shape) - len(target)
    axes = tuple(range(added)) + tuple(added + i for i, n in enumerate(target) if n == 1 and shape[added + i] != 1)
    assert out.shape == target
    np.testing.assert_allclose(out.numpy(), a.sum(axis=axes).reshape(target), rtol=1e-12)


# ---------------------------------------------------------------- reshape and transpose

RESHAPES = [((2, 3, 4), (6, 4)), ((4, 6), (24,)), ((12,), (3, -1)), ((), (1, 1)), ((2, 3), (3, 2))]


@pytest.mark.parametrize("shape, new_shape", RESHAPES)
def test_reshape_forward_and_gradient(shape, new_shape):
    (a,) = inputs(shape)
    np.testing.assert_array_equal(ndl.reshape(ndl.Tensor(a), new_shape).numpy(), a.reshape(new_shape))
    check_tensor_gradient(ndl.reshape, a, shape=new_shape)


TRANSPOSES = [
    ((3, 4), None),
    ((2, 3, 4), None),
    ((2, 3, 4), (0, 2)),
    ((3, 4), (1, 0)),
    ((2, 3, 4, 5), (-1, 0)),
    ((2, 3, 4), (1, 1)),
]


@pytest.mark.parametrize("shape, axes", TRANSPOSES)
def test_transpose_swaps_two_axes(shape, axes):
    (a,) = inputs(shape)
    i, j = (-2, -1) if axes is None else axes
    np.testing.assert_array_equal(ndl.transpose(ndl.Tensor(a), axes).numpy(), np.swapaxes(a, i, j))
    check_tensor_gradient(ndl.transpose, a, axes=axes)


# ---------------------------------------------------------------- matmul

MATMULS = [
    ((3, 4), (4, 5)),
    ((1, 3), (3, 1)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 3, 4, 5), (5, 6)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (1, 5, 4, 2)),
    ((6, 5), (5, 7)),
]


@pytest.mark.parametrize("a_shape, b_shape", MATMULS)
def test_matmul_forward_matches_numpy(a_shape, b_shape):
    a, b = inputs(a_shape, b_shape)
    np.testing.assert_allclose((ndl.Tensor(a) @ ndl.Tensor(b)).numpy(), a @ b, rtol=1e-12)


@pytest.mark.parametrize("a_shape, b_shape", MATMULS)
def test_matmul_gradient_matches_numerical(a_shape, b_shape):
    check_tensor_gradient(ndl.matmul, *inputs(a_shape, b_shape), argnames=["a", "b"])


def test_matmul_gradient_of_broadcast_operand_sums_over_batch():
    a, b = inputs((3, 2, 4), (4, 5))
    A, B = ndl.Tensor(a), ndl.Tensor(b)
    (A @ B).backward()
    assert B.grad.shape == (4, 5)
    np.testing.assert_allclose(B.grad.numpy(), sum(a[i].T @ np.ones((2, 5)) for i in range(3)))


# ---------------------------------------------------------------- dtypes

FLOAT32_CASES = (
    [(name, fn, 1) for name, (fn, _, _) in UNARY.items()]
    + [(name, fn, 2) for name, (fn, _, _) in BINARY.items()]
    + [
        ("summation", lambda a: ndl.summation(a, axes=(1,)), 1),
        ("summation_all", ndl.summation, 1),
        ("broadcast_to", lambda a: ndl.broadcast_to(ndl.reshape(a, (3, 1, 4)), (3, 2, 4)), 1),
        ("transpose", ndl.transpose, 1),
        ("matmul", lambda a, b: a @ ndl.transpose(b), 2),
        ("scalar_from_numpy_float64", lambda a: a * np.float64(2.0) / np.float64(3.0) - np.float64(1.0), 1),
        ("rtruediv", lambda a: 2.0 / a, 1),
        ("rsub", lambda a: 1.0 - a, 1),
    ]
)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, fn, arity", FLOAT32_CASES, ids=[c[0] for c in FLOAT32_CASES])
def test_op_and_its_gradient_keep_the_dtype(name, fn, arity, dtype):
    args = [ndl.Tensor(x, dtype=dtype) for x in inputs(*[(3, 4)] * arity, positive=True)]
    out = fn(*args)
    assert out.dtype == dtype
    out.backward()
    for x in args:
        assert x.grad.dtype == dtype, f"{name}: gradient is {x.grad.dtype}, input {dtype}"


# ---------------------------------------------------------------- clear errors for bad input


@pytest.mark.parametrize(
    "build, message",
    [
        (
            lambda: ndl.matmul(ndl.Tensor(np.ones((3, 4))), ndl.Tensor(np.ones((5, 6)))),
            r"matmul: shapes \(3, 4\) and \(5, 6\)",
        ),
        (
            lambda: ndl.matmul(ndl.Tensor(np.ones((2, 3, 4))), ndl.Tensor(np.ones((3, 4, 5)))),
            r"matmul: .*batch axes \(2,\) and \(3,\)",
        ),
        (
            lambda: ndl.matmul(ndl.Tensor(np.ones(4)), ndl.Tensor(np.ones((4, 5)))),
            r"matmul: shapes \(4,\) and \(4, 5\)",
        ),
        (
            lambda: ndl.broadcast_to(ndl.Tensor(np.ones((3, 2))), (3, 4)),
            r"broadcast_to: cannot broadcast shape \(3, 2\) to \(3, 4\)",
        ),
        (
            lambda: ndl.broadcast_to(ndl.Tensor(np.ones((2, 3))), (3,)),
            r"broadcast_to: cannot broadcast shape \(2, 3\) to \(3,\)",
        ),
        (
            lambda: ndl.transpose(ndl.Tensor(np.ones((3, 4))), (0, 2)),
            r"transpose: axis 2 is out of range for shape \(3, 4\)",
        ),
        (lambda: ndl.transpose(ndl.Tensor(np.ones(3))), r"transpose: shape \(3,\)"),
        (lambda: ndl.transpose(ndl.Tensor(np.ones((3, 4))), (0, 1, 2)), r"transpose: axes must be a pair"),
        (
            lambda: ndl.add(ndl.Tensor(np.ones((3, 1))), ndl.Tensor(np.ones((3, 4)))),
            r"add: operands have shapes \(3, 1\) and \(3, 4\)",
        ),
        (lambda: ndl.Tensor(np.ones((2, 3))) * ndl.Tensor(np.ones(3)), r"multiply: operands have shapes"),
        (
            lambda: ndl.reshape(ndl.Tensor(np.ones((2, 3))), (4,)),
            r"reshape: cannot reshape shape \(2, 3\) \(6 elements\) into \(4,\)",
        ),
        (
            lambda: ndl.summation(ndl.Tensor(np.ones((2, 3))), axes=2),
            r"summation: axis 2 is out of range for shape \(2, 3\)",
        ),
    ],
)
def test_bad_shapes_raise_value_error_naming_op_and_shapes(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_scalar_op_with_an_array_raises_type_error():
    with pytest.raises(TypeError, match="mul_scalar: the scalar must be a number"):
        ndl.mul_scalar(ndl.Tensor(np.ones(3)), np.ones(3))


# ---------------------------------------------------------------- the checker catches planted bugs


class MatMulMissingTranspose(MatMul):
    def gradient(self, out_grad, node):
        a, b = node.inputs
        return out_grad @ b, ndl.transpose(a) @ out_grad  # should be out_grad @ bᵀ


class BroadcastForgetsToSum(BroadcastTo):
    def gradient(self, out_grad, node):
        return out_grad  # should sum over the broadcast axes


class SummationForgetsToBroadcast(Summation):
    def gradient(self, out_grad, node):
        return ndl.reshape(out_grad, (3, 1))  # right shape only when a is (3, 1)


class MulSwapsGradients(EWiseMul):
    def gradient(self, out_grad, node):
        a, b = node.inputs
        return out_grad * a, out_grad * b  # should be (out_grad·b, out_grad·a)


class LogGradientMultiplies(Log):
    def gradient(self, out_grad, node):
        return out_grad * node.inputs[0]  # should divide


@pytest.mark.parametrize(
    "planted, shapes, kwargs, positive",
    [
        (MatMulMissingTranspose, [(4, 4), (4, 4)], {}, False),
        (BroadcastForgetsToSum, [(3, 1)], {"shape": (3, 4)}, False),
        (SummationForgetsToBroadcast, [(3, 4)], {"axes": (1,)}, False),
        (MulSwapsGradients, [(3, 4), (3, 4)], {}, False),
        (LogGradientMultiplies, [(3, 4)], {}, True),
    ],
    ids=lambda p: getattr(p, "__name__", ""),
)
def test_gradcheck_catches_planted_wrong_gradient(planted, shapes, kwargs, positive):
    def fn(*tensors):
        return planted(**kwargs)(*tensors)

    with pytest.raises(GradientCheckError, match=planted.__name__):
        check_tensor_gradient(fn, *inputs(*shapes, positive=positive), name=planted.__name__)


# ---------------------------------------------------------------- what the course's needle accepts


@pytest.mark.parametrize(
    "name, build, expected",
    [
        ("add_scalar", lambda a, c: ndl.add_scalar(a, c), lambda a: a + 2.0),
        ("mul_scalar", lambda a, c: ndl.mul_scalar(a, c), lambda a: a * 2.0),
        ("divide_scalar", lambda a, c: ndl.divide_scalar(a, c), lambda a: a / 2.0),
        ("power_scalar", lambda a, c: ndl.power_scalar(a, c), lambda a: a**2.0),
    ],
)
@pytest.mark.parametrize(
    "scalar",
    [np.array([2.0]), np.array([[2.0]]), np.array(2.0), np.array([2.0], dtype=np.float32)],
    ids=["(1,)", "(1,1)", "()", "f32"],
)
def test_scalar_op_accepts_a_one_element_array(name, build, expected, scalar):
    a = random_input((3, 4), seed=1, positive=True).astype(np.float32)
    out = build(ndl.Tensor(a), scalar)
    assert out.dtype == np.float32 and out.shape == (3, 4)  # a float64 array must not upcast
    assert isinstance(out.op.scalar, float) and out.op.scalar == 2.0
    np.testing.assert_allclose(out.numpy(), expected(a), rtol=1e-6)


def test_scalar_op_with_a_one_element_array_has_the_scalar_gradient():
    check_tensor_gradient(
        lambda a: ndl.power_scalar(ndl.divide_scalar(a, np.array([4.0])), np.array([3])),
        random_input((2, 3)),
        name="power_scalar",
    )


def test_scalar_op_with_a_longer_array_names_its_shape():
    with pytest.raises(TypeError, match=r"divide_scalar: .*one-element array, got ndarray of shape \(2,\)"):
        ndl.divide_scalar(ndl.Tensor(np.ones(3)), np.ones(2))


POWER_BROADCAST_SHAPES = [
    ((3, 4), (4,)),
    ((3, 1), (1, 4)),
    ((4,), (2, 3, 4)),
    ((), (3, 2)),
    ((2, 3, 1), (3, 5)),
    ((3, 4), ()),
]


@pytest.mark.parametrize("a_shape, b_shape", POWER_BROADCAST_SHAPES)
def test_power_broadcasts_its_operands_as_numpy_does(a_shape, b_shape):
    a, b = inputs(a_shape, b_shape, positive=True)
    out = ndl.power(ndl.Tensor(a), ndl.Tensor(b))
    np.testing.assert_allclose(out.numpy(), np.power(a, b), rtol=1e-12)
    assert (ndl.Tensor(a) ** ndl.Tensor(b)).shape == np.power(a, b).shape


@pytest.mark.parametrize("a_shape, b_shape", POWER_BROADCAST_SHAPES)
def test_power_gradients_are_summed_back_to_each_operand(a_shape, b_shape):
    reports = check_tensor_gradient(
        ndl.power, *inputs(a_shape, b_shape, positive=True), name="power", argnames=["a", "b"]
    )
    assert len(reports) == 2


def test_power_with_a_numpy_operand_broadcasts_it_as_a_constant():
    a, b = inputs((3, 4), (4,), positive=True)
    x = ndl.Tensor(a)
    out = ndl.power(x, b)
    ndl.summation(out).backward()
    np.testing.assert_allclose(x.grad.numpy(), (b * a ** (b - 1)), rtol=1e-12)


def test_power_of_shapes_that_do_not_broadcast_names_both():
    with pytest.raises(ValueError, match=r"power: operands have shapes \(3, 4\) and \(3,\)"):
        ndl.power(ndl.Tensor(np.ones((3, 4))), ndl.Tensor(np.ones(3)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_power_with_a_number_keeps_the_tensor_dtype(dtype):
    a = random_input((3, 4), positive=True)
    x = ndl.Tensor(a, dtype=dtype)
    for out, expected in ((ndl.power(x, 2.5), a**2.5), (ndl.power(2.0, x), 2.0**a)):
        assert out.dtype == dtype and out.shape == (3, 4)
        rtol = 1e-5 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(out.numpy(), expected, rtol=rtol)
    check_tensor_gradient(lambda t: ndl.power(t, 2.5) + ndl.power(3.0, t), a, name="power")
