"""needle_core: the deep-learning library students build through the course.

``import needle_core as ndl`` gives the Tensor (``ndl.Tensor``), the graph
machinery (``ndl.autograd``), the operations (``ndl.ops``, and each op by name:
``ndl.exp``, ``ndl.matmul``, …), the CPU device (``ndl.cpu()``, numpy arrays) and
the CUDA device (``ndl.cuda()``, a4). The array layer of a4 is
``needle_core.backend_ndarray``; ``needle_core.cuda`` launches CUDA kernels.
The numpy reference of a1/a2 is ``needle_core.simple_ml``; its autodiff version
``needle_core.apps.simple_ml``; forward mode is ``needle_core.forward_mode``.
"""

from __future__ import annotations

from . import autograd, ops
from .autograd import Tensor, Value, Op, TensorOp, cpu, default_device
from .autograd import compute_gradient_of_variables, find_topo_sort
from .ops import *  # noqa: F401,F403  (every op by name)
from . import backend_ndarray

# One name, two uses: ``ndl.cuda()`` is the CUDA device, and ``needle_core.cuda`` (``from
# needle_core import cuda as nc``) the module that compiles and launches kernels. Calling the
# module gives the device.
try:
    from . import cuda as _cuda_module

    class _CudaModule(type(_cuda_module)):  # type: ignore[misc]
        def __call__(self) -> backend_ndarray.BackendDevice:
            return backend_ndarray.cuda()

    _cuda_module.__class__ = _CudaModule
except ImportError:

    def cuda() -> backend_ndarray.BackendDevice:
        """The CUDA device of backend_ndarray (see ``needle_core.backend_ndarray.cuda``)."""
        return backend_ndarray.cuda()
