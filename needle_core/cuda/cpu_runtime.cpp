// The CPU runner's runtime: launches a CUDA kernel, compiled by g++ against
// cuda_kernels/needle_cpu_runtime.h, over a grid of blocks with CUDA's semantics.
//
// - The threads of a block are fibers that switch only at __syncthreads(), with a hand-written
//   context switch (x86-64). Blocks are spread over a few worker threads; each worker has its
//   own copy of the block's shared memory.
// - Bugs are made to show every time: shared memory is filled with a NaN "poison" at the start
//   of each block, and threads run in zigzag order (0, n-1, 1, n-2, ...) between barriers.
// - Barrier divergence (threads that finished while others wait at a barrier, or threads
//   waiting at different barriers) stops the launch with the barriers' lines.
// - Memory faults (guard pages after every argument buffer) stop the launch with the faulting
//   address, instruction, block and thread; Python turns them into a readable error.
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "needle_cpu_runtime.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define NEEDLE_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) || defined(NEEDLE_TSAN_HOOKS)
// Under ThreadSanitizer this file is compiled without instrumentation (its bookkeeping is
// shared by the fibers of a block on purpose) but tells the sanitizer about fibers and barriers.
#include <sanitizer/tsan_interface.h>
#define NEEDLE_TSAN 1
#endif

#define NEEDLE_NO_TSAN __attribute__((no_sanitize_thread))

namespace {

constexpr size_t kStack = NEEDLE_STACK_BYTES;
constexpr size_t kStaticShared = 48 * 1024;        // CUDA's static shared-memory limit
constexpr size_t kAltStack = 64 * 1024;         // signal stack, so stack overflows can be reported
constexpr unsigned kPoisonWord = needle_rt::kPoison;  // a quiet NaN with a recognisable payload
#ifdef NEEDLE_ASAN
constexpr unsigned kRedzone = 32;                  // between static __shared__ variables
#endif

// ---------------------------------------------------------------------------------------
// The context switch: save the callee-saved registers on the current stack, store the
// stack pointer, load the other one, restore its registers and return into it.
// ---------------------------------------------------------------------------------------
#if defined(__x86_64__)
extern "C" void needle_rt_switch(void** save_sp, void* to_sp);
asm(R"(
    .text
    .globl needle_rt_switch
    .hidden needle_rt_switch
    .type needle_rt_switch,@function
needle_rt_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size needle_rt_switch,.-needle_rt_switch
)");
#else
#error "the CPU runner's context switch is written for x86-64"
#endif

enum State : unsigned char { NOT_STARTED, READY, WAITING, DONE };

struct Worker;

// A fiber: a stack region of kStack bytes, aligned to kStack, laid out as
// [FiberRT (one page)][guard page][stack ... top].
struct FiberRT {
    needle_rt::Fiber pub;     // must stay first: the header reads tid and block here
    unsigned linear;          // linear thread index in the block
    void* sp;                 // saved stack pointer while switched out
    Worker* worker;
#ifdef NEEDLE_TSAN
    void* tsan_fiber;
#endif
};

struct LaunchSpec {
    void (*thunk)(void**);
    void** args;
    needle_rt::KernelInfo* kernel;
    unsigned grid[3];
    unsigned block[3];
    size_t shared;
    int workers;
};

enum ErrorKind { OK = 0, FAULT = 1, DIVERGENCE = 2, BAD_LAUNCH = 3 };

struct LaunchError {
    int kind;
    int signal;
    int write;
    uintptr_t address;
    uintptr_t pc;
    uintptr_t module_base;
    char module_path[1024];
    unsigned block[3];
    unsigned thread[3];
    char message[4096];
};

struct Launch {
    LaunchSpec spec;
    unsigned nthreads;
    unsigned nblocks;
    std::vector<unsigned> order;  // zigzag
    std::atomic<unsigned> next_block{0};
    std::atomic<bool> failed{false};
    LaunchError* error;
    std::mutex error_mutex;
};

struct Worker {
    std::vector<FiberRT*> fibers;    // every stack ever made by this worker
    std::vector<FiberRT*> free_fibers;
    std::vector<FiberRT*> fiber_of;  // thread -> its fiber while it is not done
    std::vector<unsigned char> state;
    std::vector<int> barrier_line;
    unsigned pos = 0;                // position in the zigzag order of the running thread
    unsigned pass = 0;
    unsigned n_done = 0;             // threads that returned
    unsigned n_waiting = 0;          // threads waiting at a barrier in this pass
    int pass_line = -1;              // the line of the first barrier reached in this pass
    bool lines_differ = false;
    void* main_sp = nullptr;
    void* dummy_sp = nullptr;
    FiberRT* pending_free = nullptr;  // a finished fiber, freed once we have left its stack
    needle_rt::Block block{};
    Launch* launch = nullptr;
    unsigned char* shared_static = nullptr;
    unsigned char* shared_dynamic = nullptr;
    size_t dynamic_capacity = 0;
    sigjmp_buf fault_jump;
    volatile sig_atomic_t in_kernel = 0;
    void* altstack = nullptr;
#ifdef NEEDLE_TSAN
    void* tsan_main = nullptr;
    char barrier_sync = 0;
    char done_sync = 0;
    std::vector<void*> tsan_fibers;  // one per thread of the running block
#endif
#ifdef NEEDLE_ASAN
    const void* asan_main_bottom = nullptr;
    size_t asan_main_size = 0;
#endif
};

thread_local Worker* tl_worker = nullptr;



NEEDLE_NO_TSAN void poison(void* p, size_t bytes) {
    unsigned* w = static_cast<unsigned*>(p);
    size_t n = bytes / 4;
    for (size_t i = 0; i < n; ++i) w[i] = kPoisonWord;
}

// ---- fibers ------------------------------------------------------------------------------

void* map_aligned(size_t bytes, size_t align) {
    size_t total = bytes + align;
    void* raw = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) return nullptr;
    uintptr_t start = (reinterpret_cast<uintptr_t>(raw) + align - 1) & ~(align - 1);
    uintptr_t end = start + bytes;
    if (start > reinterpret_cast<uintptr_t>(raw)) munmap(raw, start - reinterpret_cast<uintptr_t>(raw));
    uintptr_t raw_end = reinterpret_cast<uintptr_t>(raw) + total;
    if (raw_end > end) munmap(reinterpret_cast<void*>(end), raw_end - end);
    return reinterpret_cast<void*>(start);
}

