"""Trusted tests of a4 (never released): one function per graded cell, named by its grade id.

Each calls the student's code on the inputs of the notebook's test and returns what came back;
the grader compares it, outside the student's process, with what the reference returns on the
same inputs (docs/sandbox.md). A probe mirrors its notebook cell: a bug the cell catches must
change a value returned here, and nothing else.

NDArray views are returned as their fields (shape, strides, offset), their values, and whether
they share the base's buffer (``_handle is`` and equal ``_handle.ptr()``, plain Python); kernels
as the arrays they wrote. A kernel that reads or writes out of bounds, or reads shared memory
before it was written, raises on the CPU runner, and the probe with it. No verdict and no
expected value is computed here: the student's code runs in this process.
"""

import math

import numpy as np

THREADS = 256
TILE = 16

# Reductions and products may add in another order than the reference and stay right.
TOLERANCE = {
    "test_reduce_visible": {"rtol": 1e-5, "atol": 1e-5},
    "test_reduce_hidden": {"rtol": 1e-5, "atol": 1e-5},
    "test_matmul_naive_visible": {"rtol": 1e-4, "atol": 1e-4},
    "test_matmul_naive_hidden": {"rtol": 1e-4, "atol": 1e-4},
    "test_matmul_tiled_visible": {"rtol": 1e-4, "atol": 1e-4},
    "test_matmul_tiled_hidden": {"rtol": 1e-4, "atol": 1e-4},
}


# ---------------------------------------------------------------- inputs and helpers


def data(shape, seed, low=-2.0, high=2.0):
    """The notebook's test data, restated."""
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(np.float32)


def _nd():
    from needle_core import backend_ndarray as nd

    return nd


def _NDArray():
    from needle_core.backend_ndarray.ndarray import NDArray

    return NDArray


def _on_cpu(x):
    nd = _nd()
    return nd.NDArray(x, device=nd.cpu())


def _view(view, base):
    """What expect_view checks: the fields, the shared buffer, the values."""
    if not isinstance(view, _NDArray()):
        return f"not an NDArray: {type(view).__name__}"
    return {
        "shape": [int(n) for n in view.shape],
        "strides": [int(s) for s in view.strides],
        "offset": int(view._offset),
        "shares": bool(view._handle is base._handle and view._handle.ptr() == base._handle.ptr()),
        "values": np.asarray(view.numpy()),
    }


def _raises(fn, *args):
    try:
        fn(*args)
    except Exception as error:
        return type(error).__name__
    return "no error"


def _make(shape, strides, handle, offset):
    nd = _nd()
    return _NDArray().make(shape, strides=strides, device=nd.cpu(), handle=handle, offset=offset)


def _kernel(file, name):
    from needle_core import cuda as nc
    from needle_core.backend_ndarray import ndarray_backend_cuda

    return nc.load_kernels(str(ndarray_backend_cuda.KERNEL_DIR / file)).get_function(name)


def _nc():
    from needle_core import cuda as nc

    return nc


