"""needle_core.cuda's pycuda path, against a stand-in for pycuda that records what it is given.

No GPU is needed: the stand-in checks that the wrapper hands pycuda what pycuda expects
(drv.In/Out/InOut, device pointers as np.uintp, the source with a #line directive naming the
.cu file, the include directory) and that nvcc's errors come back as file:line messages.
On a machine with a GPU the real pycuda runs the same kernel tests (tests/test_cuda_kernels.py).
"""

import sys
import types

import numpy as np
import pytest


class FakeCompileError(Exception):
    def __init__(self, msg, command_line, stdout=None, stderr=None):
        super().__init__(msg)
        self.stdout, self.stderr = stdout, stderr


@pytest.fixture
def fake_pycuda(monkeypatch):
    calls = {}
    drv = types.ModuleType("pycuda.driver")
    drv.CompileError = FakeCompileError

    class Wrapped:
        def __init__(self, array):
            self.array = array

    drv.In = type("In", (Wrapped,), {})
    drv.Out = type("Out", (Wrapped,), {})
    drv.InOut = type("InOut", (Wrapped,), {})

    class Allocation(int):
        def free(self):
            pass

    drv.mem_alloc = lambda n: Allocation(0x10000)
    drv.memcpy_htod = lambda dest, src: calls.setdefault("htod", []).append((dest, src.copy()))
    drv.memcpy_dtoh = lambda dest, src: calls.setdefault("dtoh", []).append((dest, src))

    class Module:
        def __init__(self, source, options=None, include_dirs=()):
            calls["source"], calls["options"], calls["include_dirs"] = (
                source,
                options,
                list(include_dirs),
            )
            if "syntax error here" in source:
                raise FakeCompileError("nvcc compilation failed", "nvcc", stderr='k.cu(3): error: expected a ";"\n')

        def get_function(self, name):
            def launch(*args, **kwargs):
                calls["launch"] = (name, args, kwargs)

            return launch

    compiler = types.ModuleType("pycuda.compiler")
    compiler.SourceModule = Module
    pkg = types.ModuleType("pycuda")
    pkg.driver, pkg.compiler = drv, compiler
    autoinit = types.ModuleType("pycuda.autoinit")
    for name, mod in [
        ("pycuda", pkg),
        ("pycuda.driver", drv),
        ("pycuda.compiler", compiler),
        ("pycuda.autoinit", autoinit),
    ]:
        monkeypatch.setitem(sys.modules, name, mod)
    monkeypatch.setenv("NEEDLE_CUDA_BACKEND", "pycuda")
    monkeypatch.delitem(sys.modules, "needle_core.cuda.gpu", raising=False)
    from needle_core import cuda

    yield cuda, drv, calls
    sys.modules.pop("needle_core.cuda.gpu", None)  # the real pycuda, if any, next time


def test_pycuda_path_converts_arguments(fake_pycuda):
    cuda, drv, calls = fake_pycuda
    assert cuda.backend() == "pycuda"
    mod = cuda.load_kernels("elementwise")
    assert calls["source"].startswith('#line 1 "cuda_kernels/elementwise.cu"\n')
    assert calls["include_dirs"][0].endswith("cuda_kernels")
    a, out = np.ones(4, dtype=np.float32), np.zeros(4, dtype=np.float32)
    buf = cuda.mem_alloc(64)
    mod.get_function("ewise_add")(
        cuda.In(a),
        cuda.offset(buf, 8),
        cuda.Out(out),
        np.int32(4),
        block=(256,),
        grid=(1, 1),
        shared=0,
    )
    name, args, kwargs = calls["launch"]
    assert name == "ewise_add"
    assert isinstance(args[0], drv.In) and args[0].array is a
    assert isinstance(args[1], np.uintp) and int(args[1]) == 0x10000 + 8
    assert isinstance(args[2], drv.Out) and args[2].array is out
    assert args[3] == np.int32(4) and kwargs["block"] == (256, 1, 1) and kwargs["grid"] == (1, 1)
    with pytest.raises(cuda.KernelLaunchError, match="numpy scalars"):
        mod.get_function("ewise_add")(cuda.In(a), buf, cuda.Out(out), 4, block=(256,), grid=(1, 1))
    cuda.memcpy_htod(buf, a)
    assert calls["htod"][0][0] == 0x10000


def test_pycuda_compile_errors_name_the_file_and_line(fake_pycuda):
    cuda, _, _ = fake_pycuda
    with pytest.raises(cuda.CudaCompileError) as e:
        cuda.SourceModule("__global__ void k() {\n  int i = 0\n  syntax error here\n}\n", filename="k.cu")
    assert [str(m) for m in e.value.messages] == ['k.cu:3: error: expected a ";"']