NEEDLE_NO_TSAN FiberRT* new_fiber(Worker* w) {
    void* region = map_aligned(kStack, kStack);
    if (!region) return nullptr;
    long page = sysconf(_SC_PAGESIZE);
    mprotect(static_cast<char*>(region) + page, page, PROT_NONE);  // stack overflow guard
    FiberRT* f = new (needle_rt::fiber_at(reinterpret_cast<uintptr_t>(region))) FiberRT{};
    f->worker = w;
    w->fibers.push_back(f);
    return f;
}

uintptr_t region_of(FiberRT* f) { return reinterpret_cast<uintptr_t>(f) & ~(kStack - 1); }

// The top of a fiber's stack, shifted by the same colour as its FiberRT (see fiber_at).
char* stack_top(FiberRT* f) {
    uintptr_t region = region_of(f);
    return reinterpret_cast<char*>(region + kStack - (reinterpret_cast<uintptr_t>(f) - region));
}

void fiber_entry();

// Prepare a fiber to start running thread `linear` at fiber_entry.
NEEDLE_NO_TSAN void start_fiber(Worker* w, FiberRT* f, unsigned linear) {
    const needle_rt::Block& b = w->block;
#ifdef NEEDLE_TSAN
    f->tsan_fiber = w->tsan_fibers[linear];
#endif
    f->linear = linear;
    f->pub.tid = {linear % b.bdim.x, (linear / b.bdim.x) % b.bdim.y, linear / (b.bdim.x * b.bdim.y)};
    f->pub.block = &w->block;
    void** sp = reinterpret_cast<void**>(stack_top(f));
    *--sp = nullptr;                                   // fiber_entry never returns
    *--sp = reinterpret_cast<void*>(&fiber_entry);     // where needle_rt_switch "returns"
    for (int i = 0; i < 6; ++i) *--sp = nullptr;       // rbp rbx r12 r13 r14 r15
    f->sp = sp;
    w->fiber_of[linear] = f;
}

