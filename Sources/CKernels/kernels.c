// Float kernels; see include/CKernels.h. Written as plain loops over inline polynomial
// approximations so that the compiler vectorises them; no libm calls in hot loops.
#include "CKernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define KD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
// Compiled for AVX-512 too: dropout (the 64-bit multiplies of its hash are single instructions there) and the
// inference session's row kernels (softmax, residual + LayerNorm, bias + activation), which run beside the
// AVX-512 tile loops of packed_gemm.c.
#define KD_CLONES_V4 __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KD_CLONES
#define KD_CLONES_V4
#endif

static inline float kd_bits_to_float(uint32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

// exp(x) = 2^n · e^r with n = round(x / ln 2), r = x − n ln 2 (ln 2 split in two for accuracy),
// e^r by its degree-6 Taylor polynomial on |r| ≤ ln2/2 (error below float precision).
static inline float kd_expf(float x) {
    float input = x;
    x = fminf(fmaxf(x, -103.9f), 88.72f);
    float n = __builtin_roundevenf(x * 1.44269504088896341f);
    float r = x - n * 0.693145751953125f;
    r = r - n * 1.428606765330187045e-06f;
    float p = 1.3888889e-3f;
    p = p * r + 8.3333333e-3f;
    p = p * r + 4.1666667e-2f;
    p = p * r + 1.6666667e-1f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    // 2^n as two normal powers of two, so that n in [−150, 128] (subnormal results included) works.
    int32_t n1 = (int32_t)n >> 1, n2 = (int32_t)n - n1;
    float result = p * kd_bits_to_float((uint32_t)(n1 + 127) << 23) * kd_bits_to_float((uint32_t)(n2 + 127) << 23);
    // Past the clamp: 0 below (masked attention scores must get exactly zero weight), ∞ above.
    result = input < -103.9f ? 0.0f : result;
    result = input > 88.72f ? INFINITY : result;
    return input != input ? input : result;  // NaN stays NaN
}

// erf through erfc(z) = t·exp(−z² − 1.26551223 + t·P(t)), t = 1/(1 + z/2), z = |x|
// (Numerical Recipes' erfcc: fractional error below 1.2e-7 for all z).
static inline float kd_erff(float x) {
    float z = fabsf(x);
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    float erfc = t * kd_expf(-z * z + p);
    float r = 1.0f - erfc;
    return x < 0 ? -r : r;
}

// tanh(x) = sign(x) (1 − e^{−2|x|}) / (1 + e^{−2|x|}); for |x| < 0.04 its Taylor series, where the
// subtraction would lose relative precision.
static inline float kd_tanhf(float x) {
    float a = fabsf(x);
    float e = kd_expf(-2.0f * a);
    float t = (1.0f - e) / (1.0f + e);
    float x2 = x * x;
    float small = x * (1.0f + x2 * (-0.33333333f + x2 * 0.13333333f));
    float r = x < 0 ? -t : t;
    return a < 0.04f ? small : r;
}

static inline float kd_sigmoidf(float x) { return 1.0f / (1.0f + kd_expf(-x)); }

KD_CLONES void kd_exp(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = kd_expf(x[i]);
}

void kd_log(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = logf(x[i]);
}

KD_CLONES void kd_tanh(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = kd_tanhf(x[i]);
}

KD_CLONES void kd_erf(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = kd_erff(x[i]);
}

#define KD_SQRT1_2 0.70710678118654752f
#define KD_INV_SQRT_2PI 0.39894228040143268f
#define KD_SQRT_2_PI 0.79788456080286536f

KD_CLONES void kd_gelu_forward(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + kd_erff(x[i] * KD_SQRT1_2));
}

KD_CLONES void kd_gelu_backward(const float *x, const float *g, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float cdf = 0.5f * (1.0f + kd_erff(v * KD_SQRT1_2));
        float pdf = KD_INV_SQRT_2PI * kd_expf(-0.5f * v * v);
        dx[i] = g[i] * (cdf + v * pdf);
    }
}

KD_CLONES void kd_gelu_forward_derivative(float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float e = kd_erff(v * KD_SQRT1_2);
        y[i] = 0.5f * v * (1.0f + e);
        float cdf = 0.5f * (1.0f + e);
        float pdf = KD_INV_SQRT_2PI * kd_expf(-0.5f * v * v);
        x[i] = cdf + v * pdf;
    }
}

KD_CLONES void kd_mul(const float *a, const float *b, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = a[i] * b[i];
}

KD_CLONES void kd_gelu_tanh_forward(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        y[i] = 0.5f * v * (1.0f + kd_tanhf(KD_SQRT_2_PI * (v + 0.044715f * v * v * v)));
    }
}

KD_CLONES void kd_gelu_tanh_backward(const float *x, const float *g, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float t = kd_tanhf(KD_SQRT_2_PI * (v + 0.044715f * v * v * v));
        float d = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * KD_SQRT_2_PI * (1.0f + 3.0f * 0.044715f * v * v);
        dx[i] = g[i] * d;
    }
}