def _blocks(n, threads=THREADS):
    return ((n + threads - 1) // threads, 1)


def _layout(shape, strides):
    nc = _nc()
    return (nc.In(np.array(shape, dtype=np.int32)), nc.In(np.array(strides, dtype=np.int32)), np.int32(len(shape)))


def _compact(buffer, shape, strides, offset):
    nc = _nc()
    size = math.prod(shape)
    out = np.empty(size, dtype=np.float32)
    _kernel("compact.cu", "compact_kernel")(
        nc.In(buffer),
        nc.Out(out),
        np.int32(size),
        *_layout(shape, strides),
        np.int32(offset),
        block=(THREADS, 1, 1),
        grid=_blocks(size),
    )
    return out.reshape(shape)


def _setitem(values, buffer, shape, strides, offset):
    nc = _nc()
    out = buffer.copy()
    _kernel("compact.cu", "ewise_setitem_kernel")(
        nc.In(values),
        nc.InOut(out),
        np.int32(values.size),
        *_layout(shape, strides),
        np.int32(offset),
        block=(THREADS, 1, 1),
        grid=_blocks(values.size),
    )
    return out


def _scalar_setitem(value, buffer, shape, strides, offset):
    nc = _nc()
    out = buffer.copy()
    size = math.prod(shape)
    _kernel("compact.cu", "scalar_setitem_kernel")(
        np.float32(value),
        nc.InOut(out),
        np.int32(size),
        *_layout(shape, strides),
        np.int32(offset),
        block=(THREADS, 1, 1),
        grid=_blocks(size),
    )
    return out


def _ewise(name, a, b):
    nc = _nc()
    out = np.empty_like(a)
    _kernel("elementwise.cu", name)(
        nc.In(a), nc.In(b), nc.Out(out), np.int32(a.size), block=(THREADS, 1, 1), grid=_blocks(a.size)
    )
    return out


def _scalar(name, a, value):
    nc = _nc()
    out = np.empty_like(a)
    _kernel("elementwise.cu", name)(
        nc.In(a), np.float32(value), nc.Out(out), np.int32(a.size), block=(THREADS, 1, 1), grid=_blocks(a.size)
    )
    return out


def _unary(name, a):
    nc = _nc()
    out = np.empty_like(a)
    _kernel("elementwise.cu", name)(
        nc.In(a), nc.Out(out), np.int32(a.size), block=(THREADS, 1, 1), grid=_blocks(a.size)
    )
    return out


def _reduce(name, a):
    nc = _nc()
    outer, size = a.shape
    out = np.empty(outer, dtype=np.float32)
    threads = 32
    while threads < min(size, 256):
        threads *= 2
    _kernel("reduce.cu", name)(
        nc.In(a),
        nc.Out(out),
        np.int32(outer),
        np.int32(size),
        block=(threads, 1, 1),
        grid=(outer, 1),
        shared=threads * 4,
    )
    return out


def _matmul(name, a, b):
    nc = _nc()
    (m, n), p = a.shape, b.shape[1]
    out = np.empty((m, p), dtype=np.float32)
    _kernel("matmul.cu", name)(
        nc.In(a),
        nc.In(b),
        nc.Out(out),
        np.int32(m),
        np.int32(n),
        np.int32(p),
        block=(TILE, TILE, 1),
        grid=((p + TILE - 1) // TILE, (m + TILE - 1) // TILE),
    )
    return out


# ---------------------------------------------------------------- 2. strided arrays


def test_reshape_visible(ctx):
    x = np.arange(24, dtype=np.float32)
    a = _on_cpu(x.reshape(2, 3, 4))
    t = _make((4, 3), (1, 4), _on_cpu(x[:12])._handle, 0)
    return {
        "(4, 6)": _view(a.reshape((4, 6)), a),
        "(24,)": _view(a.reshape((24,)), a),
        "size mismatch": _raises(a.reshape, (5, 5)),
        "not compact": _raises(t.reshape, (12,)),
    }


def test_reshape_hidden(ctx):
    a = _on_cpu(data((5, 7), seed=101))
    out = {str(shape): _view(a.reshape(shape), a) for shape in [(7, 5), (35,), (1, 35, 1), (5, 1, 7)]}
    b = _on_cpu(data((3, 1, 5), seed=102))
    out["twice"] = _view(b.reshape((15,)).reshape((5, 3)), b)
    out["size mismatch"] = _raises(a.reshape, (36,))
    out["offset 14"] = _raises(_make((2, 7), None, a._handle, 14).reshape, (14,))
    return out


def test_permute_visible(ctx):
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    a, m = _on_cpu(x), _on_cpu(x.reshape(6, 4))
    return {"(2, 0, 1)": _view(a.permute((2, 0, 1)), a), "(1, 0)": _view(m.permute((1, 0)), m)}


def test_permute_hidden(ctx):
    a = _on_cpu(data((2, 3, 5, 7), seed=111))
    out = {str(axes): _view(a.permute(axes), a) for axes in [(3, 2, 1, 0), (0, 1, 2, 3), (1, 3, 0, 2), (2, 0, 3, 1)]}
    view = _make((3, 5), (2, 6), _on_cpu(data((40,), seed=112))._handle, 7)
    out["offset 7"] = _view(view.permute((1, 0)), view)
    out["twice"] = _view(a.permute((1, 3, 0, 2)).permute((2, 0, 3, 1)), a)
    return out


def test_broadcast_to_visible(ctx):
    a, b = _on_cpu(data((3, 1), seed=1)), _on_cpu(data((4,), seed=2))
    return {
        "(3, 1) -> (3, 4)": _view(a.broadcast_to((3, 4)), a),
        "(4,) -> (2, 3, 4)": _view(b.broadcast_to((2, 3, 4)), b),
    }


def test_broadcast_to_hidden(ctx):
    out = {}
    for src, dst in [
        ((1,), (5,)),
        ((2, 1, 3), (4, 2, 5, 3)),
        ((1, 1), (2, 3)),
        ((5,), (5,)),
        ((3, 1, 1), (3, 2, 4)),
        ((1, 4), (3, 2, 4)),
    ]:
        a = _on_cpu(data(src, seed=121))
        out[f"{src} -> {dst}"] = _view(a.broadcast_to(dst), a)
    view = _make((4, 1), (5, 1), _on_cpu(data((30,), seed=122))._handle, 3)
    out["offset 3"] = _view(view.broadcast_to((2, 4, 6)), view)
    return out


def test_getitem_visible(ctx):
    a = _on_cpu(np.arange(24, dtype=np.float32).reshape(4, 6))
    return {"A[1:4, ::2]": _view(a[1:4, ::2], a), "A[2, 1:5]": _view(a[2, 1:5], a), "A[::-1, 3]": _view(a[::-1, 3], a)}


def test_getitem_hidden(ctx):
    a = _on_cpu(data((3, 5, 7), seed=131))
    out = {
        "A[1:, ::3, -2:]": _view(a[1:, ::3, -2:], a),
        "A[::-2, 4:0:-1, 2]": _view(a[::-2, 4:0:-1, 2], a),
        "A[0, 0, 0]": _view(a[0, 0, 0], a),
        "A[-1]": _view(a[-1], a),
        "A[:, 1:4:2, ::-3]": _view(a[:, 1:4:2, ::-3], a),
        "A[1:, 1:][1, ::2]": _view(a[1:, 1:][1, ::2], a),
    }
    t = _make((4, 5), (1, 8), _on_cpu(data((60,), seed=132))._handle, 9)
    out["view [1:3, ::-2]"] = _view(t[1:3, ::-2], t)
    return out


def _compacted(view, base):
    c = view.compact()
    return {
        "is_compact": bool(c.is_compact()),
        "shape": [int(n) for n in c.shape],
        "same object": c is view,
        "new buffer": c._handle is not base._handle,
        "values": np.asarray(c.numpy()),
    }


def test_compact_visible(ctx):
    x = np.arange(24, dtype=np.float32)
    a = _on_cpu(x.reshape(4, 6))
    same = a.compact()
    return {"compact kept": same is a, "view": _compacted(_make((3, 4), (1, 6), a._handle, 2), a)}


def test_compact_hidden(ctx):
    base = _on_cpu(data((80,), seed=141))
    out = {}
    for shape, strides, offset in [
        ((3, 5), (5, 1), 11),
        ((2, 3, 4), (1, 8, 2), 5),
        ((5, 4), (0, 3), 7),
        ((4,), (-3,), 40),
        ((2, 1, 3, 2), (30, 1, 9, 4), 1),
    ]:
        c = _make(shape, strides, base._handle, offset).compact()
        out[f"{shape} {strides} {offset}"] = {
            "is_compact": bool(c.is_compact()),
            "shape": [int(n) for n in c.shape],
            "values": np.asarray(c.numpy()),
        }
    whole = _on_cpu(data((3, 7), seed=142))
    out["compact kept"] = whole.compact() is whole
    return out


# ---------------------------------------------------------------- 3. compact and set-item kernels


def test_compact_kernel_visible(ctx):
    buffer = data((60,), seed=3)
    return [
        _compact(buffer, shape, strides, offset)
        for shape, strides, offset in [((7,), (1,), 0), ((3, 5), (5, 1), 4), ((4, 3), (1, 4), 0), ((3, 4), (0, 1), 2)]
    ]


def test_compact_kernel_hidden(ctx):
    buffer = data((2000,), seed=151)
    return [
        _compact(buffer, shape, strides, offset)
        for shape, strides, offset in [
            ((17, 19, 3), (1, 51, 17), 5),
            ((3, 5, 7), (35, 7, 1), 1000),
            ((2, 3, 4, 5), (1, 2, 6, 24), 3),
            ((9, 11), (-11, -1), 120),
            ((13, 1, 6), (12, 0, 2), 0),
            ((1,), (1,), 1999),
            ((301,), (6,), 7),
        ]
    ]


def _setitems(buffer, cases, values_seed, value):
    out = []
    for shape, strides, offset in cases:
        values = data(shape, seed=values_seed).ravel()
        out.append(
            {
                "ewise": _setitem(values, buffer, shape, strides, offset),
                "scalar": _scalar_setitem(value, buffer, shape, strides, offset),
            }
        )
    return out


def test_setitem_kernel_visible(ctx):
    return _setitems(data((60,), seed=4), [((3, 5), (5, 1), 4), ((4, 3), (1, 4), 1)], 5, 2.5)


def test_setitem_kernel_hidden(ctx):
    return _setitems(
        data((1500,), seed=161),
        [
            ((17, 19, 3), (3, 51, 1), 2),
            ((2, 3, 4, 5), (60, 20, 5, 1), 1000),
            ((9, 11), (-11, -1), 120),
            ((300,), (4,), 299),
            ((1, 1), (5, 1), 1499),
        ],
        162,
        -7.25,
    )


# ---------------------------------------------------------------- 4. element-wise and scalar kernels


def _ewise_all(n, seeds, equal_step, pos_low, pos_high, ge_swapped, tanh_scale):
    a, b = data((n,), seed=seeds[0]), data((n,), seed=seeds[1])
    b[::equal_step] = a[::equal_step]
    pos = data((n,), seed=seeds[2], low=pos_low, high=pos_high)
    out = {
        name: _ewise(name, *args)
        for name, args in [
            ("ewise_add", (a, b)),
            ("ewise_mul", (a, b)),
            ("ewise_div", (a, b)),
            ("ewise_power", (pos, b)),
            ("ewise_maximum", (a, b)),
            ("ewise_eq", (a, b)),
            ("ewise_ge", (b, a) if ge_swapped else (a, b)),
        ]
    }
    out.update(
        {
            name: _unary(name, arg)
            for name, arg in [("ewise_log", pos), ("ewise_exp", a), ("ewise_tanh", tanh_scale * a)]
        }
    )
    return out


def test_ewise_visible(ctx):
    return _ewise_all(1000, (6, 7, 8), 3, 0.5, 2.0, False, 1)


def test_ewise_hidden(ctx):
    return {str(n): _ewise_all(n, (171, 172, 173), 2, 0.1, 3.0, True, 3) for n in [1, 255, 257, 3001]}


def test_scalar_visible(ctx):
    a = data((1000,), seed=9)
    a[::4] = 0.5
    pos = data((1000,), seed=10, low=0.5, high=2.0)
    return {
        name: _scalar(name, arg, val)
        for name, arg, val in [
            ("scalar_add", a, 0.5),
            ("scalar_mul", a, -1.5),
            ("scalar_div", a, 4.0),
            ("scalar_power", pos, 2.5),
            ("scalar_maximum", a, 0.5),
            ("scalar_eq", a, 0.5),
            ("scalar_ge", a, 0.5),
        ]
    }


def test_scalar_hidden(ctx):
    out = {}
    for n in [1, 255, 257, 3001]:
        a = data((n,), seed=181)
        a[1::3] = -0.25
        pos = data((n,), seed=182, low=0.1, high=3.0)
        out[str(n)] = {
            name: _scalar(name, arg, val)
            for name, arg, val in [
                ("scalar_add", a, -3.0),
                ("scalar_mul", a, 0.1),
                ("scalar_div", a, -0.3),
                ("scalar_power", pos, -1.5),
                ("scalar_maximum", a, -0.25),
                ("scalar_eq", a, -0.25),
                ("scalar_ge", a, -0.25),
            ]
        }
    return out


# ---------------------------------------------------------------- 5. reductions


def test_reduce_visible(ctx):
    out = {}
    for shape in [(5, 37), (3, 300), (2, 1)]:
        a = data(shape, seed=11)
        out[str(shape)] = {"sum": _reduce("reduce_sum", a), "max": _reduce("reduce_max", a)}
    return out


def test_reduce_hidden(ctx):
    out = {}
    for shape in [(1, 1), (1, 33), (7, 1000), (40, 65), (3, 256), (2, 513)]:
        a = data(shape, seed=191, low=-3.0, high=-0.5)
        out[str(shape)] = {"sum": _reduce("reduce_sum", a), "max": _reduce("reduce_max", a)}
    return out


# ---------------------------------------------------------------- 6. matrix multiply


def _products(name, shapes, seeds):
    return [_matmul(name, data((m, n), seed=seeds[0]), data((n, p), seed=seeds[1])) for m, n, p in shapes]


def test_matmul_naive_visible(ctx):
    return _products("matmul_naive", [(5, 7, 3), (17, 33, 19)], (12, 13))


def test_matmul_naive_hidden(ctx):
    return _products("matmul_naive", [(1, 1, 1), (16, 16, 16), (31, 17, 40), (3, 50, 2), (40, 2, 33)], (201, 202))


def test_matmul_tiled_visible(ctx):
    return _products("matmul_tiled", [(5, 7, 3), (17, 33, 19)], (14, 15))


def test_matmul_tiled_hidden(ctx):
    return _products(
        "matmul_tiled", [(1, 1, 1), (16, 16, 16), (31, 17, 40), (3, 50, 2), (40, 2, 33), (48, 64, 32)], (211, 212)
    )
