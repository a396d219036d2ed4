// Element-wise and scalar operations of the CUDA array device (assignment a4).
//
// Every kernel here is launched with one thread per element: blockDim.x threads per block
// and enough blocks to cover n, so the last block may run past the end; the `if (i < n)`
// guard keeps those threads from touching memory that is not theirs. Inputs and outputs are
// compact float32 buffers of n elements. Comparisons write 1.0f for true and 0.0f for false.

__device__ __forceinline__ int global_index() {
    return blockIdx.x * blockDim.x + threadIdx.x;
}

// ---- two arrays ------------------------------------------------------------------------

__global__ void ewise_add(const float* a, const float* b, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = a[i] + b[i];
    /// END SOLUTION
}

__global__ void ewise_mul(const float* a, const float* b, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = a[i] * b[i];
    /// END SOLUTION
}

__global__ void ewise_div(const float* a, const float* b, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = a[i] / b[i];
    /// END SOLUTION
}

__global__ void ewise_maximum(const float* a, const float* b, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = fmaxf(a[i], b[i]);
    /// END SOLUTION
}

__global__ void ewise_eq(const float* a, const float* b, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = (a[i] == b[i]) ? 1.0f : 0.0f;
    /// END SOLUTION
}

__global__ void ewise_ge(const float* a, const float* b, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = (a[i] >= b[i]) ? 1.0f : 0.0f;
    /// END SOLUTION
}

__global__ void ewise_power(const float* a, const float* b, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = powf(a[i], b[i]);
    /// END SOLUTION
}

// ---- an array and a scalar ----------------------------------------------------------------

__global__ void scalar_add(const float* a, float val, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = a[i] + val;
    /// END SOLUTION
}

__global__ void scalar_mul(const float* a, float val, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = a[i] * val;
    /// END SOLUTION
}

__global__ void scalar_div(const float* a, float val, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = a[i] / val;
    /// END SOLUTION
}

__global__ void scalar_power(const float* a, float val, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = powf(a[i], val);
    /// END SOLUTION
}

__global__ void scalar_maximum(const float* a, float val, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = fmaxf(a[i], val);
    /// END SOLUTION
}

__global__ void scalar_eq(const float* a, float val, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = (a[i] == val) ? 1.0f : 0.0f;
    /// END SOLUTION
}

__global__ void scalar_ge(const float* a, float val, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = (a[i] >= val) ? 1.0f : 0.0f;
    /// END SOLUTION
}

// ---- one array -------------------------------------------------------------------------------

__global__ void ewise_log(const float* a, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = logf(a[i]);
    /// END SOLUTION
}

__global__ void ewise_exp(const float* a, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = expf(a[i]);
    /// END SOLUTION
}

__global__ void ewise_tanh(const float* a, float* out, int n) {
    /// BEGIN SOLUTION a4
    int i = global_index();
    if (i < n) out[i] = tanhf(a[i]);
    /// END SOLUTION
}
