"""Trusted tests of a3 (never released): one function per graded cell, named by its grade id.

Each calls the student's code on the inputs of the notebook's test and returns what came back;
the grader compares it, outside the student's process, with what the reference returns on the
same inputs (docs/sandbox.md). A probe mirrors its notebook cell: a bug the cell catches must
change a value returned here, and nothing else.

Where a cell compares a gradient with central differences of the student's own forward pass
(``gradient_check``), the probe returns that forward value and the gradients ``backward()``
gives for the checker's weighting of the output; both are compared with the reference's. No
verdict and no expected value is ever computed here: the student's code runs in this process.
"""

import numpy as np


# ---------------------------------------------------------------- inputs and helpers


def random_input(shape, seed=0, low=0.5, high=1.5, positive=False):
    """The notebook's test inputs: needle_core.gradcheck.random_input, restated here."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=shape)
    if not positive:
        x *= rng.choice([-1.0, 1.0], size=shape)
    return x


def _ndl():
    import needle_core as ndl

    return ndl


def _array(got):
    """``got`` as an array; like the notebook's tests, it must have a shape (a bare float fails)."""
    got.shape
    return np.asarray(got)


def _forward(fn, *arrays, **kwargs):
    """What the notebook's forward_check checks: a Tensor, its values (and shape), its dtype."""
    ndl = _ndl()
    out = fn(*[ndl.Tensor(x) for x in arrays], **kwargs)
    got = out.numpy()
    return {"is_tensor": isinstance(out, ndl.Tensor), "value": _array(got), "dtype": str(got.dtype)}


def _gradient(fn, *arrays, **kwargs):
    """What the notebook's gradient_check (check_tensor_gradient) uses: the float64 forward values
    (flattened: the checker weighs them whatever their shape) and every argument's gradient from
    backward() with the checker's weights (seed 0)."""
    ndl = _ndl()
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    value = np.asarray(fn(*[ndl.Tensor(x.copy(), dtype="float64") for x in arrays], **kwargs).numpy(), dtype=np.float64)
    weights = np.random.default_rng(0).standard_normal(value.shape)
    tensors = [ndl.Tensor(x.copy(), dtype="float64") for x in arrays]
    out = fn(*tensors, **kwargs)
    out.backward(ndl.Tensor(np.asarray(weights, dtype=np.float64).reshape(out.shape), dtype="float64"))
    return {"value": value.ravel(), "grads": [None if t.grad is None else np.asarray(t.grad.numpy()) for t in tensors]}


def _grad_of(node):
    """A node's adjoint as an array, or what it was instead of a Tensor."""
    ndl = _ndl()
    if not isinstance(node.grad, ndl.Tensor):
        return f"not a Tensor: {type(node.grad).__name__}"
    return _array(node.grad.numpy())


def _dual(compute):
    """What expect_dual checks: a Dual, its value and its tangent."""
    from needle_core import forward_mode as fm

    got = compute()
    if not isinstance(got, fm.Dual):
        return f"not a Dual: {type(got).__name__}"
    return [float(got.value), float(got.tangent)]


# ---------------------------------------------------------------- 2. forward mode


def _running_example(fm):
    return lambda x1, x2: fm.log(x1) + x1 * x2 - fm.sin(x2)


def test_dual_visible(ctx):
    from needle_core import forward_mode as fm

    a, b = fm.Dual(3.0, 1.0), fm.Dual(4.0, 2.0)
    out = {
        "add": _dual(lambda: a + b),
        "sub": _dual(lambda: a - b),
        "mul": _dual(lambda: a * b),
        "truediv": _dual(lambda: a / b),
        "pow": _dual(lambda: a**2),
        "neg": _dual(lambda: -a),
        "log": _dual(lambda: fm.log(a)),
        "exp": _dual(lambda: fm.exp(a)),
        "sin": _dual(lambda: fm.sin(a)),
        "cos": _dual(lambda: fm.cos(a)),
        "relu": _dual(lambda: fm.relu(a)),
        "relu_negative": _dual(lambda: fm.relu(-a)),
    }
    example = _running_example(fm)
    out["running_example"] = _dual(lambda: example(fm.Dual(2.0, 1.0), fm.Dual(5.0, 0.0)))
    out["partial_x1"] = float(fm.partial(example, (2.0, 5.0), 0))
    out["partial_x2"] = float(fm.partial(example, (2.0, 5.0), 1))
    out["derivative"] = float(fm.derivative(lambda x1: example(x1, 5.0), 2.0))
    return out


