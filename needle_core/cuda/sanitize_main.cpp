// The CPU runner's sanitizer driver: a program that runs one kernel launch described in a
// file, so that AddressSanitizer or ThreadSanitizer can watch it (neither can be loaded into
// a running Python). needle_core/cuda/sanitize.py writes the launch and reads the results.
//
// Launch file: kernel name, grid[3], block[3], shared bytes, the buffers (size, bytes), then
// the arguments: 'p' buffer index + byte offset, or 's' 8 raw bytes. Results file: the
// buffers, in order. Every buffer is its own malloc, so ASan sees reads before and after it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

struct NeedleKernelEntry {
    const char* name;
    void (*thunk)(void**);
    void* info;
};
extern "C" const NeedleKernelEntry needle_kernel_table[];
extern "C" int needle_rt_launch(void (*)(void**), void**, void*, const unsigned*, const unsigned*, size_t, int, void*);
extern "C" size_t needle_rt_error_size();
extern "C" const char* needle_rt_error_message(const void* error);

template <class T>
static T take(FILE* f) {
    T v{};
    if (fread(&v, sizeof(T), 1, f) != 1) {
        fprintf(stderr, "needle sanitizer driver: truncated launch file\n");
        exit(2);
    }
    return v;
}

int main(int argc, char** argv) {
    if (argc != 4) return 2;
    FILE* in = fopen(argv[1], "rb");
    if (!in) return 2;
    std::string name(take<uint32_t>(in), '\0');
    if (fread(&name[0], 1, name.size(), in) != name.size()) return 2;
    unsigned grid[3], block[3];
    for (auto& g : grid) g = take<uint32_t>(in);
    for (auto& b : block) b = take<uint32_t>(in);
    uint64_t shared = take<uint64_t>(in);
    uint32_t nbufs = take<uint32_t>(in);
    std::vector<char*> bufs(nbufs);
    std::vector<uint64_t> sizes(nbufs);
    for (uint32_t i = 0; i < nbufs; ++i) {
        sizes[i] = take<uint64_t>(in);
        bufs[i] = static_cast<char*>(malloc(sizes[i] ? sizes[i] : 1));
        if (sizes[i] && fread(bufs[i], 1, sizes[i], in) != sizes[i]) return 2;
    }
    uint32_t nargs = take<uint32_t>(in);
    std::vector<uint64_t> values(nargs);
    std::vector<void*> argv_(nargs + 1);
    for (uint32_t i = 0; i < nargs; ++i) {
        char kind = take<char>(in);
        if (kind == 'p') {
            uint32_t b = take<uint32_t>(in);
            uint64_t off = take<uint64_t>(in);
            char* p = bufs[b] + off;
            memcpy(&values[i], &p, sizeof(p));
        } else {
            values[i] = take<uint64_t>(in);
        }
        argv_[i] = &values[i];
    }
    fclose(in);
    const NeedleKernelEntry* k = needle_kernel_table;
    while (k->name && name != k->name) ++k;
    if (!k->name) {
        fprintf(stderr, "needle sanitizer driver: no kernel %s\n", name.c_str());
        return 2;
    }
    std::vector<char> error(needle_rt_error_size());
    int workers = atoi(argv[3]);
    int kind = needle_rt_launch(k->thunk, argv_.data(), k->info, grid, block, shared, workers, error.data());
    if (kind) {
        fprintf(stderr, "NEEDLE-LAUNCH-ERROR %d %s\n", kind, needle_rt_error_message(error.data()));
        return 3;
    }
    FILE* out = fopen(argv[2], "wb");
    for (uint32_t i = 0; i < nbufs; ++i) fwrite(bufs[i], 1, sizes[i], out);
    fclose(out);
    return 0;
}
