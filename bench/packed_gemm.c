// The inference products' tile loops (Sources/CKernels/packed_gemm.c) against the processor's own peak and
// oneDNN's sgemm, in one run.
//
//     bench/packed_gemm.sh [--rounds 5]          (builds this file with clang, links Debian's oneDNN)
//
// Peak: a loop of 12 independent AVX2 fused multiply-adds held in registers (16 flops each), on 1 and 2
// threads: the most this processor's vector units give (AVX2 + FMA; AVX-512 machines run their wider tiles,
// so there the tile loops can exceed this figure). Products: C = A·Wᵀ at the inference session's shapes
// (rows = batch × tokens), W packed once, as `kd_packed_gemm` runs them: on 2 threads each takes half of the
// panels, as the session's worker pool does; oneDNN's dnnl_sgemm (its own threading off, OMP_NUM_THREADS=1)
// is split the same way by columns (the 2-thread times include starting the second thread, as both sides do). Rounds
// alternate between the two and each keeps its best median; the two results are compared once per shape (a
// difference above 1e-3 stops the run).
#include "../Sources/CKernels/packed_gemm.c"

#include <immintrin.h>
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

enum { PEAK_ITERATIONS = 100000000 };

__attribute__((target("avx2,fma"))) static void *fma_loop(void *result) {
    __m256 acc[12], b = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps(1.0f + i * 1e-7f);
    for (long n = 0; n < PEAK_ITERATIONS; n++) {
        for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], b, c);
        // Keeps the 12 chains in registers and stops the compiler from folding the loop.
        __asm__ volatile("" : "+x"(acc[0]), "+x"(acc[1]), "+x"(acc[2]), "+x"(acc[3]), "+x"(acc[4]), "+x"(acc[5]));
        __asm__ volatile("" : "+x"(acc[6]), "+x"(acc[7]), "+x"(acc[8]), "+x"(acc[9]), "+x"(acc[10]), "+x"(acc[11]));
    }
    float lanes[8], sum = 0;
    for (int i = 0; i < 12; i++) {
        _mm256_storeu_ps(lanes, acc[i]);
        sum += lanes[0];
    }
    *(float *)result = sum;
    return NULL;
}

static double peak(int threads) {
    pthread_t thread;
    float results[2];
    double start = now();
    if (threads > 1) pthread_create(&thread, NULL, fma_loop, &results[1]);
    fma_loop(&results[0]);
    if (threads > 1) pthread_join(thread, NULL);
    return threads * (double)PEAK_ITERATIONS * 12 * 16 / (now() - start) / 1e9;
}

typedef struct {
    int onednn;
    const float *a, *w, *packed;
    float *c;
    size_t m, k, n, first, last;  // panels [first, last) of 16 columns
} Job;

static void *run_job(void *argument) {
    const Job *j = argument;
    if (j->onednn) {
        size_t column = j->first * PANEL, columns = (j->last * PANEL < j->n ? j->last * PANEL : j->n) - column;
        dnnl_sgemm('N', 'T', (int64_t)j->m, (int64_t)columns, (int64_t)j->k, 1.0f, j->a, (int64_t)j->k, j->w + column * j->k,
                   (int64_t)j->k, 0.0f, j->c + column, (int64_t)j->n);
    } else {
        kd_packed_gemm(j->a, j->k, j->m, j->k, j->packed, j->n, j->first, j->last, NULL, j->c, j->n);
    }
    return NULL;
}

static double product_ms(int onednn, int threads, const float *a, const float *w, const float *packed, float *c, size_t m,
                         size_t k, size_t n) {
    size_t panels = kd_panels(n), half = (panels + 1) / 2;
    Job first = {onednn, a, w, packed, c, m, k, n, 0, threads > 1 ? half : panels};
    Job second = {onednn, a, w, packed, c, m, k, n, half, panels};
    double start = now();
    pthread_t thread;
    if (threads > 1) pthread_create(&thread, NULL, run_job, &second);
    run_job(&first);
    if (threads > 1) pthread_join(thread, NULL);
    return (now() - start) * 1e3;
}

