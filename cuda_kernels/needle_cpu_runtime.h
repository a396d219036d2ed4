// needle_cpu_runtime.h: what a CUDA kernel file sees when the kit's CPU runner compiles it
// with the system C++ compiler instead of nvcc (needle_core.cuda, docs/cuda-runner.md).
//
// Kernel files never include this header: the CPU runner puts it in front of them, and on a
// GPU pycuda compiles the same .cu file with nvcc, which has all of this built in.
//
// It gives CUDA's built-ins (threadIdx, blockIdx, blockDim, gridDim), the function qualifiers,
// block-shared memory, __syncthreads(), atomics and the device math functions. The runtime
// behind it (needle_core/cuda/cpu_runtime.cpp) runs the threads of a block as fibers that
// switch only at __syncthreads().
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>

// ---- function and variable qualifiers -------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __constant__ static
#define __launch_bounds__(...)
// `__shared__` declarations are rewritten by the runner before compiling (see
// NEEDLE_SHARED below); one that escaped the rewrite is a compile error here.
#define __shared__ __shared___declarations_must_be_inside_a_kernel_or_device_function

// ---- built-in vector types and variables -----------------------------------------------
struct uint3 { unsigned int x, y, z; };
struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct float2 { float x, y; };
struct float4 { float x, y, z, w; };
struct int2 { int x, y; };
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }

#ifndef NEEDLE_STACK_BYTES
#define NEEDLE_STACK_BYTES (128 * 1024)
#endif

namespace needle_rt {

constexpr unsigned kMaxSharedSlots = 64;

// One __global__ function: its static __shared__ variables are laid out here the first time
// each declaration runs, so every block knows how much shared memory to poison.
struct KernelInfo {
    const char* name;
    unsigned static_bytes;
    unsigned nslots;
    unsigned slot_offset[kMaxSharedSlots];
    unsigned slot_bytes[kMaxSharedSlots];
};

struct Block {
    uint3 bid;
    dim3 bdim;
    dim3 gdim;
    unsigned char* shared_static;
    unsigned char* shared_dynamic;
    KernelInfo* kernel;
};

// Lives at the lowest address of each fiber's stack region; regions are aligned to their
// size, so any code running on a fiber finds its CUDA thread from the stack pointer.
struct Fiber {
    uint3 tid;
    Block* block;
};

// Fibers' regions all start at multiples of NEEDLE_STACK_BYTES, which would put every
// Fiber in the same cache set; each is shifted by a "colour" read from its region's address.
inline Fiber* fiber_at(uintptr_t region) {
    return reinterpret_cast<Fiber*>(region + (((region / NEEDLE_STACK_BYTES) & 63) << 6));
}

inline Fiber* self() {
    return fiber_at(reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) &
                    ~static_cast<uintptr_t>(NEEDLE_STACK_BYTES - 1));
}

}  // namespace needle_rt

extern "C" void needle_rt_syncthreads(int line);
extern "C" unsigned needle_rt_shared_slot(needle_rt::KernelInfo* kernel, size_t bytes, size_t align, int line);

#define threadIdx (::needle_rt::self()->tid)
#define blockIdx (::needle_rt::self()->block->bid)
#define blockDim (::needle_rt::self()->block->bdim)
#define gridDim (::needle_rt::self()->block->gdim)
#define warpSize 32

// The line of every barrier is recorded, so that divergence reports can name it.
#define __syncthreads() needle_rt_syncthreads(__LINE__)
#define __trap() __builtin_trap()
#define __threadfence() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define __threadfence_block() __atomic_thread_fence(__ATOMIC_SEQ_CST)