def test_dual_hidden(ctx):
    from needle_core import forward_mode as fm

    p, q = fm.Dual(-1.5, 2.0), fm.Dual(2.5, -0.5)
    base_e, expo_e = fm.Dual(2.0, 1.0), fm.Dual(3.0, 0.5)
    out = {
        "add": _dual(lambda: p + q),
        "add_number": _dual(lambda: p + 4),
        "radd": _dual(lambda: 4 + p),
        "sub": _dual(lambda: q - p),
        "rsub": _dual(lambda: 1 - q),
        "mul": _dual(lambda: p * q),
        "mul_number": _dual(lambda: q * 3),
        "rmul": _dual(lambda: 3 * q),
        "truediv": _dual(lambda: p / q),
        "rtruediv": _dual(lambda: 2 / q),
        "pow_negative_base": _dual(lambda: p**3),
        "pow_half": _dual(lambda: q**0.5),
        "pow_dual": _dual(lambda: base_e**expo_e),
        "rpow": _dual(lambda: 2 ** fm.Dual(3.0, 1.0)),
        "neg": _dual(lambda: -q),
        "log": _dual(lambda: fm.log(q)),
        "exp": _dual(lambda: fm.exp(p)),
        "sin": _dual(lambda: fm.sin(p)),
        "cos": _dual(lambda: fm.cos(q)),
        "relu_negative": _dual(lambda: fm.relu(p)),
        "relu_positive": _dual(lambda: fm.relu(q)),
    }

    def wiggle(x):
        return fm.exp(fm.sin(x) * x) / (1 + x * x) - fm.cos(x) ** 2

    def three_inputs(u, v, w):
        return fm.log(u * u + 1) * fm.exp(v / w) - fm.relu(u - w) * v**3

    out["derivative_wiggle"] = float(fm.derivative(wiggle, 0.7))
    fwd = fm.gradient(three_inputs, 0.8, -0.6, 1.3)
    out["gradient_three_inputs"] = [float(g) for g in fwd]  # the test checks all of them (and their number)
    out["gradient_kink_side_u"] = float(fm.gradient(three_inputs, 2.0, 0.5, 1.0)[0])
    return out


# ---------------------------------------------------------------- 3. reverse mode: the graph


def _toy_graph():
    """The notebook's stand-in op and labelled nodes, on the student's Tensor."""
    ndl = _ndl()

    class Toy(ndl.autograd.TensorOp):
        def compute(self, *arrays):
            return sum(arrays)

    def leaf(label):
        node = ndl.Tensor(np.ones(2))
        node.label = label
        return node

    def toy(label, *inputs):
        node = Toy()(*inputs)
        node.label = label
        return node

    def topo_labels(node_list):
        from needle_core.autograd import find_topo_sort

        order = [getattr(node, "label", "?") for node in find_topo_sort(node_list)]
        return {"length": len(order), "order": order[:200]}  # a node visited per path gives 2^k entries

    return leaf, toy, topo_labels


def test_find_topo_sort_visible(ctx):
    leaf, toy, topo_labels = _toy_graph()
    x = leaf("x")
    a, b = toy("a", x), toy("b", x)
    diamond = topo_labels([toy("c", a, b)])
    v1, v2 = leaf("v1"), leaf("v2")
    v3, v4, v5 = toy("v3", v1), toy("v4", v1, v2), toy("v5", v2)
    v7 = toy("v7", toy("v6", v3, v4), v5)
    return {"diamond": diamond, "lecture": topo_labels([v7])}


def test_find_topo_sort_hidden(ctx):
    leaf, toy, topo_labels = _toy_graph()
    p, q = leaf("p"), leaf("q")
    u = toy("u", p, q)
    w = toy("w", u, p)
    z = toy("z", w, u)
    out = {"z": topo_labels([z]), "u_z": topo_labels([u, z]), "w_q": topo_labels([w, q]), "leaf": topo_labels([q])}
    chain = [leaf("n0")]
    for level in range(1, 17):
        chain.append(toy(f"n{level}", chain[-1], chain[-1]))
    out["chain"] = topo_labels([chain[-1]])
    rng = np.random.default_rng(7)
    dag = [leaf(f"leaf{i}") for i in range(4)]
    for k in range(26):
        picks = rng.choice(len(dag), size=int(rng.integers(1, 4)), replace=True)
        dag.append(toy(f"t{k}", *[dag[int(i)] for i in picks]))
    out["random"] = [topo_labels(roots) for roots in ([dag[-1]], [dag[-1], dag[-2], dag[10]], [dag[12], dag[-1]])]
    return out