KD_CLONES void kd_silu_forward(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] * kd_sigmoidf(x[i]);
}

KD_CLONES void kd_silu_backward(const float *x, const float *g, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float s = kd_sigmoidf(x[i]);
        dx[i] = g[i] * s * (1.0f + x[i] * (1.0f - s));
    }
}

// Row maximum and row sums use 8 running lanes (combined in a fixed order at the end), so the
// loops vectorise without -ffast-math and give the same bits on every run.
#define KD_LANES 8

static inline float kd_row_max(const float *x, size_t n) {
    float lanes[KD_LANES];
    for (int k = 0; k < KD_LANES; k++) lanes[k] = -INFINITY;
    size_t j = 0;
    for (; j + KD_LANES <= n; j += KD_LANES)
        for (int k = 0; k < KD_LANES; k++) lanes[k] = fmaxf(lanes[k], x[j + k]);
    float peak = -INFINITY;
    for (int k = 0; k < KD_LANES; k++) peak = fmaxf(peak, lanes[k]);
    for (; j < n; j++) peak = fmaxf(peak, x[j]);
    return peak;
}

static inline float kd_row_sum(const float *x, size_t n) {
    float lanes[KD_LANES] = {0};
    size_t j = 0;
    for (; j + KD_LANES <= n; j += KD_LANES)
        for (int k = 0; k < KD_LANES; k++) lanes[k] += x[j + k];
    float total = 0;
    for (int k = 0; k < KD_LANES; k++) total += lanes[k];
    for (; j < n; j++) total += x[j];
    return total;
}

KD_CLONES void kd_softmax_rows(const float *x, float *y, size_t rows, size_t columns) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * columns;
        float *yr = y + r * columns;
        float peak = kd_row_max(xr, columns);
        for (size_t j = 0; j < columns; j++) yr[j] = kd_expf(xr[j] - peak);
        float scale = 1.0f / kd_row_sum(yr, columns);
        for (size_t j = 0; j < columns; j++) yr[j] *= scale;
    }
}

KD_CLONES void kd_log_softmax_rows(const float *x, float *y, size_t rows, size_t columns) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * columns;
        float *yr = y + r * columns;
        float peak = kd_row_max(xr, columns);
        // The exponentials go to a stack block, so that y may alias x.
        float total = 0;
        for (size_t j = 0; j < columns; j += 256) {
            float block[256];
            size_t m = columns - j < 256 ? columns - j : 256;
            for (size_t k = 0; k < m; k++) block[k] = kd_expf(xr[j + k] - peak);
            total += kd_row_sum(block, m);
        }
        float shift = peak + logf(total);
        for (size_t j = 0; j < columns; j++) yr[j] = xr[j] - shift;
    }
}

// One loop per (op, stride pattern), so each vectorises.
#define KD_BINARY_LOOPS(EXPR)                                                            \
    if (sx == 1 && sy == 1) { for (size_t i = 0; i < n; i++) { float a = x[i], b = y[i]; out[i] = EXPR; } } \
    else if (sx == 1) { float b = y[0]; for (size_t i = 0; i < n; i++) { float a = x[i]; out[i] = EXPR; } } \
    else if (sy == 1) { float a = x[0]; for (size_t i = 0; i < n; i++) { float b = y[i]; out[i] = EXPR; } } \
    else { float a = x[0], b = y[0]; for (size_t i = 0; i < n; i++) out[i] = EXPR; }

KD_CLONES void kd_binary(int op, const float *x, size_t sx, const float *y, size_t sy, float *out, size_t n) {
    switch (op) {
    case KD_ADD: KD_BINARY_LOOPS(a + b) break;
    case KD_SUB: KD_BINARY_LOOPS(a - b) break;
    case KD_MUL: KD_BINARY_LOOPS(a * b) break;
    default: KD_BINARY_LOOPS(a / b) break;
    }
}

// Inference kernels: fusions the forward pass of a deployed model uses.

KD_CLONES_V4 void kd_masked_softmax_rows(float *x, const float *mask, float scale, size_t rows, size_t columns) {
    for (size_t r = 0; r < rows; r++) {
        float *xr = x + r * columns;
        if (scale != 1.0f) for (size_t j = 0; j < columns; j++) xr[j] *= scale;
        if (mask) for (size_t j = 0; j < columns; j++) xr[j] += mask[j];
        float peak = kd_row_max(xr, columns);
        for (size_t j = 0; j < columns; j++) xr[j] = kd_expf(xr[j] - peak);
        float inverse = 1.0f / kd_row_sum(xr, columns);
        for (size_t j = 0; j < columns; j++) xr[j] *= inverse;
    }
}

