// Products with a weight packed once: see include/CKernels.h (kd_packed_gemm).
//
// Layout. A weight W [n, k] (a Linear layer's [out, in]) is cut into panels of 16 of its rows, the
// product's 16 output columns; panel p holds, for each l < k, W[16p + c][l] for c < 16, zero past n.
// The activations A [m, k] are read in place, 6 rows at a time: a tile of the product, 6 rows × 16 (or 32)
// columns, is one pass over k that broadcasts A[i][l] from each row and reads the panel contiguously, its
// accumulators held in registers from start to end: every output is Σ_l A[i][l]·W[j][l] summed in order of
// l, one fused multiply-add per term. A last block of fewer than 6 rows repeats its last row, whose extra
// results are not stored.
//
// Three versions of the tile loop, chosen once at run time: AVX-512F (6 × 32, two panels: 12 zmm
// accumulators), AVX2+FMA (6 × 16: 12 ymm accumulators), and plain C for processors without FMA, whose
// multiply and add round separately (a fused one would be a libm call per term there).
#include "CKernels.h"
#include "packed_tiles.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif


size_t kd_packed_panels(size_t n) { return kd_panels(n); }

size_t kd_packed_weight_size(size_t n, size_t k) { return kd_panels(n) * PANEL * k; }

void kd_pack_weight(const float *w, size_t n, size_t k, float *packed) { kd_pack_bt(w, n, k, k, packed); }

void kd_pack_bt(const float *w, size_t n, size_t k, size_t ldw, float *packed) {
    for (size_t p = 0; p < kd_panels(n); p++) {
        float *panel = packed + p * PANEL * k;
        for (size_t c = 0; c < PANEL; c++) {
            size_t row = p * PANEL + c;
            if (row < n) {
                const float *source = w + row * ldw;
                for (size_t l = 0; l < k; l++) panel[l * PANEL + c] = source[l];
            } else {
                for (size_t l = 0; l < k; l++) panel[l * PANEL + c] = 0;
            }
        }
    }
}

void kd_pack_b(const float *b, size_t k, size_t n, size_t ldb, float *packed) {
    for (size_t p = 0; p < kd_panels(n); p++) {
        float *panel = packed + p * PANEL * k;
        size_t column = p * PANEL, columns = n - column < PANEL ? n - column : PANEL;
        for (size_t l = 0; l < k; l++) {
            memcpy(panel + l * PANEL, b + l * ldb + column, columns * sizeof(float));
            for (size_t c = columns; c < PANEL; c++) panel[l * PANEL + c] = 0;
        }
    }
}

static inline size_t kd_min(size_t a, size_t b) { return a < b ? a : b; }

// The 6 rows of A's block b: rows past m repeat the last one.
static inline void kd_block_rows(const kd_tiles *t, size_t b, const float *rows[ROWS]) {
    for (size_t r = 0; r < ROWS; r++) rows[r] = t->a + kd_min(b * ROWS + r, t->m - 1) * t->lda;
}

static void tiles_generic(const kd_tiles *t) {
    size_t blocks = (t->m + ROWS - 1) / ROWS;
    for (size_t p = t->first; p < t->last; p++) {
        const float *panel = t->w + p * PANEL * t->k;
        size_t column = p * PANEL, columns = kd_min(PANEL, t->n - column);
        for (size_t b = 0; b < blocks; b++) {
            const float *a[ROWS];
            kd_block_rows(t, b, a);
            float sum[ROWS][PANEL] = {{0}};
            for (size_t l = 0; l < t->k; l++)
                for (size_t r = 0; r < ROWS; r++)
                    for (size_t j = 0; j < PANEL; j++) sum[r][j] += a[r][l] * panel[l * PANEL + j];
            size_t rows = kd_min(ROWS, t->m - b * ROWS);
            for (size_t r = 0; r < rows; r++) {
                float *out = t->c + (b * ROWS + r) * t->ldc + column;
                for (size_t j = 0; j < columns; j++) out[j] = sum[r][j] + (t->bias ? t->bias[column + j] : 0);
            }
        }
    }
}

#if defined(__x86_64__) && defined(__clang__)

#define KD_AVX2 __attribute__((target("avx2,fma")))
#define KD_AVX512 __attribute__((target("avx512f")))

// Lanes [0, count) set, for masked loads and stores of a tile's last columns.
KD_AVX2 static inline __m256i avx2_mask(size_t count) {
    static const int32_t lanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(lanes + 8 - (count > 8 ? 8 : count)));
}

KD_AVX2 static void avx2_store(float *out, __m256 value, const float *bias, size_t count) {
    if (count >= 8) {
        if (bias) value = _mm256_add_ps(value, _mm256_loadu_ps(bias));
        _mm256_storeu_ps(out, value);
    } else if (count > 0) {
        __m256i mask = avx2_mask(count);
        if (bias) value = _mm256_add_ps(value, _mm256_maskload_ps(bias, mask));
        _mm256_maskstore_ps(out, mask, value);
    }
}

