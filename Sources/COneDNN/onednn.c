// See include/COneDNN.h.
#include "COneDNN.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

typedef int (*dnnl_sgemm_fn)(char, char, int64_t, int64_t, int64_t, float, const float *, int64_t, const float *,
                             int64_t, float, float *, int64_t);
// dnnl_version_t: major, minor, patch, hash, cpu_runtime, gpu_runtime.
typedef struct {
    int major, minor, patch;
    const char *hash;
    unsigned cpu_runtime, gpu_runtime;
} dnnl_version_info;
typedef const dnnl_version_info *(*dnnl_version_fn)(void);
typedef void (*omp_set_num_threads_fn)(int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static dnnl_sgemm_fn sgemm;
static omp_set_num_threads_fn set_omp_threads;
static char version[32];
static int loaded;

static void load(void) {
    void *library = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!library) return;
    sgemm = (dnnl_sgemm_fn)dlsym(library, "dnnl_sgemm");
    dnnl_version_fn get_version = (dnnl_version_fn)dlsym(library, "dnnl_version");
    // Debian builds oneDNN on OpenMP (libgomp): its sgemm threads by omp_get_max_threads().
    set_omp_threads = (omp_set_num_threads_fn)dlsym(library, "omp_set_num_threads");
    if (!sgemm || !get_version || !set_omp_threads) return;
    const dnnl_version_info *info = get_version();
    snprintf(version, sizeof version, "%d.%d.%d", info->major, info->minor, info->patch);
    loaded = 1;
}

int kd_onednn_load(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *kd_onednn_version(void) { return kd_onednn_load() ? version : NULL; }

int kd_onednn_sgemm(int transpose_a, int transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                    int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    if (!kd_onednn_load()) return -1;
    // Once per thread: OpenMP's thread count is a per-thread setting, and 1 runs oneDNN inline.
    static __thread int single;
    if (!single) {
        set_omp_threads(1);
        single = 1;
    }
    return sgemm(transpose_a ? 'T' : 'N', transpose_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
