// The lecture's example kernels (docs/lectures/04-gpu-acceleration.md), not graded: run
// them to see the CUDA model at work before writing the a4 kernels.

// One thread per element: out[i] = alpha * in[i].
__global__ void scale(const float* in, float* out, float alpha, size_t size) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;   // this thread's element
    if (i < size)                                               // the last block may overhang
        out[i] = alpha * in[i];
}

#define BLOCK 256   // launch with 256 threads per block (a power of two)

// One partial sum per block: a tree in shared memory.
__global__ void block_sum(const float* in, float* partial, size_t size) {
    __shared__ float buf[BLOCK];
    unsigned t = threadIdx.x;
    size_t i = (size_t)blockIdx.x * BLOCK + t;
    buf[t] = (i < size) ? in[i] : 0.0f;     // pad with the identity of +
    __syncthreads();                        // (1) every load is done
    for (unsigned stride = BLOCK / 2; stride > 0; stride /= 2) {
        if (t < stride)
            buf[t] += buf[t + stride];
        __syncthreads();                    // (2) this round is done before the next starts
    }
    if (t == 0)
        partial[blockIdx.x] = buf[0];       // one result per block
}