def test_compute_gradient_of_variables_visible(ctx):
    ndl = _ndl()
    xa, wa, c = random_input((4,), seed=1), random_input((4,), seed=2), random_input((4,), seed=3)
    x, w = ndl.Tensor(xa), ndl.Tensor(wa)
    u = x * w
    y = u * x + u + w
    y.backward(ndl.Tensor(c))
    return {name: _grad_of(node) for name, node in [("y", y), ("u", u), ("x", x), ("w", w)]}


def test_compute_gradient_of_variables_hidden(ctx):
    ndl = _ndl()
    out = {}
    sq_t = ndl.Tensor(random_input((3,), seed=11))
    (sq_t * sq_t).backward(ndl.Tensor(random_input((3,), seed=12)))
    out["x_times_x"] = _grad_of(sq_t)

    dbl_t = ndl.Tensor(random_input((2, 3), seed=13))
    z = dbl_t
    for _ in range(6):
        z = z + z
    z.backward(ndl.Tensor(random_input((2, 3), seed=14)))
    out["doubling"] = _grad_of(dbl_t)

    ptx, ptw = ndl.Tensor(random_input((2, 2), seed=15)), ndl.Tensor(random_input((2, 2), seed=16))
    s = ptx * ptw + ptx
    t = ptx + ptw * ptw
    (s * t).backward(ndl.Tensor(random_input((2, 2), seed=17)))
    out["product_of_sums"] = {"s": _grad_of(s), "t": _grad_of(t), "x": _grad_of(ptx), "w": _grad_of(ptw)}

    cx_t = ndl.Tensor(random_input((5,), seed=18))
    const_t = ndl.Tensor(random_input((5,), seed=19), requires_grad=False)
    unused_t = ndl.Tensor(random_input((5,), seed=21))
    (cx_t * const_t + cx_t).backward(ndl.Tensor(random_input((5,), seed=20)))
    out["with_constant"] = _grad_of(cx_t)
    out["unused_grad_is_none"] = unused_t.grad is None
    return out


# ---------------------------------------------------------------- 4. the operations


def test_add_visible(ctx):
    ndl = _ndl()
    a, b = random_input((3, 4), seed=1), random_input((3, 4), seed=2)
    pos = random_input((3, 4), seed=3, positive=True)
    out = {}
    for name, fn, args in [
        ("add", ndl.add, (a, b)),
        ("negate", ndl.negate, (a,)),
        ("multiply", ndl.multiply, (a, b)),
        ("divide", ndl.divide, (a, b)),
        ("power", ndl.power, (pos, b)),
    ]:
        out[f"forward {name}"] = _forward(fn, *args)
    for name, fn, args in [
        ("add", ndl.add, (a, b)),
        ("negate", ndl.negate, (a,)),
        ("multiply", ndl.multiply, (a, b)),
        ("divide", ndl.divide, (a, b)),
        ("power", ndl.power, (pos, b)),
    ]:
        out[f"gradient {name}"] = _gradient(fn, *args)
    return out


