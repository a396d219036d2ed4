"""needle_core: the deep-learning library students build through the course.

``import needle_core as ndl`` gives the Tensor (``ndl.Tensor``), the graph
machinery (``ndl.autograd``), the operations (``ndl.ops``, and each op by name:
``ndl.exp``, ``ndl.matmul``, …) and the CPU device (``ndl.cpu()``).
The numpy reference of a1/a2 is ``needle_core.simple_ml``; its autodiff version
``needle_core.apps.simple_ml``; forward mode is ``needle_core.forward_mode``.
"""

from . import autograd, ops
from .autograd import Tensor, Value, Op, TensorOp, cpu, default_device
from .autograd import compute_gradient_of_variables, find_topo_sort
from .ops import *  # noqa: F401,F403  (every op by name)