KD_AVX2 static void tiles_avx2(const kd_tiles *t) {
    size_t blocks = (t->m + ROWS - 1) / ROWS, k = t->k;
    for (size_t p = t->first; p < t->last; p++) {
        const float *panel = t->w + p * PANEL * k;
        size_t column = p * PANEL, columns = kd_min(PANEL, t->n - column);
        for (size_t b = 0; b < blocks; b++) {
            const float *a[ROWS];
            kd_block_rows(t, b, a);
            const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *a4 = a[4], *a5 = a[5];
            __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
            __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
            const float *w = panel;
            for (size_t l = 0; l < k; l++, w += PANEL) {
                __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
                __m256 x = _mm256_broadcast_ss(a0 + l);
                c00 = _mm256_fmadd_ps(x, w0, c00), c01 = _mm256_fmadd_ps(x, w1, c01);
                x = _mm256_broadcast_ss(a1 + l);
                c10 = _mm256_fmadd_ps(x, w0, c10), c11 = _mm256_fmadd_ps(x, w1, c11);
                x = _mm256_broadcast_ss(a2 + l);
                c20 = _mm256_fmadd_ps(x, w0, c20), c21 = _mm256_fmadd_ps(x, w1, c21);
                x = _mm256_broadcast_ss(a3 + l);
                c30 = _mm256_fmadd_ps(x, w0, c30), c31 = _mm256_fmadd_ps(x, w1, c31);
                x = _mm256_broadcast_ss(a4 + l);
                c40 = _mm256_fmadd_ps(x, w0, c40), c41 = _mm256_fmadd_ps(x, w1, c41);
                x = _mm256_broadcast_ss(a5 + l);
                c50 = _mm256_fmadd_ps(x, w0, c50), c51 = _mm256_fmadd_ps(x, w1, c51);
            }
            __m256 sums[ROWS][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
            size_t rows = kd_min(ROWS, t->m - b * ROWS);
            const float *bias = t->bias ? t->bias + column : NULL;
            for (size_t r = 0; r < rows; r++) {
                float *out = t->c + (b * ROWS + r) * t->ldc + column;
                avx2_store(out, sums[r][0], bias, columns);
                avx2_store(out + 8, sums[r][1], bias ? bias + 8 : NULL, columns > 8 ? columns - 8 : 0);
            }
        }
    }
}

KD_AVX512 static void avx512_store(float *out, __m512 value, const float *bias, size_t count) {
    if (count == 0) return;
    __mmask16 mask = count >= PANEL ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
    if (bias) value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(mask, bias));
    _mm512_mask_storeu_ps(out, mask, value);
}