def test_add_hidden(ctx):
    ndl = _ndl()
    out = {}
    for shape in [(), (5,), (2, 3, 4)]:
        ea, eb = random_input(shape, seed=21), random_input(shape, seed=22)
        ep = random_input(shape, seed=23, positive=True)
        cases = [
            ("add", ndl.add, (ea, eb)),
            ("multiply", ndl.multiply, (ea, eb)),
            ("divide", ndl.divide, (ea, eb)),
            ("power", ndl.power, (ep, eb)),
            ("negate", ndl.negate, (ea,)),
        ]
        for name, fn, args in cases:
            out[f"forward {name} {shape}"] = _forward(fn, *args)
        for name, fn, args in cases:
            out[f"gradient {name} {shape}"] = _gradient(fn, *args)
    f32a = random_input((4, 3), seed=24).astype(np.float32)
    f32b = random_input((4, 3), seed=25).astype(np.float32)
    out["forward add float32"] = _forward(ndl.add, f32a, f32b)
    out["forward multiply float32"] = _forward(ndl.multiply, f32a, f32b)
    out["forward divide float32"] = _forward(ndl.divide, f32a, f32b)
    out["forward negate float32"] = _forward(ndl.negate, f32a)
    out["forward a - b float32"] = _forward(lambda s, t: s - t, f32a, f32b)
    out["gradient a - b"] = _gradient(lambda s, t: s - t, random_input((3, 2), seed=26), random_input((3, 2), seed=27))
    out["gradient a / b, b negative"] = _gradient(
        lambda s, t: s / t, random_input((6,), seed=28), -random_input((6,), seed=29, positive=True)
    )
    return out


def test_add_scalar_visible(ctx):
    ndl = _ndl()
    a = random_input((3, 4), seed=4)
    out = {
        "forward add_scalar": _forward(lambda t: ndl.add_scalar(t, 1.5), a),
        "forward mul_scalar": _forward(lambda t: ndl.mul_scalar(t, -2.5), a),
        "forward divide_scalar": _forward(lambda t: ndl.divide_scalar(t, 4.0), a),
        "forward power_scalar": _forward(lambda t: ndl.power_scalar(t, 3), a),
    }
    out["gradient add_scalar"] = _gradient(ndl.add_scalar, a, scalar=1.5)
    out["gradient mul_scalar"] = _gradient(ndl.mul_scalar, a, scalar=-2.5)
    out["gradient divide_scalar"] = _gradient(ndl.divide_scalar, a, scalar=4.0)
    out["gradient power_scalar"] = _gradient(ndl.power_scalar, a, scalar=3)
    return out


def test_add_scalar_hidden(ctx):
    ndl = _ndl()
    out = {}
    for shape in [(), (6,), (2, 3, 2)]:
        sa = random_input(shape, seed=31)
        spos = random_input(shape, seed=32, positive=True)
        for name, fn, arr in [
            ("add_scalar(a, -0.75)", lambda t: ndl.add_scalar(t, -0.75), sa),
            ("mul_scalar(a, 3)", lambda t: ndl.mul_scalar(t, 3), sa),
            ("divide_scalar(a, -2.5)", lambda t: ndl.divide_scalar(t, -2.5), sa),
            ("power_scalar(a, 2)", lambda t: ndl.power_scalar(t, 2), sa),
            ("power_scalar(a, -2)", lambda t: ndl.power_scalar(t, -2), sa),
            ("power_scalar(a, 0.5)", lambda t: ndl.power_scalar(t, 0.5), spos),
            ("power_scalar(a, 1)", lambda t: ndl.power_scalar(t, 1), sa),
            ("2 over a", lambda t: 2 / t, sa),
            ("1.5 - a", lambda t: 1.5 - t, sa),
        ]:
            out[f"{name} {shape}"] = {"forward": _forward(fn, arr), "gradient": _gradient(fn, arr)}
    s32 = random_input((3, 5), seed=33, positive=True).astype(np.float32)
    out["forward add_scalar float32"] = _forward(lambda t: t + 0.5, s32)
    out["forward mul_scalar float32"] = _forward(lambda t: 0.1 * t, s32)
    out["forward divide_scalar float32"] = _forward(lambda t: t / 3.0, s32)
    out["forward power_scalar float32"] = _forward(lambda t: t**1.5, s32)
    return out


def test_log_visible(ctx):
    ndl = _ndl()
    a = random_input((3, 4), seed=5)
    pos = random_input((3, 4), seed=6, positive=True)
    cases = [
        ("log", ndl.log, pos),
        ("exp", ndl.exp, a),
        ("relu", ndl.relu, a),
        ("sin", ndl.sin, a),
        ("cos", ndl.cos, a),
    ]
    out = {f"forward {name}": _forward(fn, arr) for name, fn, arr in cases}
    out.update({f"gradient {name}": _gradient(fn, arr) for name, fn, arr in cases})
    return out


