"""The array layer of assignment a4: ``from needle_core import backend_ndarray as nd``.

``nd.NDArray`` is a flat float32 buffer seen through shape, strides and offset, on one of
the devices ``nd.cpu_numpy()``, ``nd.cpu()`` and ``nd.cuda()``. ``array_api`` is the array
library the autograd ops compute with: numpy for numpy arrays, this module for NDArrays;
``NDArrayLike`` (numpy array or NDArray) is the type of the arrays it takes and gives.

Choices made where the course's NDArray leaves room:

- float32 only; other dtypes are refused, not converted silently.
- ``A[i]`` keeps axis i with size 1 (the course's rule, unlike numpy); slices may have any
  step, negative ones included, and every index gives a view.
- NDArray ops do not broadcast implicitly (use ``broadcast_to``); ``__setitem__`` does.
- ``sum``/``max`` take an int, a tuple of axes or None, like numpy.
- ``ndl.cpu()`` stays the numpy device of a1–a3 (Tensors hold numpy arrays, as fast as
  before); ``nd.cpu()`` is the NDArray device of the same name. ``ndl.cuda()`` is
  ``nd.cuda()``.
- A Tensor constant made from numpy joins the device of the tensors it is combined with, so
  a3 code such as ``Tensor(mask, requires_grad=False)`` runs unchanged on ``cuda()``.
- ``cuda()`` also has ``sin``/``cos`` (two small kernels of the kit, not part of a4) so that
  every a3 op runs on it. ``NEEDLE_CUDA_KERNELS=<folder>`` runs the ``.cu`` files of another
  folder.
"""

from .ndarray import *  # noqa: F401,F403
from .ndarray import __all__  # noqa: F401
from .array_api import Axes, NDArrayLike  # the types of the seam between the ops and the arrays
