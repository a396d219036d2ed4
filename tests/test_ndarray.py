"""needle_core.backend_ndarray: every NDArray operation against numpy, on every enabled device.

Inputs have odd shapes (no size a multiple of a block or tile) and come compact and as
non-contiguous views (permuted, sliced with steps, negative steps, broadcast). Views must
share their base's buffer (same ``_handle.ptr()``) and have exactly the expected strides and
offset. The cuda() device runs the kernels of ``cuda_kernels/`` (on the CPU runner here).
"""

import numpy as np
import pytest

from needle_core import backend_ndarray as nd

DEVICES = [pytest.param(d, id=d.name) for d in nd.all_devices() if d.enabled() or d.name != "cuda"]
if not nd.cuda().enabled():
    DEVICES.append(pytest.param(nd.cuda(), id="cuda", marks=pytest.mark.skip(reason="cuda() is not enabled here")))


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def views(device, seed=0):
    """(name, NDArray, numpy equivalent) for a compact array and four kinds of views, shape (5, 3, 7)."""
    base = rand(5, 3, 7, seed=seed)
    out = [("compact", nd.array(base, device=device), base)]
    p = rand(7, 5, 3, seed=seed + 1)
    out.append(("permuted", nd.array(p, device=device).permute((1, 2, 0)), p.transpose(1, 2, 0)))
    s = rand(11, 4, 14, seed=seed + 2)
    out.append(("stepped", nd.array(s, device=device)[1::2, 1:, ::2], s[1::2, 1:, ::2]))
    r = rand(6, 3, 9, seed=seed + 3)
    out.append(("reversed", nd.array(r, device=device)[5:0:-1, :, 8:1:-1], r[5:0:-1, :, 8:1:-1]))
    b = rand(3, 1, seed=seed + 4)
    out.append(("broadcast", nd.array(b, device=device).broadcast_to((5, 3, 7)), np.broadcast_to(b, (5, 3, 7))))
    return out


VIEW_KINDS = ["compact", "permuted", "stepped", "reversed", "broadcast"]


def view(device, kind, seed=0):
    return next((a, n) for name, a, n in views(device, seed) if name == kind)