def test_log_hidden(ctx):
    ndl = _ndl()
    out = {}
    for shape in [(), (7,), (2, 2, 3)]:
        ea = random_input(shape, seed=41, low=0.2, high=2.5)
        epos = random_input(shape, seed=42, low=0.2, high=4.0, positive=True)
        cases = [
            ("log", ndl.log, epos),
            ("exp", ndl.exp, ea),
            ("relu", ndl.relu, ea),
            ("sin", ndl.sin, ea),
            ("cos", ndl.cos, ea),
        ]
        for name, fn, arr in cases:
            out[f"forward {name} {shape}"] = _forward(fn, arr)
        for name, fn, arr in cases:
            out[f"gradient {name} {shape}"] = _gradient(fn, arr)
    e32 = random_input((4, 4), seed=43, positive=True).astype(np.float32)
    out["forward log float32"] = _forward(ndl.log, e32)
    out["forward exp float32"] = _forward(ndl.exp, e32)
    out["forward relu float32"] = _forward(ndl.relu, e32 - 1)
    relu_in = ndl.Tensor(np.array([-2.0, -0.5, 0.5, 3.0]))
    ndl.relu(relu_in).backward(ndl.Tensor(np.array([1.0, 2.0, 3.0, 4.0])))
    out["relu backward"] = np.asarray(relu_in.grad.numpy())
    r32 = ndl.Tensor(random_input((3,), seed=44).astype(np.float32))
    ndl.relu(r32).backward()
    out["relu gradient dtype float32"] = str(r32.grad.dtype)
    out["gradient log(exp(a) + 1)"] = _gradient(lambda t: ndl.log(ndl.exp(t) + 1.0), random_input((3, 3), seed=45))
    return out


def test_reshape_visible(ctx):
    ndl = _ndl()
    a = random_input((2, 3, 4), seed=7)
    return {
        "forward reshape": _forward(lambda t: ndl.reshape(t, (4, 6)), a),
        "forward transpose default": _forward(ndl.transpose, a),
        "forward transpose (0, 2)": _forward(lambda t: ndl.transpose(t, (0, 2)), a),
        "gradient reshape": _gradient(ndl.reshape, a, shape=(4, 6)),
        "gradient transpose default": _gradient(ndl.transpose, a),
        "gradient transpose (0, 2)": _gradient(ndl.transpose, a, axes=(0, 2)),
    }


def test_reshape_hidden(ctx):
    ndl = _ndl()
    shape_a = random_input((3, 4), seed=51)
    shape_b = random_input((2, 3, 2, 2), seed=52)
    out = {}
    for label, arr, new_shape in [
        ("(3,4)->(12,)", shape_a, (12,)),
        ("(3,4)->(2,6)", shape_a, (2, 6)),
        ("(3,4)->(2,-1,3)", shape_a, (2, -1, 3)),
        ("(2,3,2,2)->(6,4)", shape_b, (6, 4)),
        ("(12,)->(3,4)", shape_a.ravel(), (3, 4)),
    ]:
        out[f"reshape {label}"] = {
            "forward": _forward(lambda t, s=new_shape: ndl.reshape(t, s), arr),
            "gradient": _gradient(ndl.reshape, arr, shape=new_shape),
        }
    for axes in [None, (0, 1), (1, 0), (0, 3), (1, 2), (-1, -3)]:
        out[f"transpose {axes}"] = {
            "forward": _forward(lambda t, ax=axes: ndl.transpose(t, ax), shape_b),
            "gradient": _gradient(ndl.transpose, shape_b, axes=axes),
        }
    out["forward transpose method"] = _forward(lambda t: t.transpose(), shape_a)
    out["forward reshape float32"] = _forward(lambda t: t.reshape((4, 3)), shape_a.astype(np.float32))
    return out


def test_broadcast_to_visible(ctx):
    ndl = _ndl()
    col = random_input((3, 1), seed=8)
    row = random_input((4,), seed=9)
    return {
        "forward (3,1)->(3,4)": _forward(lambda t: ndl.broadcast_to(t, (3, 4)), col),
        "forward (4,)->(2,3,4)": _forward(lambda t: ndl.broadcast_to(t, (2, 3, 4)), row),
        "gradient (3,1)->(3,4)": _gradient(ndl.broadcast_to, col, shape=(3, 4)),
        "gradient (4,)->(2,3,4)": _gradient(ndl.broadcast_to, row, shape=(2, 3, 4)),
    }


