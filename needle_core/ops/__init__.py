"""The operations of needle_core: one small class per op, and the function that applies it.

Every op class has ``compute(*arrays)`` (the forward value, on raw arrays) and
``gradient(out_grad, node)`` (the inputs' partial adjoints, built with Tensor
operations so that gradients can be differentiated again).

    arithmetic   add, add_scalar, multiply, mul_scalar, divide, divide_scalar,
                 power, power_scalar, negate
    elementwise  log, exp, sin, cos, relu
    shape        reshape, transpose
    broadcast    broadcast_to, summation, sum_to_shape
    matmul       matmul
"""

from .arithmetic import (
    AddScalar,
    DivScalar,
    EWiseAdd,
    EWiseDiv,
    EWiseMul,
    EWisePow,
    MulScalar,
    Negate,
    PowerScalar,
    add,
    add_scalar,
    divide,
    divide_scalar,
    mul_scalar,
    multiply,
    negate,
    power,
    power_scalar,
)
from .broadcast import BroadcastTo, Summation, broadcast_to, sum_to_shape, summation
from .elementwise import Cos, Exp, Log, ReLU, Sin, cos, exp, log, relu, sin
from .matmul import MatMul, matmul
from .shape import Reshape, Transpose, reshape, transpose

__all__ = [
    "add",
    "add_scalar",
    "multiply",
    "mul_scalar",
    "power",
    "power_scalar",
    "divide",
    "divide_scalar",
    "negate",
    "log",
    "exp",
    "sin",
    "cos",
    "relu",
    "reshape",
    "transpose",
    "broadcast_to",
    "summation",
    "sum_to_shape",
    "matmul",
    "EWiseAdd",
    "AddScalar",
    "EWiseMul",
    "MulScalar",
    "EWisePow",
    "PowerScalar",
    "EWiseDiv",
    "DivScalar",
    "Negate",
    "Log",
    "Exp",
    "Sin",
    "Cos",
    "ReLU",
    "Reshape",
    "Transpose",
    "BroadcastTo",
    "Summation",
    "MatMul",
]