NEEDLE_NO_TSAN void release_pending(Worker* w) {
    if (w->pending_free) {
        w->free_fibers.push_back(w->pending_free);
        w->pending_free = nullptr;
    }
}

FiberRT* current_fiber() { return reinterpret_cast<FiberRT*>(needle_rt::self()); }

// Switch from the running context (save_sp) to `to`; nullptr means the worker's main context.
NEEDLE_NO_TSAN void switch_to(Worker* w, void** save_sp, FiberRT* to, bool dying) {
    void* target = to ? to->sp : w->main_sp;
#ifdef NEEDLE_TSAN
    __tsan_switch_to_fiber(to ? to->tsan_fiber : w->tsan_main, __tsan_switch_to_fiber_no_sync);
#endif
#ifdef NEEDLE_ASAN
    void* fake = nullptr;
    if (to)
        __sanitizer_start_switch_fiber(dying ? nullptr : &fake, reinterpret_cast<char*>(region_of(to)) + 2 * sysconf(_SC_PAGESIZE),
                                       kStack - 2 * sysconf(_SC_PAGESIZE));
    else
        __sanitizer_start_switch_fiber(dying ? nullptr : &fake, w->asan_main_bottom, w->asan_main_size);
#else
    (void)dying;
#endif
    needle_rt_switch(save_sp, target);
#ifdef NEEDLE_ASAN
    __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
    release_pending(w);
}

// Decide what runs next after the current thread stopped (at a barrier, or done), and
// switch to it. `save_sp` is where the current context is saved (a dummy if it is done).
NEEDLE_NO_TSAN void schedule(Worker* w, void** save_sp, bool dying) {
    Launch* L = w->launch;
    const unsigned n = L->nthreads;
    for (;;) {
        while (++w->pos < n && w->state[L->order[w->pos]] == DONE) {
        }
        if (w->pos < n) {
            unsigned t = L->order[w->pos];
            if (w->state[t] == NOT_STARTED) {
                FiberRT* f;
                if (!w->free_fibers.empty()) {
                    f = w->free_fibers.back();
                    w->free_fibers.pop_back();
                } else {
                    f = new_fiber(w);
                }
                start_fiber(w, f, t);
            }
            w->state[t] = READY;
            switch_to(w, save_sp, w->fiber_of[t], dying);
            return;
        }
        // End of a pass: every thread is done or waiting at a barrier.
        const unsigned waiting = w->n_waiting, done = w->n_done;
        const bool lines_differ = w->lines_differ;
        if (waiting == 0) {
            switch_to(w, save_sp, nullptr, dying);
            return;
        }
        if (done > 0 || lines_differ) {
            LaunchError* e = L->error;
            std::lock_guard<std::mutex> lock(L->error_mutex);
            if (!L->failed.exchange(true)) {
                e->kind = DIVERGENCE;
                e->block[0] = w->block.bid.x, e->block[1] = w->block.bid.y, e->block[2] = w->block.bid.z;
                // Name every barrier line with the threads waiting there.
                int len = 0;
                std::vector<int> lines;
                for (unsigned t = 0; t < n; ++t)
                    if (w->state[t] != DONE) {
                        bool seen = false;
                        for (int l : lines) seen |= (l == w->barrier_line[t]);
                        if (!seen) lines.push_back(w->barrier_line[t]);
                    }
                for (int l : lines) {
                    unsigned count = 0, first = 0;
                    for (unsigned t = 0; t < n; ++t)
                        if (w->state[t] != DONE && w->barrier_line[t] == l) {
                            if (count++ == 0) first = t;
                        }
                    len += snprintf(e->message + len, sizeof(e->message) - len,
                                    "%s%u thread(s) (the first: thread %u) wait at __syncthreads() on line %d",
                                    len ? "; " : "", count, first, l);
                }
                if (done > 0) {
                    unsigned first = 0;
                    for (unsigned t = 0; t < n; ++t)
                        if (w->state[t] == DONE) { first = t; break; }
                    snprintf(e->message + len, sizeof(e->message) - len,
                             "; %u thread(s) (the first: thread %u) already returned from the kernel", done, first);
                }
            }
            switch_to(w, save_sp, nullptr, dying);
            return;
        }
        // Everyone reached the same barrier: release it and start the next pass.
        ++w->pass;
        w->n_waiting = 0;
        w->pass_line = -1;
        w->pos = static_cast<unsigned>(-1);
    }
}