def test_broadcast_to_hidden(ctx):
    ndl = _ndl()
    out = {}
    for src, dst in [
        ((), (2, 3)),
        ((1,), (5,)),
        ((2, 1, 3), (4, 2, 5, 3)),
        ((1, 1), (2, 2)),
        ((3, 1, 1), (3, 2, 4)),
        ((2, 3), (2, 3)),
        ((1, 4), (3, 2, 4)),
    ]:
        arr = random_input(src, seed=61)
        out[f"broadcast_to {src}->{dst}"] = {
            "forward": _forward(lambda t, s=dst: ndl.broadcast_to(t, s), arr),
            "gradient": _gradient(ndl.broadcast_to, arr, shape=dst),
        }
    out["forward float32"] = _forward(lambda t: t.broadcast_to((2, 3)), random_input((3,), seed=62).astype(np.float32))
    for big, small in [((4, 2, 5, 3), (2, 1, 3)), ((3, 4), (3, 1)), ((2, 3, 4), (4,)), ((2, 3), (2, 3)), ((2, 3), ())]:
        got = ndl.ops.sum_to_shape(ndl.Tensor(random_input(big, seed=63)), small).numpy()
        out[f"sum_to_shape {big}->{small}"] = _array(got)
    return out


def test_summation_visible(ctx):
    ndl = _ndl()
    a = random_input((2, 3, 4), seed=10)
    return {
        "forward None": _forward(ndl.summation, a),
        "forward 1": _forward(lambda t: ndl.summation(t, axes=1), a),
        "forward (0, 2)": _forward(lambda t: ndl.summation(t, axes=(0, 2)), a),
        "gradient None": _gradient(ndl.summation, a),
        "gradient 1": _gradient(ndl.summation, a, axes=1),
        "gradient (0, 2)": _gradient(ndl.summation, a, axes=(0, 2)),
    }


def test_summation_hidden(ctx):
    ndl = _ndl()
    arr = random_input((3, 2, 4, 2), seed=71)
    out = {}
    for axes in [None, 0, 3, (1,), (0, 1), (1, 3), (0, 1, 2, 3), (2, 0)]:
        out[f"axes {axes}"] = {
            "forward": _forward(lambda t, ax=axes: ndl.summation(t, axes=ax), arr),
            "gradient": _gradient(ndl.summation, arr, axes=axes),
        }
    vec = random_input((6,), seed=72)
    out["forward vector"] = _forward(ndl.summation, vec)
    out["gradient vector"] = _gradient(ndl.summation, vec)
    out["gradient sum method"] = _gradient(lambda t: t.sum((1,)), random_input((4, 3), seed=73))
    out["forward float32"] = _forward(
        lambda t: ndl.summation(t, axes=(0,)), random_input((5, 3), seed=74).astype(np.float32)
    )
    return out


def test_matmul_visible(ctx):
    ndl = _ndl()
    a, b = random_input((3, 4), seed=11), random_input((4, 5), seed=12)
    ab, bb = random_input((2, 3, 4), seed=13), random_input((2, 4, 2), seed=14)
    return {
        "forward (3,4)@(4,5)": _forward(ndl.matmul, a, b),
        "gradient (3,4)@(4,5)": _gradient(ndl.matmul, a, b),
        "forward (2,3,4)@(2,4,2)": _forward(ndl.matmul, ab, bb),
        "gradient (2,3,4)@(2,4,2)": _gradient(ndl.matmul, ab, bb),
    }


def test_matmul_hidden(ctx):
    ndl = _ndl()
    out = {}
    for a_shape, b_shape in [
        ((1, 6), (6, 1)),
        ((5, 3), (3, 5)),
        ((2, 3, 4), (4, 5)),
        ((4, 3), (2, 3, 5)),
        ((1, 3, 4), (5, 4, 2)),
        ((2, 1, 3, 4), (1, 5, 4, 2)),
        ((3, 2, 2), (3, 2, 2)),
        ((2, 5, 3, 4), (1, 4, 6)),
    ]:
        ma, mb = random_input(a_shape, seed=81), random_input(b_shape, seed=82)
        out[f"{a_shape}@{b_shape}"] = {
            "forward": _forward(ndl.matmul, ma, mb),
            "gradient": _gradient(ndl.matmul, ma, mb),
        }
    out["forward float32 @"] = _forward(
        lambda s, t: s @ t,
        random_input((3, 4), seed=83).astype(np.float32),
        random_input((4, 2), seed=84).astype(np.float32),
    )
    return out


