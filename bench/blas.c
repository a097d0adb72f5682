// The matrix products of training and inference, timed in OpenBLAS, BLIS and oneDNN in one run.
//
//     bench/blas.sh [--rounds 5]          (builds this file, installs the libraries when missing)
//
// Each library is loaded with dlopen (they export the same CBLAS symbols) and called single-
// threaded, the way KDNAS calls OpenBLAS: a product is split into row (or column) blocks, one per
// thread, on 2 OpenMP threads (KDNAS's `BLAS.gemm`); attention's small products run whole, one
// (batch, head) per call, spread over the threads. Rounds alternate between the libraries and each
// keeps its best median. Prints one JSON line per (case, library).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <time.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                               float *, int);
typedef int (*dnnl_sgemm_fn)(char, char, int64_t, int64_t, int64_t, float, const float *, int64_t, const float *,
                             int64_t, float, float *, int64_t);

typedef struct {
    const char *name;
    cblas_sgemm_fn cblas;
    dnnl_sgemm_fn dnnl;
} Library;

// One product C[m×n] = op(A)·op(B) (+ beta C), or `count` of them at strides (attention, per head).
typedef struct {
    const char *name;
    int m, n, k, ta, tb, lda, ldb, ldc;
    int count;                 // independent products; 1 = one large product, split by rows or columns
    long stride_a, stride_b, stride_c;
    float beta;
} Case;