NEEDLE_NO_TSAN void fiber_entry() {
    FiberRT* f = current_fiber();
    Worker* w = f->worker;
#ifdef NEEDLE_ASAN
    __sanitizer_finish_switch_fiber(nullptr, &w->asan_main_bottom, &w->asan_main_size);
#endif
    release_pending(w);
    Launch* L = w->launch;
    for (;;) {
        L->spec.thunk(L->spec.args);
#ifdef NEEDLE_TSAN
        __tsan_release(&w->done_sync);  // the block's end waits for every thread
#endif
        unsigned t = f->linear;
        w->state[t] = DONE;
        ++w->n_done;
        w->fiber_of[t] = nullptr;
#ifndef NEEDLE_TSAN
        // The next thread in the order has not started: run it right here, on this stack.
        unsigned next = w->pos + 1;
        if (next < L->nthreads && w->state[L->order[next]] == NOT_STARTED) {
            w->pos = next;
            unsigned u = L->order[next];
            f->linear = u;
            const needle_rt::Block& b = w->block;
            f->pub.tid = {u % b.bdim.x, (u / b.bdim.x) % b.bdim.y, u / (b.bdim.x * b.bdim.y)};
            w->fiber_of[u] = f;
            w->state[u] = READY;
            continue;
        }
#endif
        w->pending_free = f;
        schedule(w, &w->dummy_sp, true);
        __builtin_unreachable();
    }
}

// ---- shared memory -------------------------------------------------------------------------

std::mutex g_slot_mutex;
std::vector<unsigned char*> g_arenas;  // every worker's static shared memory (under g_slot_mutex)

NEEDLE_NO_TSAN void ensure_dynamic(Worker* w, size_t bytes) {
#ifdef NEEDLE_ASAN
    free(w->shared_dynamic);  // an exact-size allocation, so that ASan sees overflows
    w->shared_dynamic = static_cast<unsigned char*>(malloc(bytes ? bytes : 1));
    w->dynamic_capacity = bytes;
#else
    if (bytes > w->dynamic_capacity) {
        free(w->shared_dynamic);
        w->shared_dynamic = static_cast<unsigned char*>(aligned_alloc(64, (bytes + 63) / 64 * 64));
        w->dynamic_capacity = bytes;
    }
#endif
}

// ---- running blocks ------------------------------------------------------------------------

std::atomic<int> g_faults_installed{0};
struct sigaction g_old_segv, g_old_bus, g_old_fpe, g_old_ill, g_old_abrt;