KD_CLONES_V4 void kd_add_layer_norm(const float *x, const float *bias, const float *residual, const float *gamma,
                                 const float *beta, float *y, size_t rows, size_t columns, float eps) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * columns;
        const float *rr = residual ? residual + r * columns : NULL;
        float *yr = y + r * columns;
        float sum = 0;
        for (size_t j = 0; j < columns; j++) {
            float v = xr[j] + (bias ? bias[j] : 0.0f) + (rr ? rr[j] : 0.0f);
            yr[j] = v;
            sum += v;
        }
        float mu = sum / (float)columns;
        float squares = 0;
        for (size_t j = 0; j < columns; j++) {
            float d = yr[j] - mu;
            squares += d * d;
        }
        float inverse = 1.0f / sqrtf(squares / (float)columns + eps);
        for (size_t j = 0; j < columns; j++) yr[j] = (yr[j] - mu) * inverse * gamma[j] + beta[j];
    }
}

// In place: one pointer, so the loop vectorises (a vectoriser's overlap check fails when y == x).
static inline __attribute__((always_inline)) void kd_activate(int kind, float *x, size_t n) {
    switch (kind) {
    case KD_GELU:
        for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + kd_erff(x[i] * KD_SQRT1_2));
        break;
    case KD_GELU_TANH:
        for (size_t i = 0; i < n; i++) {
            float v = x[i];
            x[i] = 0.5f * v * (1.0f + kd_tanhf(KD_SQRT_2_PI * (v + 0.044715f * v * v * v)));
        }
        break;
    case KD_RELU:
        for (size_t i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] : 0;
        break;
    case KD_SILU:
        for (size_t i = 0; i < n; i++) x[i] = x[i] * kd_sigmoidf(x[i]);
        break;
    }
}

KD_CLONES_V4 void kd_bias_activation_rows(int kind, float *x, const float *bias, size_t rows, size_t columns) {
    for (size_t r = 0; r < rows; r++) {
        float *xr = x + r * columns;
        for (size_t j = 0; j < columns; j++) xr[j] += bias[j];
        kd_activate(kind, xr, columns);
    }
}

// Optimiser kernels: memory-bound passes over a parameter, its gradient and its moments.

KD_CLONES double kd_sum_squares(const float *x, size_t n) {
    double lanes[KD_LANES] = {0};
    size_t j = 0;
    for (; j + KD_LANES <= n; j += KD_LANES)
        for (int k = 0; k < KD_LANES; k++) lanes[k] += (double)x[j + k] * (double)x[j + k];
    double total = 0;
    for (int k = 0; k < KD_LANES; k++) total += lanes[k];
    for (; j < n; j++) total += (double)x[j] * (double)x[j];
    return total;
}

KD_CLONES void kd_adamw(float *theta, const float *g, float *m, float *v, size_t n, float scale, float beta1,
                        float beta2, float step_size, float inverse_root2, float eps, float decay) {
    const float c1 = 1.0f - beta1, c2 = 1.0f - beta2;
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] * scale;
        float mi = beta1 * m[i] + c1 * gi;
        float vi = beta2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        theta[i] = theta[i] * decay - step_size * mi / (sqrtf(vi) * inverse_root2 + eps);
    }
}

// Marks the rows of a [rows, columns] matrix holding any element other than ±0: touched[r] = 1 or 0.
typedef uint32_t __attribute__((may_alias)) kd_float_bits;

KD_CLONES void kd_nonzero_rows(const float *x, size_t rows, size_t columns, uint8_t *touched) {
    for (size_t r = 0; r < rows; r++) {
        const kd_float_bits *row = (const kd_float_bits *)(x + r * columns);
        uint32_t bits = 0;
        for (size_t j = 0; j < columns; j++) bits |= row[j] & 0x7fffffffu;
        touched[r] = bits != 0;
    }
}

// Dropout: RandomGenerator's stream (SplitMix64 over a counter) in C, so that the mask is drawn
// in wide vectors and never stored: the backward draws it again.
static inline uint64_t kd_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

KD_CLONES_V4 void kd_dropout(const float *x, float *y, size_t n, uint64_t seed, uint64_t start, float p) {
    const uint64_t base = kd_mix64(seed);
    const float threshold = p * 16777216.0f;  // u < p  ⇔  (bits >> 40) < p · 2^24, exactly
    const float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        uint64_t bits = kd_mix64(base + (start + i + 1) * 0x9E3779B97F4A7C15ull);
        float u = (float)(int32_t)(bits >> 40);
        y[i] = x[i] * (u < threshold ? 0.0f : keep);
    }
}

// Softmax backward per row: dx = y ⊙ (g − Σ g⊙y), the dot product in 8 lanes (fixed order).
KD_CLONES void kd_softmax_backward_rows(const float *y, const float *g, float *dx, size_t rows, size_t columns) {
    for (size_t r = 0; r < rows; r++) {
        const float *yr = y + r * columns, *gr = g + r * columns;
        float *dr = dx + r * columns;
        float lanes[KD_LANES] = {0};
        size_t j = 0;
        for (; j + KD_LANES <= columns; j += KD_LANES)
            for (int k = 0; k < KD_LANES; k++) lanes[k] += gr[j + k] * yr[j + k];
        float dot = 0;
        for (int k = 0; k < KD_LANES; k++) dot += lanes[k];
        for (; j < columns; j++) dot += gr[j] * yr[j];
        for (j = 0; j < columns; j++) dr[j] = yr[j] * (gr[j] - dot);
    }
}
