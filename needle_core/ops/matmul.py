"""Matrix product, batched: (…, n, k) @ (…, k, m) → (…, n, m).

The batch axes (all but the last two) broadcast against each other as in numpy.
"""

from __future__ import annotations

import numpy

from collections.abc import Sequence

from ..autograd import Tensor, TensorOp, array_api
from ..backend_ndarray import NDArrayLike
from .broadcast import sum_to_shape
from .checks import check_matmul
from .shape import transpose


class MatMul(TensorOp):
    """a @ b.

    For matrices, with adjoint G of the output:
        ∂/∂a = G bᵀ   (n × m)(m × k) → n × k
        ∂/∂b = aᵀ G   (k × n)(n × m) → k × m
    With batch axes, ``transpose`` swaps the last two axes of every batch entry,
    and an operand that was broadcast over batch axes gets the sum over them
    (``sum_to_shape``), as for ``broadcast_to``.
    """

    def output_shape(self, a_shape: Sequence[int], b_shape: Sequence[int]) -> tuple[int, ...]:
        check_matmul(a_shape, b_shape)
        batch = numpy.broadcast_shapes(a_shape[:-2], b_shape[:-2])
        return (*batch, a_shape[-2], b_shape[-1])

    def compute(self, a: NDArrayLike, b: NDArrayLike) -> NDArrayLike:
        check_matmul(a.shape, b.shape)
        ### BEGIN SOLUTION a3
        return array_api.matmul(a, b)
        ### END SOLUTION

    def gradient(self, out_grad: Tensor, node: Tensor) -> tuple[Tensor, Tensor]:
        ### BEGIN SOLUTION a3
        a, b = node.inputs
        return (sum_to_shape(out_grad @ transpose(b), a.shape), sum_to_shape(transpose(a) @ out_grad, b.shape))
        ### END SOLUTION


def matmul(a: Tensor, b: Tensor) -> Tensor:
    return MatMul()(a, b)