static int compare(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv) {
    int rounds = argc > 2 && strcmp(argv[1], "--rounds") == 0 ? atoi(argv[2]) : 5;
    if (rounds < 1) {
        fprintf(stderr, "packed_gemm: --rounds takes a positive count\n");
        return 2;
    }
    double largest_difference = 0;
    static const size_t shapes[][4] = {
        // rows, in, out, (label) 0 = 6L/384H, 1 = 4L/256H
        {1024, 384, 1152, 0}, {1024, 384, 384, 0}, {1024, 384, 1536, 0}, {1024, 1536, 384, 0},
        {128, 384, 1152, 0},  {128, 384, 1536, 0}, {128, 1536, 384, 0},  {1024, 256, 768, 1},
        {1024, 256, 1024, 1}, {1024, 1024, 256, 1},
    };
    enum { SHAPES = sizeof shapes / sizeof shapes[0], REPEATS = 15 };
    double peaks[2] = {0, 0}, best[SHAPES][2][2];
    for (size_t s = 0; s < SHAPES; s++)
        for (int l = 0; l < 2; l++) best[s][l][0] = best[s][l][1] = 1e30;
    for (int round = 0; round < rounds; round++) {
        for (int t = 0; t < 2; t++) {
            double p = peak(t + 1);
            if (p > peaks[t]) peaks[t] = p;
        }
        for (size_t s = 0; s < SHAPES; s++) {
            size_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
            float *a = malloc(m * k * sizeof(float)), *w = malloc(n * k * sizeof(float)), *c = malloc(m * n * sizeof(float));
            float *packed = malloc(kd_packed_weight_size(n, k) * sizeof(float));
            srand(1);
            for (size_t i = 0; i < m * k; i++) a[i] = (float)(rand() % 1000) / 1000.0f - 0.5f;
            for (size_t i = 0; i < n * k; i++) w[i] = (float)(rand() % 1000) / 1000.0f - 0.5f;
            kd_pack_weight(w, n, k, packed);
            if (round == 0) {  // both sides compute the same product: their results agree to float rounding
                float *reference = malloc(m * n * sizeof(float));
                product_ms(1, 2, a, w, packed, reference, m, k, n);
                product_ms(0, 2, a, w, packed, c, m, k, n);
                for (size_t i = 0; i < m * n; i++) {
                    double difference = fabs((double)c[i] - reference[i]);
                    if (difference > largest_difference) largest_difference = difference;
                }
                free(reference);
                if (largest_difference > 1e-3) {
                    fprintf(stderr, "packed_gemm: the tile loops and oneDNN disagree by %g on %zu × %zu → %zu\n",
                            largest_difference, m, k, n);
                    return 1;
                }
            }
            for (int threads = 1; threads <= 2; threads++)
                for (int library = 0; library < 2; library++) {
                    double times[REPEATS];
                    for (int r = 0; r < REPEATS; r++) times[r] = product_ms(library, threads, a, w, packed, c, m, k, n);
                    qsort(times, REPEATS, sizeof(double), compare);
                    if (times[REPEATS / 2] < best[s][library][threads - 1]) best[s][library][threads - 1] = times[REPEATS / 2];
                }
            free(a), free(w), free(c), free(packed);
        }
    }
    printf("tile loop: %s; best of %d rounds; AVX2 FMA peak %.1f GFLOP/s on 1 thread, %.1f on 2; tiles against oneDNN: "
           "max |difference| %.2g (inputs in [-0.5, 0.5))\n", kd_packed_gemm_kernel(), rounds, peaks[0], peaks[1], largest_difference);
    printf("| product (rows × in → out) | threads | tiles GFLOP/s | of peak | oneDNN GFLOP/s | of peak | tiles / oneDNN |\n");
    printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (size_t s = 0; s < SHAPES; s++)
        for (int t = 0; t < 2; t++) {
            double flops = 2.0 * shapes[s][0] * shapes[s][1] * shapes[s][2] / 1e6;  // per ms → GFLOP/s
            double tiles = flops / best[s][0][t], onednn = flops / best[s][1][t];
            printf("| %s %zu × %zu → %zu | %d | %.1f | %.0f%% | %.1f | %.0f%% | %.2f |\n", shapes[s][3] ? "4L" : "6L",
                   shapes[s][0], shapes[s][1], shapes[s][2], t + 1, tiles, 100 * tiles / peaks[t], onednn,
                   100 * onednn / peaks[t], tiles / onednn);
        }
    return 0;
}