// `__shared__ float tile[16][16];` becomes NEEDLE_SHARED(float, tile, [16][16], line): a
// reference to this block's copy, placed once per kernel in the block's shared memory.
#define NEEDLE_SHARED(T, name, dims, line)                                                   \
    static const unsigned name##__needle_offset = needle_rt_shared_slot(                      \
        ::needle_rt::self()->block->kernel, sizeof(T dims), alignof(T), line);               \
    T(&name) dims = *reinterpret_cast<T(*) dims>(::needle_rt::self()->block->shared_static + \
                                                 name##__needle_offset);
// `extern __shared__ float s[];` (sized by the launch's shared= bytes)
#define NEEDLE_EXTERN_SHARED(T, name) \
    T* const name = reinterpret_cast<T*>(::needle_rt::self()->block->shared_dynamic);

// ---- math: CUDA's device functions are the C ones, plus a few of its own ----------------
// Shared memory starts each block filled with a NaN of this bit pattern. CUDA's fmaxf and
// fminf return the other argument when one is NaN, which would quietly drop such a read of
// unwritten shared memory; here they return the poison instead (on a GPU the value read
// would be arbitrary, so both are faithful), so that the read still shows in the result.
namespace needle_rt {
constexpr unsigned kPoison = 0x7FC0DEADu;
inline bool poisoned(float x) {
    unsigned u;
    std::memcpy(&u, &x, 4);
    return (u & 0x7FFFFFFFu) == kPoison;
}
inline float poison_of(float a, float b) { return poisoned(a) ? a : b; }
}  // namespace needle_rt
inline float needle_rt_fmaxf(float a, float b) {
    return (needle_rt::poisoned(a) || needle_rt::poisoned(b)) ? needle_rt::poison_of(a, b) : fmaxf(a, b);
}
inline float needle_rt_fminf(float a, float b) {
    return (needle_rt::poisoned(a) || needle_rt::poisoned(b)) ? needle_rt::poison_of(a, b) : fminf(a, b);
}
#define fmaxf needle_rt_fmaxf
#define fminf needle_rt_fminf

template <class A, class B>
inline typename std::common_type<A, B>::type min(A a, B b) {
    if constexpr (std::is_floating_point<A>::value && sizeof(A) == 4)
        if (needle_rt::poisoned(a)) return a;
    if constexpr (std::is_floating_point<B>::value && sizeof(B) == 4)
        if (needle_rt::poisoned(b)) return b;
    return b < a ? b : a;
}
template <class A, class B>
inline typename std::common_type<A, B>::type max(A a, B b) {
    if constexpr (std::is_floating_point<A>::value && sizeof(A) == 4)
        if (needle_rt::poisoned(a)) return a;
    if constexpr (std::is_floating_point<B>::value && sizeof(B) == 4)
        if (needle_rt::poisoned(b)) return b;
    return a < b ? b : a;
}
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __powf(float x, float y) { return powf(x, y); }
inline float __fdividef(float x, float y) { return x / y; }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }

// ---- atomics (blocks run on several OS threads, so these are real atomics) -------------
template <class T>
inline T atomicAdd(T* p, T v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
template <class T>
inline T atomicSub(T* p, T v) { return __atomic_fetch_sub(p, v, __ATOMIC_RELAXED); }
template <class T>
inline T atomicExch(T* p, T v) { return __atomic_exchange_n(p, v, __ATOMIC_RELAXED); }
template <class T>
inline T atomicAnd(T* p, T v) { return __atomic_fetch_and(p, v, __ATOMIC_RELAXED); }
template <class T>
inline T atomicOr(T* p, T v) { return __atomic_fetch_or(p, v, __ATOMIC_RELAXED); }
template <class T>
inline T atomicCAS(T* p, T expected, T desired) {
    __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    return expected;
}
template <class T, class F>
inline T needle_atomic_update(T* p, F f) {
    T old = __atomic_load_n(p, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(p, &old, f(old), true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    return old;
}
inline float atomicAdd(float* p, float v) {
    static_assert(sizeof(float) == sizeof(int), "float is 32 bits");
    int* q = reinterpret_cast<int*>(p);
    int old = __atomic_load_n(q, __ATOMIC_RELAXED);
    for (;;) {
        float sum = __int_as_float(old) + v;
        if (__atomic_compare_exchange_n(q, &old, __float_as_int(sum), true, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            return __int_as_float(old);
    }
}
inline double atomicAdd(double* p, double v) {
    long long* q = reinterpret_cast<long long*>(p);
    long long old = __atomic_load_n(q, __ATOMIC_RELAXED);
    for (;;) {
        double o, s;
        std::memcpy(&o, &old, 8);
        s = o + v;
        long long n;
        std::memcpy(&n, &s, 8);
        if (__atomic_compare_exchange_n(q, &old, n, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return o;
    }
}
template <class T>
inline T atomicMax(T* p, T v) { return needle_atomic_update(p, [v](T o) { return o < v ? v : o; }); }
template <class T>
inline T atomicMin(T* p, T v) { return needle_atomic_update(p, [v](T o) { return v < o ? v : o; }); }

// ---- what g++ accepts but nvcc rejects ---------------------------------------------------
// Host-only library functions cannot be called in device code; nvcc refuses them, and so
// does this header (the error is reported at the call, in the kernel file).
extern "C" int needle_rt_host_only_rand() __attribute__((error(
    "rand() is a host function and cannot be called in a kernel (nvcc rejects it too); "
    "pass random numbers in from the host, or use cuRAND on a GPU")));
extern "C" void needle_rt_host_only_srand(unsigned) __attribute__((error(
    "srand() is a host function and cannot be called in a kernel (nvcc rejects it too)")));
#define rand needle_rt_host_only_rand
#define srand needle_rt_host_only_srand