NEEDLE_NO_TSAN void record_fault(Worker* w, int sig, siginfo_t* info, void* uctx) {
    Launch* L = w->launch;
    LaunchError* e = L->error;
    std::lock_guard<std::mutex> lock(L->error_mutex);
    if (L->failed.exchange(true)) return;
    e->kind = FAULT;
    e->signal = sig;
    e->address = reinterpret_cast<uintptr_t>(info->si_addr);
    e->pc = static_cast<uintptr_t>(static_cast<ucontext_t*>(uctx)->uc_mcontext.gregs[REG_RIP]);
    e->write = (static_cast<ucontext_t*>(uctx)->uc_mcontext.gregs[REG_ERR] & 2) ? 1 : 0;
    Dl_info dl{};
    if (dladdr(reinterpret_cast<void*>(e->pc), &dl) && dl.dli_fname) {
        e->module_base = reinterpret_cast<uintptr_t>(dl.dli_fbase);
        snprintf(e->module_path, sizeof(e->module_path), "%s", dl.dli_fname);
    }
    e->block[0] = w->block.bid.x, e->block[1] = w->block.bid.y, e->block[2] = w->block.bid.z;
    FiberRT* f = (w->pos < L->nthreads) ? w->fiber_of[L->order[w->pos]] : nullptr;
    if (f) e->thread[0] = f->pub.tid.x, e->thread[1] = f->pub.tid.y, e->thread[2] = f->pub.tid.z;
    // A fault in the guard page under a fiber's stack is a stack overflow.
    uintptr_t a = e->address;
    for (FiberRT* g : w->fibers) {
        uintptr_t base = region_of(g);
        if (a >= base && a < base + 2 * static_cast<uintptr_t>(sysconf(_SC_PAGESIZE)))
            snprintf(e->message, sizeof(e->message), "stack overflow (local arrays too large, or unbounded recursion)");
    }
}

void on_fault(int sig, siginfo_t* info, void* uctx) {
    Worker* w = tl_worker;
    if (w && w->in_kernel) {
        record_fault(w, sig, info, uctx);
        w->in_kernel = 0;
        siglongjmp(w->fault_jump, 1);
    }
    // Not ours: give the signal back to whoever handled it before.
    struct sigaction* old = sig == SIGSEGV ? &g_old_segv : sig == SIGBUS ? &g_old_bus : sig == SIGILL ? &g_old_ill
                          : sig == SIGABRT ? &g_old_abrt : &g_old_fpe;
    sigaction(sig, old, nullptr);
}

void install_fault_handlers() {
#ifndef NEEDLE_ASAN
    struct sigaction sa{};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_old_segv);
    sigaction(SIGBUS, &sa, &g_old_bus);
    sigaction(SIGFPE, &sa, &g_old_fpe);
    sigaction(SIGILL, &sa, &g_old_ill);
    sigaction(SIGABRT, &sa, &g_old_abrt);
#endif
}

void restore_fault_handlers() {
#ifndef NEEDLE_ASAN
    sigaction(SIGSEGV, &g_old_segv, nullptr);
    sigaction(SIGBUS, &g_old_bus, nullptr);
    sigaction(SIGFPE, &g_old_fpe, nullptr);
    sigaction(SIGILL, &g_old_ill, nullptr);
    sigaction(SIGABRT, &g_old_abrt, nullptr);
#endif
}

NEEDLE_NO_TSAN Worker* this_worker() {
    if (!tl_worker) {
        Worker* w = new Worker();
        // Reserved now, so that fibers never allocate (ThreadSanitizer would see the
        // allocator's memory moves as accesses of one CUDA thread after another).
        w->fibers.reserve(1024);
        w->free_fibers.reserve(1024);
#ifdef NEEDLE_ASAN
        w->shared_static = static_cast<unsigned char*>(malloc(kStaticShared));
#else
        w->shared_static = static_cast<unsigned char*>(aligned_alloc(64, kStaticShared));
#endif
        poison(w->shared_static, kStaticShared);
        {
            std::lock_guard<std::mutex> lock(g_slot_mutex);
            g_arenas.push_back(w->shared_static);
        }
        w->altstack = malloc(kAltStack);
#ifdef NEEDLE_TSAN
        w->tsan_main = __tsan_get_current_fiber();
#endif
        tl_worker = w;
    }
    return tl_worker;
}