# ---------------------------------------------------------------- 5. the gradient graph


def test_gradient_of_gradient_visible(ctx):
    ndl = _ndl()

    def first_gradient(x, y):
        ndl.summation(x**3 * y).backward()
        return x.grad

    xa, ya = random_input((3, 2), seed=1), random_input((3, 2), seed=2)
    g = first_gradient(ndl.Tensor(xa), ndl.Tensor(ya))
    return {
        "first_gradient": _array(g.numpy()),
        "has_op": g.op is not None,
        "second_gradient": _gradient(first_gradient, xa, ya),
    }


def test_gradient_of_gradient_hidden(ctx):
    ndl = _ndl()

    def input_gradient_of_net(x_in, w_in):
        bias = ndl.broadcast_to(ndl.summation(w_in, axes=(0,)), (3, 2))
        ndl.summation(ndl.log(ndl.exp(x_in @ w_in) + 1.0) * ndl.sin(bias)).backward()
        return x_in.grad

    def hessian_vector(x, v):
        ndl.summation((x * x) ** 2 / 4.0 - ndl.exp(x / 2.0)).backward()
        return ndl.summation(x.grad * v)

    out = {"net": _gradient(input_gradient_of_net, random_input((3, 4), seed=91), random_input((4, 2), seed=92))}
    hv_x_t, hv_v_t = ndl.Tensor(random_input((5,), seed=93)), ndl.Tensor(random_input((5,), seed=94))
    hessian_vector(hv_x_t, hv_v_t).backward()
    out["hessian_vector_product"] = _array(hv_x_t.grad.numpy())
    out["hessian_vector"] = _gradient(hessian_vector, random_input((5,), seed=93), random_input((5,), seed=94))
    return out


# ---------------------------------------------------------------- 6. softmax loss and the MLP


def one_hot(y, k, dtype=np.float64):
    out = np.zeros((len(y), k), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


def test_softmax_loss_visible(ctx):
    ndl = _ndl()
    from needle_core.apps.simple_ml import softmax_loss

    Z = random_input((5, 4), seed=3) * 3
    labels = ndl.Tensor(one_hot(np.array([0, 3, 1, 1, 2]), 4), requires_grad=False)
    loss = softmax_loss(ndl.Tensor(Z), labels)
    value = loss.numpy()
    return {
        "is_tensor": isinstance(loss, ndl.Tensor),
        "shape": list(loss.shape),
        "value": float(value),
        "gradient": _gradient(lambda logits: softmax_loss(logits, labels), Z),
    }


def test_softmax_loss_hidden(ctx):
    ndl = _ndl()
    from needle_core.apps.simple_ml import softmax_loss

    rng = np.random.default_rng(101)
    out = {}
    for scale, dtype in [
        (1.0, np.float64),
        (50.0, np.float64),
        (1000.0, np.float64),
        (1000.0, np.float32),
        (2.0, np.float32),
    ]:
        Z = (rng.standard_normal((8, 6)) * scale).astype(dtype)
        y = rng.integers(0, 6, 8)
        value = softmax_loss(ndl.Tensor(Z), ndl.Tensor(one_hot(y, 6, dtype), requires_grad=False)).numpy()
        # as the test: its value as a float (any shape of one element), and its dtype
        out[f"scale {scale:g} {np.dtype(dtype).name}"] = {"value": float(value), "dtype": str(value.dtype)}
    grad_Z = rng.standard_normal((6, 3)) * 2
    grad_T = ndl.Tensor(grad_Z)
    softmax_loss(grad_T, ndl.Tensor(one_hot(np.array([0, 2, 1, 2, 2, 0]), 3), requires_grad=False)).backward()
    out["backward"] = _array(grad_T.grad.numpy())
    labels = ndl.Tensor(one_hot(np.array([1, 0, 3]), 4), requires_grad=False)
    out["gradient (3, 4)"] = _gradient(lambda logits: softmax_loss(logits, labels), random_input((3, 4), seed=102) * 4)
    return out


def init_mlp(dims, seed=0, dtype=np.float32):
    """The test's initial weights: needle_core.simple_ml.init_mlp, restated here."""
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((a, b)) / np.sqrt(b)).astype(dtype) for a, b in zip(dims[:-1], dims[1:])]


