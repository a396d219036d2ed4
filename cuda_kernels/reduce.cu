// Reductions over the last axis of the CUDA array device (assignment a4).
//
// The input is compact, `outer` rows of `reduce_size` elements; out[row] is the sum (or the
// maximum) of row `row`. Launch one block per row, grid (outer, 1), with blockDim.x a power
// of two and shared = blockDim.x * sizeof(float) bytes of dynamic shared memory:
//   1. each thread combines the elements t, t + blockDim.x, t + 2 blockDim.x, ... of the row;
//   2. the block combines those blockDim.x partial results in a tree in shared memory,
//      halving the active threads each round, with __syncthreads() between rounds.

__global__ void reduce_sum(const float* a, float* out, int outer, int reduce_size) {
    extern __shared__ float partial[];
    /// BEGIN SOLUTION a4
    const int t = threadIdx.x;
    const float* row = a + (size_t)blockIdx.x * reduce_size;
    float total = 0.0f;
    for (int j = t; j < reduce_size; j += blockDim.x)
        total += row[j];
    partial[t] = total;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (t < half)
            partial[t] += partial[t + half];
        __syncthreads();
    }
    if (t == 0)
        out[blockIdx.x] = partial[0];
    /// END SOLUTION
}

__global__ void reduce_max(const float* a, float* out, int outer, int reduce_size) {
    extern __shared__ float partial[];
    /// BEGIN SOLUTION a4
    const int t = threadIdx.x;
    const float* row = a + (size_t)blockIdx.x * reduce_size;
    float largest = -INFINITY;
    for (int j = t; j < reduce_size; j += blockDim.x)
        largest = fmaxf(largest, row[j]);
    partial[t] = largest;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (t < half)
            partial[t] = fmaxf(partial[t], partial[t + half]);
        __syncthreads();
    }
    if (t == 0)
        out[blockIdx.x] = partial[0];
    /// END SOLUTION
}

// Not graded: an inclusive prefix sum of each block's chunk of blockDim.x elements
// (Hillis and Steele: log2(blockDim.x) rounds, each adding the value `step` places to the
// left), with shared = blockDim.x * sizeof(float). The lecture's example of a scan, and a
// test of the runner: each of its three barriers is needed.
__global__ void block_prefix_sum(const float* a, float* out, int n) {
    extern __shared__ float scan[];
    const int t = threadIdx.x;
    const int i = blockIdx.x * blockDim.x + t;
    scan[t] = (i < n) ? a[i] : 0.0f;
    __syncthreads();
    for (int step = 1; step < blockDim.x; step *= 2) {
        float left = (t >= step) ? scan[t - step] : 0.0f;
        __syncthreads();
        scan[t] += left;
        __syncthreads();
    }
    if (i < n)
        out[i] = scan[t];
}