// After a failure the block's fibers are abandoned where they stand; their stacks are free.
NEEDLE_NO_TSAN void abandon_fibers(Worker* w) {
    w->free_fibers.assign(w->fibers.begin(), w->fibers.end());
    w->pending_free = nullptr;
    std::fill(w->fiber_of.begin(), w->fiber_of.end(), nullptr);
}

#ifdef NEEDLE_TSAN
NEEDLE_NO_TSAN void end_tsan_block(Worker* w) {
    for (void* f : w->tsan_fibers) __tsan_destroy_fiber(f);
    w->tsan_fibers.clear();
}
#endif

NEEDLE_NO_TSAN void run_block(Worker* w, unsigned b) {
    Launch* L = w->launch;
    const LaunchSpec& s = L->spec;
    w->block.bid = {b % s.grid[0], (b / s.grid[0]) % s.grid[1], b / (s.grid[0] * s.grid[1])};
    // Every block starts with poisoned shared memory: the kernel's __shared__ variables laid
    // out so far (one declared for the first time is poisoned everywhere as it is laid out).
    size_t used = __atomic_load_n(&s.kernel->static_bytes, __ATOMIC_ACQUIRE);
#ifdef NEEDLE_ASAN
    __asan_unpoison_memory_region(w->shared_static, kStaticShared);
#endif
    poison(w->shared_static, used);
    if (s.shared) poison(w->shared_dynamic, s.shared);
#ifdef NEEDLE_ASAN
    // Only the kernel's own __shared__ variables are addressable; the gaps are redzones.
    __asan_poison_memory_region(w->shared_static, kStaticShared);
    {
        std::lock_guard<std::mutex> lock(g_slot_mutex);
        for (unsigned i = 0; i < s.kernel->nslots; ++i)
            __asan_unpoison_memory_region(w->shared_static + s.kernel->slot_offset[i], s.kernel->slot_bytes[i]);
    }
#endif
    std::fill(w->state.begin(), w->state.end(), NOT_STARTED);
#ifdef NEEDLE_TSAN
    // Each CUDA thread is its own thread to ThreadSanitizer, created here, before any of them
    // runs: a fiber created by another would be ordered after it, and races would hide. The
    // previous block on this worker happens before this one.
    __tsan_acquire(&w->done_sync);
    end_tsan_block(w);
    // Stacks, too, are made here: memory mapped by one CUDA thread would be ordered before another.
    while (w->fibers.size() < L->nthreads) w->free_fibers.push_back(new_fiber(w));
    for (unsigned t = 0; t < L->nthreads; ++t) w->tsan_fibers.push_back(__tsan_create_fiber(0));
#endif
    w->pass = 0;
    w->n_done = w->n_waiting = 0;
    w->pass_line = -1;
    w->lines_differ = false;
    w->pos = static_cast<unsigned>(-1);
    schedule(w, &w->main_sp, false);
    if (L->failed.load(std::memory_order_relaxed)) abandon_fibers(w);
}

NEEDLE_NO_TSAN void run_blocks(Launch* L) {
    Worker* w = this_worker();
    w->launch = L;
    const LaunchSpec& s = L->spec;
    w->block.bdim = dim3(s.block[0], s.block[1], s.block[2]);
    w->block.gdim = dim3(s.grid[0], s.grid[1], s.grid[2]);
    w->block.kernel = s.kernel;
    w->block.shared_static = w->shared_static;
    ensure_dynamic(w, s.shared);
    w->block.shared_dynamic = w->shared_dynamic;
    w->state.assign(L->nthreads, NOT_STARTED);
    w->barrier_line.assign(L->nthreads, 0);
    w->fiber_of.assign(L->nthreads, nullptr);
    stack_t ss{}, old_ss{};
    ss.ss_sp = w->altstack;
    ss.ss_size = kAltStack;
    sigaltstack(&ss, &old_ss);
    if (sigsetjmp(w->fault_jump, 0) == 0) {
        w->in_kernel = 1;
        for (;;) {
            if (L->failed.load(std::memory_order_relaxed)) break;
            unsigned b = L->next_block.fetch_add(1);
            if (b >= L->nblocks) break;
            run_block(w, b);
        }
    } else {
        abandon_fibers(w);  // a memory fault stopped the block (a signal handler jumped here)
    }
    w->in_kernel = 0;
#ifdef NEEDLE_TSAN
    __tsan_acquire(&w->done_sync);
    end_tsan_block(w);
#endif
    sigaltstack(&old_ss, nullptr);
    w->launch = nullptr;
}