def close(a, expected, rtol=1e-5, atol=1e-6):
    assert isinstance(a, nd.NDArray)
    assert a.shape == expected.shape
    np.testing.assert_allclose(a.numpy(), expected, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- devices and construction


def test_devices_have_the_course_names():
    assert [d.name for d in nd.all_devices()] == ["cpu", "cuda", "cpu_numpy"]
    assert nd.default_device() == nd.cpu_numpy()
    assert nd.cpu().enabled() and nd.cpu_numpy().enabled()
    assert nd.cpu() != nd.cpu_numpy() and nd.cuda() == nd.cuda()
    assert repr(nd.cuda()) == "cuda()"


def test_a_device_without_its_backend_says_why():
    device = nd.BackendDevice("cuda", None, "the CUDA layer cannot be imported")
    assert not device.enabled() and device.backend == "unavailable"
    assert device.why_disabled() == "the CUDA layer cannot be imported"
    with pytest.raises(AttributeError, match="not available here"):
        device.empty((2, 2))


@pytest.mark.parametrize("device", DEVICES)
def test_device_exposes_its_backend_functions(device):
    for name in (
        "Array",
        "from_numpy",
        "to_numpy",
        "fill",
        "compact",
        "ewise_setitem",
        "scalar_setitem",
        "ewise_add",
        "scalar_ge",
        "ewise_tanh",
        "matmul",
        "reduce_sum",
        "reduce_max",
    ):
        assert callable(getattr(device, name)), name


@pytest.mark.parametrize("device", DEVICES)
def test_constructors(device):
    a = nd.array([[1, 2, 3], [4, 5, 6]], device=device)
    assert (a.shape, a.strides, a._offset, a.dtype, a.ndim, a.size) == ((2, 3), (3, 1), 0, "float32", 2, 6)
    assert a.device == device and a.is_compact()
    np.testing.assert_array_equal(a.numpy(), [[1, 2, 3], [4, 5, 6]])
    assert a.numpy().dtype == np.float32
    close(nd.full((4, 3), 2.5, device=device), np.full((4, 3), 2.5, np.float32))
    assert nd.empty((3, 5), device=device).shape == (3, 5)
    assert device.randn(3, 7).shape == (3, 7) and device.rand(2, 9).shape == (2, 9)
    r = device.rand(50, 3).numpy()
    assert (r >= 0).all() and (r < 1).all()
    close(device.one_hot(4, [2, 0, 3]), np.eye(4, dtype=np.float32)[[2, 0, 3]])
    e = device.empty((2, 2))
    e.fill(-1.5)
    close(e, np.full((2, 2), -1.5, np.float32))
    with pytest.raises(ValueError, match="float32"):
        nd.array([1.0], dtype="float64", device=device)


def test_make_and_compact_strides():
    assert nd.NDArray.compact_strides((4, 5, 6)) == (30, 6, 1)
    assert nd.NDArray.compact_strides(()) == ()
    a = nd.NDArray.make((2, 3), strides=(1, 2), offset=1)
    assert (a.shape, a.strides, a._offset, a._handle.size) == ((2, 3), (1, 2), 1, 6)
    assert not a.is_compact()


@pytest.mark.parametrize("device", DEVICES)
def test_to_moves_values_between_devices(device):
    x = rand(4, 5)
    a = nd.array(x, device=nd.cpu_numpy())
    b = a.to(device)
    assert b.device == device
    close(b, x)
    close(b.to(nd.cpu()), x)
    assert a.to(nd.cpu_numpy()) is a
    c = nd.NDArray(b)  # a copy, on the same device
    assert c.device == device and c._handle.ptr() != b._handle.ptr()


# ---------------------------------------------------------------- views


@pytest.mark.parametrize("device", DEVICES)
def test_reshape_is_a_view_with_compact_strides(device):
    a = nd.array(rand(4, 6), device=device)
    b = a.reshape((2, 3, 4))
    assert (b.shape, b.strides, b._offset) == ((2, 3, 4), (12, 4, 1), 0)
    assert b._handle.ptr() == a._handle.ptr()
    close(b, a.numpy().reshape(2, 3, 4))
    with pytest.raises(ValueError):
        a.reshape((5, 5))
    with pytest.raises(ValueError, match="compact"):
        a.permute((1, 0)).reshape((24,))


@pytest.mark.parametrize("device", DEVICES)
def test_permute_reorders_shape_and_strides(device):
    x = rand(2, 3, 4)
    a = nd.array(x, device=device)
    b = a.permute((2, 0, 1))
    assert (b.shape, b.strides, b._offset) == ((4, 2, 3), (1, 12, 4), 0)
    assert b._handle.ptr() == a._handle.ptr() and not b.is_compact()
    close(b, x.transpose(2, 0, 1))
    with pytest.raises(ValueError):
        a.permute((0, 0, 1))


@pytest.mark.parametrize("device", DEVICES)
def test_broadcast_to_sets_stride_zero(device):
    x = rand(3, 1)
    a = nd.array(x, device=device)
    b = a.broadcast_to((2, 3, 5))
    assert (b.shape, b.strides) == ((2, 3, 5), (0, 1, 0))
    assert b._handle.ptr() == a._handle.ptr()
    close(b, np.broadcast_to(x, (2, 3, 5)))
    close(nd.broadcast_to(a, (3, 4)), np.broadcast_to(x, (3, 4)))
    with pytest.raises(ValueError):
        a.broadcast_to((4, 2))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    "index, expected",
    [
        ((slice(1, 5, 2), slice(None)), ((2, 7), (14, 1), 7)),
        ((2, slice(3, 7)), ((1, 4), (7, 1), 17)),
        ((slice(None, None, -1), slice(6, 0, -3)), ((6, 2), (-7, -3), 41)),
        ((slice(-2, None), -1), ((2, 1), (7, 1), 34)),
        ((slice(4, 2),), ((0, 7), (7, 1), 28)),
    ],
)
def test_getitem_is_a_view_with_shape_strides_offset(device, index, expected):
    x = rand(6, 7)
    a = nd.array(x, device=device)
    v = a[index]
    assert (v.shape, v.strides, v._offset) == expected
    assert v._handle.ptr() == a._handle.ptr()
    numpy_index = tuple(slice(i, i + 1 if i != -1 else None) if isinstance(i, int) else i for i in index)
    close(v, x[numpy_index])


