// Strided copies of the CUDA array device (assignment a4): compact, and the two set-items.
//
// An array is a flat buffer plus shape, strides and offset (strides and offset count
// elements, not bytes). Element (i_0, ..., i_{d-1}) of the view is at buffer position
//     offset + i_0 * strides[0] + ... + i_{d-1} * strides[d-1].
// Each kernel runs one thread per element of the view, numbered in row-major order of
// `shape` (the last index changes fastest); `size` is the number of elements. `shape` and
// `strides` are device arrays of `ndim` ints.

// The buffer position of the view's element number `i` (row-major order of `shape`).
__device__ int strided_position(int i, const int* shape, const int* strides, int ndim, int offset) {
    int position = offset;
    /// BEGIN SOLUTION a4
    for (int axis = ndim - 1; axis >= 0; --axis) {
        position += (i % shape[axis]) * strides[axis];
        i /= shape[axis];
    }
    /// END SOLUTION
    return position;
}

// out[i] = the view's element number i: a strided view of `a` copied into compact `out`.
__global__ void compact_kernel(const float* a, float* out, int size, const int* shape,
                               const int* strides, int ndim, int offset) {
    /// BEGIN SOLUTION a4
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < size)
        out[i] = a[strided_position(i, shape, strides, ndim, offset)];
    /// END SOLUTION
}

// The view's element number i = a[i]: compact `a` written into a strided view of `out`.
__global__ void ewise_setitem_kernel(const float* a, float* out, int size, const int* shape,
                                     const int* strides, int ndim, int offset) {
    /// BEGIN SOLUTION a4
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < size)
        out[strided_position(i, shape, strides, ndim, offset)] = a[i];
    /// END SOLUTION
}

// Every element of a strided view of `out` = val.
__global__ void scalar_setitem_kernel(float val, float* out, int size, const int* shape,
                                      const int* strides, int ndim, int offset) {
    /// BEGIN SOLUTION a4
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < size)
        out[strided_position(i, shape, strides, ndim, offset)] = val;
    /// END SOLUTION
}