// ---- the worker pool ---------------------------------------------------------------------

struct Pool {
    std::mutex m;
    std::condition_variable start, finished;
    std::vector<std::thread> threads;
    Launch* job = nullptr;
    unsigned long generation = 0;
    int wanted = 0;    // helpers asked to join the current job
    int running = 0;   // helpers still working on it

    // Start helpers up to `helpers`; returns how many there are (fewer if the system
    // refuses more threads: the launch then runs on those it has).
    int ensure(int helpers) {
        try {
            while (static_cast<int>(threads.size()) < helpers) {
                threads.emplace_back([this, idx = static_cast<int>(threads.size())] { loop(idx); });
                threads.back().detach();
            }
        } catch (...) {
        }
        return std::min(helpers, static_cast<int>(threads.size()));
    }
    void loop(int idx) {
        unsigned long seen = 0;
        for (;;) {
            Launch* L;
            {
                std::unique_lock<std::mutex> lock(m);
                start.wait(lock, [&] { return generation != seen; });
                seen = generation;
                if (idx >= wanted) continue;
                L = job;
            }
            run_blocks(L);
            {
                std::lock_guard<std::mutex> lock(m);
                if (--running == 0) finished.notify_all();
            }
        }
    }
};

Pool& pool() {
    // Never destroyed: helpers live as long as the process. A child made by fork() has none
    // of its parent's helper threads, so it starts a pool of its own.
    static Pool* p = nullptr;
    static pid_t owner = 0;
    if (!p || owner != getpid()) {
        p = new Pool();
        owner = getpid();
    }
    return *p;
}

std::mutex g_launch_mutex;
int g_order = 0;  // the order threads run in between barriers: 0 zigzag, 1 forward, 2 reverse

}  // namespace

// ---- the C interface: called from Python through ctypes -------------------------------------