@pytest.mark.parametrize("device", DEVICES)
def test_getitem_of_a_view_and_bad_indices(device):
    x = rand(5, 8, 3)
    a = nd.array(x, device=device)
    v = a.permute((2, 0, 1))[1:, ::2, 5:1:-2]
    assert v._handle.ptr() == a._handle.ptr()
    close(v, x.transpose(2, 0, 1)[1:, ::2, 5:1:-2])
    close(v.compact(), x.transpose(2, 0, 1)[1:, ::2, 5:1:-2])
    with pytest.raises(IndexError):
        a[5]
    with pytest.raises(IndexError):
        a[0, 0, 0, 0]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kind", VIEW_KINDS)
def test_compact_copies_a_view_into_row_major_order(device, kind):
    a, x = view(device, kind)
    c = a.compact()
    assert c.is_compact() and c.strides == nd.NDArray.compact_strides(x.shape)
    if kind == "compact":
        assert c is a
    else:
        assert c._handle.ptr() != a._handle.ptr()
    close(c, x, rtol=0, atol=0)
    close(c.flat, x.ravel(), rtol=0, atol=0)


@pytest.mark.parametrize("device", DEVICES)
def test_setitem_writes_through_views(device):
    x = rand(6, 9)
    a = nd.array(x, device=device)
    y = rand(3, 3, seed=5)
    a[1::2, 8:0:-3] = nd.array(y, device=device)
    x[1::2, 8:0:-3] = y
    close(a, x, rtol=0, atol=0)
    a[::5, 2] = 7.0
    x[::5, 2:3] = 7.0
    close(a, x, rtol=0, atol=0)
    # into a permuted view, from a non-compact value
    b = nd.array(np.zeros((4, 5), np.float32), device=device)
    src = rand(5, 4, seed=6)
    b.permute((1, 0))[:, :] = nd.array(src.T.copy(), device=device).permute((1, 0))
    close(b, src.T, rtol=0, atol=0)
    # a value that broadcasts to the view
    c = nd.array(np.zeros((3, 4), np.float32), device=device)
    c[:, 1:] = nd.array(np.float32([[1, 2, 3]]), device=device)
    close(c, np.float32([[0, 1, 2, 3]] * 3), rtol=0, atol=0)


# ---------------------------------------------------------------- arithmetic

EWISE = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "maximum": (nd.maximum, np.maximum),
    "eq": (lambda a, b: a == b, np.equal),
    "ne": (lambda a, b: a != b, np.not_equal),
    "ge": (lambda a, b: a >= b, np.greater_equal),
    "gt": (lambda a, b: a > b, np.greater),
    "lt": (lambda a, b: a < b, np.less),
    "le": (lambda a, b: a <= b, np.less_equal),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kind", VIEW_KINDS)
@pytest.mark.parametrize("op", EWISE)
def test_ewise_op_matches_numpy(device, kind, op):
    fn, reference = EWISE[op]
    a, x = view(device, kind)
    b, y = view(device, "stepped", seed=10)
    if op in ("eq", "ne", "ge", "gt", "lt", "le"):
        b, y = a[:, :, ::-1], x[:, :, ::-1]  # equal entries occur
        y = np.where(np.arange(7) % 3 == 0, x, y)
        b = nd.array(y, device=device)
    close(fn(a, b), reference(x, y).astype(np.float32))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kind", VIEW_KINDS)