KD_AVX512 static void tiles_avx512(const kd_tiles *t) {
    size_t blocks = (t->m + ROWS - 1) / ROWS, k = t->k;
    size_t p = t->first;
    // Two panels at a time: 6 × 32 outputs in 12 registers, two weight loads per 12 multiply-adds.
    for (; p + 2 <= t->last; p += 2) {
        const float *panel = t->w + p * PANEL * k;
        size_t column = p * PANEL, columns = kd_min(2 * PANEL, t->n - column);
        for (size_t b = 0; b < blocks; b++) {
            const float *a[ROWS];
            kd_block_rows(t, b, a);
            const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *a4 = a[4], *a5 = a[5];
            __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
            __m512 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
            const float *w0p = panel, *w1p = panel + PANEL * k;
            for (size_t l = 0; l < k; l++, w0p += PANEL, w1p += PANEL) {
                __m512 w0 = _mm512_loadu_ps(w0p), w1 = _mm512_loadu_ps(w1p);
                __m512 x = _mm512_set1_ps(a0[l]);
                c00 = _mm512_fmadd_ps(x, w0, c00), c01 = _mm512_fmadd_ps(x, w1, c01);
                x = _mm512_set1_ps(a1[l]);
                c10 = _mm512_fmadd_ps(x, w0, c10), c11 = _mm512_fmadd_ps(x, w1, c11);
                x = _mm512_set1_ps(a2[l]);
                c20 = _mm512_fmadd_ps(x, w0, c20), c21 = _mm512_fmadd_ps(x, w1, c21);
                x = _mm512_set1_ps(a3[l]);
                c30 = _mm512_fmadd_ps(x, w0, c30), c31 = _mm512_fmadd_ps(x, w1, c31);
                x = _mm512_set1_ps(a4[l]);
                c40 = _mm512_fmadd_ps(x, w0, c40), c41 = _mm512_fmadd_ps(x, w1, c41);
                x = _mm512_set1_ps(a5[l]);
                c50 = _mm512_fmadd_ps(x, w0, c50), c51 = _mm512_fmadd_ps(x, w1, c51);
            }
            __m512 sums[ROWS][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
            size_t rows = kd_min(ROWS, t->m - b * ROWS);
            const float *bias = t->bias ? t->bias + column : NULL;
            for (size_t r = 0; r < rows; r++) {
                float *out = t->c + (b * ROWS + r) * t->ldc + column;
                avx512_store(out, sums[r][0], bias, kd_min(columns, PANEL));
                avx512_store(out + PANEL, sums[r][1], bias ? bias + PANEL : NULL, columns > PANEL ? columns - PANEL : 0);
            }
        }
    }
    // The range's last panel when it holds an odd number: 6 × 16.
    if (p < t->last) {
        const float *panel = t->w + p * PANEL * k;
        size_t column = p * PANEL, columns = kd_min(PANEL, t->n - column);
        for (size_t b = 0; b < blocks; b++) {
            const float *a[ROWS];
            kd_block_rows(t, b, a);
            __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
            const float *w = panel;
            for (size_t l = 0; l < k; l++, w += PANEL) {
                __m512 w0 = _mm512_loadu_ps(w);
                c0 = _mm512_fmadd_ps(_mm512_set1_ps(a[0][l]), w0, c0);
                c1 = _mm512_fmadd_ps(_mm512_set1_ps(a[1][l]), w0, c1);
                c2 = _mm512_fmadd_ps(_mm512_set1_ps(a[2][l]), w0, c2);
                c3 = _mm512_fmadd_ps(_mm512_set1_ps(a[3][l]), w0, c3);
                c4 = _mm512_fmadd_ps(_mm512_set1_ps(a[4][l]), w0, c4);
                c5 = _mm512_fmadd_ps(_mm512_set1_ps(a[5][l]), w0, c5);
            }
            __m512 sums[ROWS] = {c0, c1, c2, c3, c4, c5};
            size_t rows = kd_min(ROWS, t->m - b * ROWS);
            const float *bias = t->bias ? t->bias + column : NULL;
            for (size_t r = 0; r < rows; r++) avx512_store(t->c + (b * ROWS + r) * t->ldc + column, sums[r], bias, columns);
        }
    }
}

static kd_tiles_fn kd_choose_tiles(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return tiles_avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return tiles_avx2;
    return tiles_generic;
}

static const char *kd_tiles_name(kd_tiles_fn fn) {
    return fn == tiles_avx512 ? "avx512f" : fn == tiles_avx2 ? "avx2+fma" : "generic";
}
#else
static kd_tiles_fn kd_choose_tiles(void) { return tiles_generic; }
static const char *kd_tiles_name(kd_tiles_fn fn) {
    (void)fn;
    return "generic";
}
#endif

// Chosen on first use; a benign race (every thread computes the same pointer).
static kd_tiles_fn kd_tiles_chosen;

kd_tiles_fn kd_tiles_function(void) {
    kd_tiles_fn fn = __atomic_load_n(&kd_tiles_chosen, __ATOMIC_RELAXED);
    if (!fn) {
        fn = kd_choose_tiles();
        __atomic_store_n(&kd_tiles_chosen, fn, __ATOMIC_RELAXED);
    }
    return fn;
}

const char *kd_packed_gemm_kernel(void) { return kd_tiles_name(kd_tiles_function()); }

int kd_packed_gemm_use(const char *name) {
    kd_tiles_fn best = kd_choose_tiles(), chosen = NULL;
    if (!name) {
        chosen = best;
    } else if (strcmp(name, "generic") == 0) {
        chosen = tiles_generic;
    } else {
#if defined(__x86_64__) && defined(__clang__)
        // A kernel is available when this CPU runs it: the best one's or a narrower one's instructions.
        if (strcmp(name, "avx2+fma") == 0 && best != tiles_generic) chosen = tiles_avx2;
        if (strcmp(name, "avx512f") == 0 && best == tiles_avx512) chosen = tiles_avx512;
#endif
    }
    if (!chosen) return 0;
    __atomic_store_n(&kd_tiles_chosen, chosen, __ATOMIC_RELAXED);
    return 1;
}

void kd_packed_gemm(const float *a, size_t lda, size_t m, size_t k, const float *packed_weight, size_t n,
                    size_t first_panel, size_t last_panel, const float *bias, float *c, size_t ldc) {
    if (last_panel > kd_panels(n)) last_panel = kd_panels(n);
    if (m == 0 || k == 0 || first_panel >= last_panel) return;
    kd_tiles_fn fn = kd_tiles_function();
    // Rows in chunks of at most 192 KB (at least 48 rows), which stay in a core's L2 while the panels stream
    // past them: at 4,096 rows, 5% faster than one pass (chunks of 64 KB to 512 KB measured alike).
    size_t chunk = 49152 / k / ROWS * ROWS;
    if (chunk < 8 * ROWS) chunk = 8 * ROWS;
    for (size_t start = 0; start < m; start += chunk) {
        size_t rows = m - start < chunk ? m - start : chunk;
        kd_tiles tiles = {a + start * lda, lda, rows, k, packed_weight, n, first_panel, last_panel, bias, c + start * ldc, ldc};
        fn(&tiles);
    }
}