def _epoch(X, y, sizes, seed, lr, batch):
    """One epoch of the student's autodiff nn_epoch, then of the numpy nn_epoch of a2 from the same
    weights (the notebook's yardstick, so a broken a2 epoch fails here as it does there)."""
    ndl = _ndl()
    from needle_core import simple_ml as numpy_ml
    from needle_core.apps.simple_ml import nn_epoch

    W1, W2 = init_mlp(sizes, seed=seed)
    T1, T2 = ndl.Tensor(W1), ndl.Tensor(W2)
    before1, before2 = W1.copy(), W2.copy()
    N1, N2 = nn_epoch(X, y, T1, T2, lr=lr, batch=batch)
    got1, got2 = _array(N1.numpy()), _array(N2.numpy())
    numpy_ml.nn_epoch(X, y, W1, W2, lr=lr, batch=batch)
    return {"W1": got1, "W2": got2, "numpy_W1": np.asarray(W1), "numpy_W2": np.asarray(W2)}, [
        ("W1", N1, T1, before1),
        ("W2", N2, T2, before2),
    ]


def test_nn_epoch_visible(ctx):
    rng = np.random.default_rng(0)
    X = rng.random((300, 50), dtype=np.float32)
    y = rng.integers(0, 10, 300).astype(np.uint8)
    return _epoch(X, y, [50, 20, 10], 0, 0.2, 100)[0]


def test_nn_epoch_hidden(ctx):
    ndl = _ndl()
    rng = np.random.default_rng(202)
    X = rng.random((250, 30), dtype=np.float32)
    y = rng.integers(0, 5, 250).astype(np.uint8)
    out, returned = _epoch(X, y, [30, 16, 5], 4, 0.5, 64)
    for name, new, old_t, old in returned:
        is_tensor = isinstance(new, ndl.Tensor)
        out[f"new {name}"] = {
            "is_tensor": is_tensor,
            "leaf": is_tensor and new.op is None and not new.inputs,
            "requires_grad": is_tensor and bool(new.requires_grad),
            "dtype": str(new.dtype) if is_tensor else type(new).__name__,
            "input_after": np.asarray(old_t.numpy(), dtype=np.float64),
        }
    return out


# The notebook's own tolerances, where they differ from the grader's default (rtol 1e-5, atol 1e-6):
# forward_check compares with rtol = atol = 1e-6; the graph tests use np.allclose with rtol 1e-10
# (1e-9 for the Hessian-vector product) and atol 1e-8; dual numbers 1e-10 relative; the epoch an
# absolute 1e-5. Gradients that pass the checker agree with the reference's far closer than these.
_OPS = {"rtol": 1e-6, "atol": 1e-6}
TOLERANCE = {
    "test_dual_visible": {"rtol": 1e-10, "atol": 1e-12},
    "test_dual_hidden": {"rtol": 1e-10, "atol": 1e-12},
    "test_compute_gradient_of_variables_visible": {"rtol": 1e-10, "atol": 1e-8},
    "test_compute_gradient_of_variables_hidden": {"rtol": 1e-10, "atol": 1e-8},
    "test_add_visible": _OPS,
    "test_add_hidden": _OPS,
    "test_add_scalar_visible": _OPS,
    "test_add_scalar_hidden": _OPS,
    "test_log_visible": _OPS,
    "test_log_hidden": _OPS,
    "test_reshape_visible": _OPS,
    "test_reshape_hidden": _OPS,
    "test_broadcast_to_visible": _OPS,
    "test_broadcast_to_hidden": {"rtol": 1e-10, "atol": 1e-8},
    "test_summation_visible": _OPS,
    "test_summation_hidden": _OPS,
    "test_matmul_visible": _OPS,
    "test_matmul_hidden": _OPS,
    "test_gradient_of_gradient_visible": {"rtol": 1e-10, "atol": 1e-8},
    "test_gradient_of_gradient_hidden": {"rtol": 1e-9, "atol": 1e-8},
    "test_softmax_loss_visible": {"rtol": 1e-10, "atol": 1e-10},
    "test_nn_epoch_visible": {"rtol": 0.0, "atol": 1e-5},
    "test_nn_epoch_hidden": {"rtol": 0.0, "atol": 1e-5},
}
