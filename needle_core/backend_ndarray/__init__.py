"""The array layer of assignment a4: ``from needle_core import backend_ndarray as nd``.

``nd.NDArray`` is a flat float32 buffer seen through shape, strides and offset, on one of
the devices ``nd.cpu_numpy()``, ``nd.cpu()`` and ``nd.cuda()``. ``array_api`` is the array
library the autograd ops compute with: numpy for numpy arrays, this module for NDArrays.
"""

from .ndarray import *  # noqa: F401,F403
from .ndarray import __all__  # noqa: F401
