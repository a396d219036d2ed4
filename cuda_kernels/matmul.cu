// Matrix multiplication of the CUDA array device (assignment a4): out = a @ b, with a of
// shape M x N, b of shape N x P and out of shape M x P, all compact and row-major.
// Launch 2-D: blockDim (16, 16), gridDim ((P + 15) / 16, (M + 15) / 16); x runs along the
// columns of out, y along its rows.

#define TILE 16

// One thread per element of out, reading its row of a and its column of b from global memory.
__global__ void matmul_naive(const float* a, const float* b, float* out, int M, int N, int P) {
    /// BEGIN SOLUTION a4
    const int i = blockIdx.y * blockDim.y + threadIdx.y;
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= M || j >= P)
        return;
    float sum = 0.0f;
    for (int k = 0; k < N; ++k)
        sum += a[i * N + k] * b[k * P + j];
    out[i * P + j] = sum;
    /// END SOLUTION
}

// The same product, one TILE x TILE block of out per thread block: the block walks along N
// one tile at a time, each thread loading one element of a's tile and one of b's into shared
// memory (0 outside the matrices), then every thread accumulates TILE products from shared
// memory. blockDim must be (TILE, TILE).
__global__ void matmul_tiled(const float* a, const float* b, float* out, int M, int N, int P) {
    __shared__ float As[TILE][TILE], Bs[TILE][TILE];
    /// BEGIN SOLUTION a4
    const int ty = threadIdx.y, tx = threadIdx.x;
    const int i = blockIdx.y * TILE + ty;
    const int j = blockIdx.x * TILE + tx;
    float sum = 0.0f;
    for (int k0 = 0; k0 < N; k0 += TILE) {
        As[ty][tx] = (i < M && k0 + tx < N) ? a[i * N + k0 + tx] : 0.0f;
        Bs[ty][tx] = (k0 + ty < N && j < P) ? b[(k0 + ty) * P + j] : 0.0f;
        __syncthreads();
        for (int k = 0; k < TILE; ++k)
            sum += As[ty][k] * Bs[k][tx];
        __syncthreads();
    }
    if (i < M && j < P)
        out[i * P + j] = sum;
    /// END SOLUTION
}