static void gemm(const Library *lib, int ta, int tb, int m, int n, int k, const float *a, int lda, const float *b,
                 int ldb, float beta, float *c, int ldc) {
    if (lib->dnnl)
        lib->dnnl(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
    else
        lib->cblas(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, 1.0f, a, lda, b, ldb, beta, c,
                   ldc);
}

// As KDNAS's BLAS.gemm: blocks along the longer side of C, one per thread.
static void run_case(const Library *lib, const Case *c, const float *a, const float *b, float *out, int threads) {
    if (c->count > 1) {
#pragma omp parallel for num_threads(threads) schedule(static)
        for (int i = 0; i < c->count; i++)
            gemm(lib, c->ta, c->tb, c->m, c->n, c->k, a + i * c->stride_a, c->lda, b + i * c->stride_b, c->ldb,
                 c->beta, out + i * c->stride_c, c->ldc);
        return;
    }
    int rows = c->m >= c->n;
    int extent = rows ? c->m : c->n, size = (extent + threads - 1) / threads;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int part = 0; part < threads; part++) {
        int start = part * size, end = start + size < extent ? start + size : extent;
        if (start >= end) continue;
        if (rows)
            gemm(lib, c->ta, c->tb, end - start, c->n, c->k, a + (c->ta ? start : (long)start * c->lda), c->lda, b,
                 c->ldb, c->beta, out + (long)start * c->ldc, c->ldc);
        else
            gemm(lib, c->ta, c->tb, c->m, end - start, c->k, a, c->lda, b + (c->tb ? (long)start * c->ldb : start),
                 c->ldb, c->beta, out + start, c->ldc);
    }
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

// The median of `repeats` timings of `calls` back-to-back runs, per run.
static double time_case(const Library *lib, const Case *c, const float *a, const float *b, float *out, int threads,
                        int repeats, int calls) {
    double times[64];
    run_case(lib, c, a, b, out, threads);
    for (int r = 0; r < repeats; r++) {
        double start = now_ms();
        for (int i = 0; i < calls; i++) run_case(lib, c, a, b, out, threads);
        times[r] = (now_ms() - start) / calls;
    }
    qsort(times, repeats, sizeof times[0], compare);
    return times[repeats / 2];
}

// Products of a linear layer at `rows` tokens (x [rows, in] · W [out, in]ᵀ) and their gradients.
#define LINEAR(label, rows, in, out)                                                                  \
    {label " forward " #rows "x" #in " . (" #out "x" #in ")T", rows, out, in, 0, 1, in, in, out, 1, 0, 0, 0, 0}, \
    {label " dx " #rows "x" #out " . " #out "x" #in, rows, in, out, 0, 0, out, in, in, 1, 0, 0, 0, 0},          \
    {label " dW (" #rows "x" #out ")T . " #rows "x" #in, out, in, rows, 1, 0, out, in, in, 1, 0, 0, 0, 0}

int main(int argc, char **argv) {
    int rounds = 5, threads = 2, repeats = 7;
    for (int i = 1; i + 1 < argc; i++) {
        if (!strcmp(argv[i], "--rounds")) rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[++i]);
    }
    Library libs[3] = {{"OpenBLAS"}, {"BLIS"}, {"oneDNN"}};
    void *openblas = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    void *blis = dlopen("/usr/lib/x86_64-linux-gnu/blis-serial/libblis.so.4", RTLD_NOW | RTLD_LOCAL);
    void *dnnl = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!openblas || !blis || !dnnl) {
        fprintf(stderr, "blas: cannot load a library: %s\n", dlerror());
        return 1;
    }
    libs[0].cblas = (cblas_sgemm_fn)dlsym(openblas, "cblas_sgemm");
    libs[1].cblas = (cblas_sgemm_fn)dlsym(blis, "cblas_sgemm");
    libs[2].dnnl = (dnnl_sgemm_fn)dlsym(dnnl, "dnnl_sgemm");
    void (*openblas_threads)(int) = (void (*)(int))dlsym(openblas, "openblas_set_num_threads");
    if (!libs[0].cblas || !libs[1].cblas || !libs[2].dnnl || !openblas_threads) {
        fprintf(stderr, "blas: a symbol is missing\n");
        return 1;
    }
    openblas_threads(1);
    // As KDNAS does (Engine.blasCoreReplacement): OpenBLAS 0.3.21 falls back to generic kernels
    // ("Prescott") on processors it does not know; start again with the core the flags call for.
    char *(*corename)(void) = (char *(*)(void))dlsym(openblas, "openblas_get_corename");
    if (corename && !strcasecmp(corename(), "prescott") && !getenv("OPENBLAS_CORETYPE") && argc > 0) {
        const char *core = getenv("KDNAS_BENCH_CORE");
        if (core) {
            setenv("OPENBLAS_CORETYPE", core, 1);
            execv("/proc/self/exe", argv);
        }
    }
    fprintf(stderr, "blas: OpenBLAS core %s\n", corename ? corename() : "?");
    omp_set_max_active_levels(1);  // oneDNN's own OpenMP regions run on the calling thread

    // 6L/384H/12A/1536F and 4L/256H/4A/1024F at batch 32 × sequence 32 (1024 tokens) and 128 (4096),
    // and inference at batch 1 × sequence 128. Attention: [T, d] blocks of packed Q/K/V [B, T, 3H].
    Case cases[] = {
        LINEAR("384 qkv", 1024, 384, 1152), LINEAR("384 ffn up", 1024, 384, 1536), LINEAR("384 ffn down", 1024, 1536, 384),
        LINEAR("384 qkv", 4096, 384, 1152), LINEAR("384 ffn up", 4096, 384, 1536), LINEAR("384 ffn down", 4096, 1536, 384),
        LINEAR("256 qkv", 1024, 256, 768), LINEAR("256 ffn up", 1024, 256, 1024), LINEAR("256 ffn down", 1024, 1024, 256),
        {"infer 384 ffn up 128x384 . (1536x384)T", 128, 1536, 384, 0, 1, 384, 384, 1536, 1, 0, 0, 0, 0},
        {"infer 384 ffn down 128x1536 . (384x1536)T", 128, 384, 1536, 0, 1, 1536, 1536, 384, 1, 0, 0, 0, 0},
        {"infer 256 ffn up 128x256 . (1024x256)T", 128, 1024, 256, 0, 1, 256, 256, 1024, 1, 0, 0, 0, 0},
        // 384/12: d = 32, 32·12 = 384 heads×batches at T = 32; strided rows (3H = 1152).
        {"attn 384 QK^T 384 x (32x32 . (32x32)T), lda 1152", 32, 32, 32, 0, 1, 1152, 1152, 32, 384, 32 * 1152, 32 * 1152, 1024, 0},
        {"attn 384 PV 384 x (32x32 . 32x32), ldb 1152", 32, 32, 32, 0, 0, 32, 1152, 384, 384, 1024, 32 * 1152, 32 * 384, 0},
        {"attn 384 QK^T 384 x (128x32 . (128x32)T), lda 1152", 128, 128, 32, 0, 1, 1152, 1152, 128, 384, 128 * 1152, 128 * 1152, 16384, 0},
        {"attn 384 PV 384 x (128x128 . 128x32), ldb 1152", 128, 32, 128, 0, 0, 128, 1152, 384, 384, 16384, 128 * 1152, 128 * 384, 0},
        {"attn 256 QK^T 128 x (128x64 . (128x64)T), lda 768", 128, 128, 64, 0, 1, 768, 768, 128, 128, 128 * 768, 128 * 768, 16384, 0},
        {"attn 256 dQ 128 x (128x128 . 128x64), ldb 768", 128, 64, 128, 0, 0, 128, 768, 768, 128, 16384, 128 * 768, 128 * 768, 1},
    };
    int ncases = sizeof cases / sizeof cases[0];
    size_t capacity = 64u << 20;  // floats per operand: enough for every case
    float *a = aligned_alloc(64, capacity * 4), *b = aligned_alloc(64, capacity * 4), *c = aligned_alloc(64, capacity * 4);
    for (size_t i = 0; i < capacity; i++) {
        a[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
        b[i] = (float)((i * 40503u) % 1000) / 1000.0f - 0.5f;
        c[i] = 0;
    }
    double best[64][3];
    for (int i = 0; i < ncases; i++) for (int l = 0; l < 3; l++) best[i][l] = 1e30;
    for (int round = 0; round < rounds; round++)
        for (int i = 0; i < ncases; i++)
            for (int j = 0; j < 3; j++) {
                int l = (j + round) % 3;  // alternate which library goes first
                double flops = 2.0 * cases[i].m * cases[i].n * cases[i].k * cases[i].count;
                int calls = flops > 1e9 ? 1 : (int)(1e9 / flops) + 1;
                if (calls > 50) calls = 50;
                double ms = time_case(&libs[l], &cases[i], a, b, c, threads, repeats, calls);
                if (ms < best[i][l]) best[i][l] = ms;
            }
    for (int i = 0; i < ncases; i++) {
        double flops = 2.0 * cases[i].m * cases[i].n * cases[i].k * cases[i].count;
        for (int l = 0; l < 3; l++)
            printf("{\"case\": \"%s\", \"library\": \"%s\", \"ms\": %.4f, \"gflops\": %.2f, \"threads\": %d}\n",
                   cases[i].name, libs[l].name, best[i][l], flops / (best[i][l] * 1e6), threads);
    }
    return 0;
}