def test_scalar_ops_match_numpy(device, kind):
    a, x = view(device, kind)
    close(a + 1.5, x + 1.5)
    close(2.5 + a, x + 2.5)
    close(a - 0.25, x - 0.25)
    close(1.0 - a, 1.0 - x)
    close(a * -3.0, x * -3.0)
    close(a / 4.0, x / 4.0)
    close(2.0 / (a * a + 1), 2.0 / (x * x + 1))
    close(-a, -x)
    close(a.maximum(0.1), np.maximum(x, 0.1))
    close(a == float(x.flat[3]), (x == x.flat[3]).astype(np.float32))
    close(a >= 0.0, (x >= 0).astype(np.float32))
    close(a < 0.2, (x < 0.2).astype(np.float32))
    pos, xp = a * a + 0.5, x * x + 0.5
    close(pos**1.5, xp**1.5, rtol=1e-5)
    close(pos**2.0, xp**2.0)


@pytest.mark.parametrize("device", DEVICES)
def test_ewise_power_and_functions_match_numpy(device):
    a, x = view(device, "permuted")
    pos, xp = a * a + 0.5, x * x + 0.5
    b, y = view(device, "reversed", seed=3)
    close(pos**b, xp**y, rtol=2e-5)
    close(nd.log(pos), np.log(xp))
    close(nd.exp(a), np.exp(x), rtol=2e-6)
    close(nd.tanh(a), np.tanh(x))
    close(pos.log(), np.log(xp))
    close(a.exp(), np.exp(x), rtol=2e-6)
    close(a.tanh(), np.tanh(x))
    with pytest.raises(ValueError, match="shapes"):
        a + nd.array(rand(3, 5), device=device)