extern "C" {

NEEDLE_NO_TSAN void needle_rt_syncthreads(int line) {
    FiberRT* f = current_fiber();
    Worker* w = f->worker;
    w->state[f->linear] = WAITING;
    w->barrier_line[f->linear] = line;
    if (w->n_waiting++ == 0) w->pass_line = line;
    else if (line != w->pass_line) w->lines_differ = true;
#ifdef NEEDLE_TSAN
    __tsan_release(&w->barrier_sync);
#endif
    schedule(w, &f->sp, false);
#ifdef NEEDLE_TSAN
    __tsan_acquire(&w->barrier_sync);
#endif
}

NEEDLE_NO_TSAN unsigned needle_rt_shared_slot(needle_rt::KernelInfo* k, size_t bytes, size_t align, int line) {
    std::lock_guard<std::mutex> lock(g_slot_mutex);
    unsigned off = k->static_bytes;
#ifdef NEEDLE_ASAN
    off += kRedzone;
#endif
    if (align < 4) align = 4;
    off = static_cast<unsigned>((off + align - 1) / align * align);
    if (off + bytes > kStaticShared || k->nslots >= needle_rt::kMaxSharedSlots) {
        fprintf(stderr, "%s: line %d: __shared__ variables exceed %zu bytes\n", k->name, line, kStaticShared);
        abort();
    }
    k->slot_offset[k->nslots] = off;
    k->slot_bytes[k->nslots] = static_cast<unsigned>(bytes);
    ++k->nslots;
    __atomic_store_n(&k->static_bytes, off + static_cast<unsigned>(bytes), __ATOMIC_RELEASE);
    // Every worker's copy: other workers may be running blocks of this kernel already (none
    // of their threads can use the variable before this returns).
    for (unsigned char* arena : g_arenas) {
#ifdef NEEDLE_ASAN
        __asan_unpoison_memory_region(arena + off, bytes);
#endif
        poison(arena + off, bytes);
    }
    return off;
}

// Launch thunk over grid x block; returns 0 or an ErrorKind with *error filled in.
NEEDLE_NO_TSAN int needle_rt_launch(void (*thunk)(void**), void** args, needle_rt::KernelInfo* kernel, const unsigned* grid,
                     const unsigned* block, size_t shared, int workers, LaunchError* error) {
    std::lock_guard<std::mutex> launch_lock(g_launch_mutex);
    memset(error, 0, sizeof(*error));
    auto* L = new Launch();
    L->spec = LaunchSpec{thunk, args, kernel, {grid[0], grid[1], grid[2]}, {block[0], block[1], block[2]}, shared, workers};
    L->error = error;
    L->nthreads = block[0] * block[1] * block[2];
    L->nblocks = grid[0] * grid[1] * grid[2];
    if (L->nthreads == 0 || L->nthreads > 1024 || L->nblocks == 0) {
        snprintf(error->message, sizeof(error->message),
                 "invalid launch: block (%u, %u, %u) has %u threads (CUDA allows 1 to 1024), grid (%u, %u, %u)",
                 block[0], block[1], block[2], L->nthreads, grid[0], grid[1], grid[2]);
        error->kind = BAD_LAUNCH;
        delete L;
        return BAD_LAUNCH;
    }
    const unsigned n = L->nthreads;
    L->order.resize(n);
    for (unsigned k = 0, lo = 0, hi = n; k < n; ++k) {
        if (g_order == 1) L->order[k] = k;               // forward
        else if (g_order == 2) L->order[k] = n - 1 - k;  // reverse
        else L->order[k] = (k % 2 == 0) ? lo++ : --hi;   // zigzag, the default
    }

    int helpers = workers - 1;
    if (helpers > static_cast<int>(L->nblocks) - 1) helpers = static_cast<int>(L->nblocks) - 1;
    if (helpers < 0) helpers = 0;
    install_fault_handlers();
    Pool& p = pool();
    if (helpers > 0) {
        std::lock_guard<std::mutex> lock(p.m);
        helpers = p.ensure(helpers);
    }
    if (helpers > 0) {
        std::lock_guard<std::mutex> lock(p.m);
        p.job = L;
        p.wanted = helpers;
        p.running = helpers;
        ++p.generation;
        p.start.notify_all();
    }
    run_blocks(L);
    if (helpers > 0) {
        std::unique_lock<std::mutex> lock(p.m);
        p.finished.wait(lock, [&] { return p.running == 0; });
    }
    restore_fault_handlers();
    int kind = error->kind;
    delete L;
    return kind;
}

size_t needle_rt_error_size() { return sizeof(LaunchError); }
void needle_rt_set_order(int order) { g_order = order; }
const char* needle_rt_error_message(const LaunchError* e) { return e->message; }
unsigned needle_rt_poison_word() { return kPoisonWord; }
size_t needle_rt_stack_bytes() { return kStack; }

// Argument buffers: `bytes` of memory that end exactly where a PROT_NONE guard page begins,
// so that the first access past the end faults.
void* needle_rt_alloc(size_t bytes, size_t* map_bytes, void** map_start) {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t data = (bytes + page - 1) / page * page;
    size_t total = data + page;
    void* m = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return nullptr;
    mprotect(static_cast<char*>(m) + data, page, PROT_NONE);
    *map_bytes = total;
    *map_start = m;
    return static_cast<char*>(m) + data - bytes;
}

void needle_rt_free(void* map_start, size_t map_bytes) { munmap(map_start, map_bytes); }

}  // extern "C"