@pytest.fixture(params=["matmul_tiled", "matmul_naive"])
def matmul_kernel(request, monkeypatch):
    """On cuda(), run matmul through each of the two kernels (other devices ignore it)."""
    if nd.cuda().enabled():
        from needle_core.backend_ndarray import ndarray_backend_cuda

        monkeypatch.setattr(ndarray_backend_cuda, "MATMUL", request.param)
    return request.param


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("m, n, p", [(1, 1, 1), (5, 7, 3), (17, 33, 19), (40, 16, 32)])
def test_matmul_matches_numpy(device, m, n, p, matmul_kernel):
    if device.name != "cuda" and matmul_kernel == "matmul_naive":
        pytest.skip("one kernel choice is enough off cuda()")
    x, y = rand(m, n), rand(n, p, seed=1)
    a, b = nd.array(x, device=device), nd.array(y, device=device)
    close(a @ b, x @ y, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("device", DEVICES)
def test_matmul_of_views(device, matmul_kernel):
    if device.name != "cuda" and matmul_kernel == "matmul_naive":
        pytest.skip("one kernel choice is enough off cuda()")
    x, y = rand(9, 21), rand(13, 30, seed=1)
    a = nd.array(x, device=device).permute((1, 0))  # (21, 9)
    b = nd.array(y, device=device)[2:11, ::3]  # (9, 10)
    close(a @ b, x.T @ y[2:11, ::3], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="matmul"):
        a @ a
    v, w = rand(2, 1, 7, 9, seed=2), rand(3, 9, 5, seed=3)  # batch axes broadcast, as in numpy
    close(nd.array(v, device=device) @ b, v @ y[2:11, ::3], rtol=1e-4, atol=1e-5)
    close(a @ nd.array(w, device=device), x.T @ w, rtol=1e-4, atol=1e-5)
    w_view = nd.array(w.transpose(0, 2, 1).copy(), device=device).permute((0, 2, 1))
    close(nd.array(v, device=device) @ w_view, v @ w, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kind", VIEW_KINDS)
@pytest.mark.parametrize("axis", [None, 0, 1, 2, (0, 2), -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_and_max_match_numpy(device, kind, axis, keepdims):
    a, x = view(device, kind)
    close(a.sum(axis=axis, keepdims=keepdims), x.sum(axis=axis, keepdims=keepdims), rtol=1e-5, atol=1e-5)
    close(a.max(axis=axis, keepdims=keepdims), x.max(axis=axis, keepdims=keepdims), rtol=0, atol=0)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("n", [1, 255, 256, 257, 1000])
def test_reductions_over_rows_of_any_length(device, n):
    x = rand(3, n)
    a = nd.array(x, device=device)
    close(nd.sum(a, axis=1), x.sum(axis=1), rtol=1e-5, atol=1e-4)
    close(a.max(axis=1), x.max(axis=1), rtol=0, atol=0)
    close((-a).max(axis=1), (-x).max(axis=1), rtol=0, atol=0)


@pytest.mark.parametrize("device", DEVICES)
def test_elementwise_on_sizes_around_a_block(device):
    for n in (1, 255, 256, 257, 1025):
        x, y = rand(n), rand(n, seed=1)
        a, b = nd.array(x, device=device), nd.array(y, device=device)
        close(a * b + a, x * y + x)
        close(a[n // 2 :].compact(), x[n // 2 :], rtol=0, atol=0)


# ---------------------------------------------------------------- array_api: what the autograd ops call


@pytest.mark.parametrize("device", DEVICES)
def test_array_api_gives_numpy_results_for_ndarrays(device):
    from needle_core.backend_ndarray import array_api as api

    x, y = rand(2, 3, 4) ** 2 + 0.5, rand(2, 3, 4, seed=1)
    a, b = nd.array(x, device=device), nd.array(y, device=device)
    m, w = rand(4, 5, seed=2), rand(3, 4, 5, seed=3)
    cases = [
        (lambda api, p, q: api.add(p, q), x, y),
        (lambda api, p, q: api.subtract(2.0, q), x, y),
        (lambda api, p, q: api.multiply(p, q), x, y),
        (lambda api, p, q: api.divide(1.0, p), x, y),
        (lambda api, p, q: api.power(p, q), x, y),
        (lambda api, p, q: api.power(2.0, q), x, y),
        (lambda api, p, q: api.negative(p), x, y),
        (lambda api, p, q: api.maximum(q, 0.0), x, y),
        (lambda api, p, q: api.log(p), x, y),
        (lambda api, p, q: api.exp(q), x, y),
        (lambda api, p, q: api.tanh(q), x, y),
        (lambda api, p, q: api.sin(q), x, y),
        (lambda api, p, q: api.cos(q), x, y),
        (lambda api, p, q: api.sum(p, axis=(0, 2)), x, y),
        (lambda api, p, q: api.sum(p, axis=1, keepdims=True), x, y),
        (lambda api, p, q: api.max(q, axis=None), x, y),
        (lambda api, p, q: api.reshape(api.swapaxes(p, 0, 2), (-1, 6)), x, y),
        (lambda api, p, q: api.transpose(p, (1, 2, 0)), x, y),
        (lambda api, p, q: api.broadcast_to(p, (5, 2, 3, 4)), x, y),
        (lambda api, p, q: api.matmul(p, q), x, m),  # batched @ matrix
        (lambda api, p, q: api.matmul(api.swapaxes(q, 1, 2), p), m, w),  # batched views
    ]
    for i, (fn, p, q) in enumerate(cases):
        expected = fn(np, p, q)
        got = fn(api, nd.array(p, device=device), nd.array(q, device=device))
        assert isinstance(got, nd.NDArray), i
        np.testing.assert_allclose(got.numpy(), expected, rtol=2e-5, atol=1e-5, err_msg=f"case {i}")
    assert api.float32 is np.float32
    np.testing.assert_array_equal(api.sqrt(np.float32([4.0])), [2.0])  # numpy's own, for numpy
    with pytest.raises(TypeError, match="no NDArray version"):
        api.sqrt(a)
    assert isinstance(api.add(b, a), nd.NDArray)
