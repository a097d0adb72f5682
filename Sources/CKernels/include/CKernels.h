// Float kernels in C: element-wise math with vectorisable polynomial exp and erf, fused
// activations with their backward, row softmax, and strided binary ops.
//
// The element-wise and row kernels are compiled twice (AVX2+FMA and baseline x86-64, chosen at load
// time through target_clones; dropout and the inference session's row kernels a third time for
// AVX-512); the packed products choose their tile loop at run time. So the binary runs on any x86-64
// CPU and uses wide vectors where they exist.
// Accuracy: exp within 2 ulp; erf within 1.2e-7 absolute; tanh and sigmoid within 2e-7 absolute.
#ifndef KDNAS_CKERNELS_H
#define KDNAS_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// y[i] = exp(x[i]), and the same for the other functions.
void kd_exp(const float *x, float *y, size_t n);
void kd_log(const float *x, float *y, size_t n);
void kd_tanh(const float *x, float *y, size_t n);
void kd_erf(const float *x, float *y, size_t n);

/// GELU, erf form: y = x/2 (1 + erf(x/√2)); backward dx = g (Φ(x) + x φ(x)).
void kd_gelu_forward(const float *x, float *y, size_t n);
void kd_gelu_backward(const float *x, const float *g, float *dx, size_t n);
/// GELU's forward for a graph: y = GELU(x), and x overwritten by the derivative Φ(x) + x·φ(x) that the
/// backward multiplies the gradient by (the bits kd_gelu_backward gives: dx = g · x).
void kd_gelu_forward_derivative(float *x, float *y, size_t n);
/// y = a ⊙ b.
void kd_mul(const float *a, const float *b, float *y, size_t n);
/// GELU, tanh form (gelu_new) and its backward.
void kd_gelu_tanh_forward(const float *x, float *y, size_t n);
void kd_gelu_tanh_backward(const float *x, const float *g, float *dx, size_t n);
/// SiLU: y = x σ(x); backward dx = g σ(x)(1 + x(1 − σ(x))).
void kd_silu_forward(const float *x, float *y, size_t n);
void kd_silu_backward(const float *x, const float *g, float *dx, size_t n);

/// Softmax and log-softmax of `rows` rows of `columns` floats; y may alias x.
void kd_softmax_rows(const float *x, float *y, size_t rows, size_t columns);
void kd_log_softmax_rows(const float *x, float *y, size_t rows, size_t columns);

/// Binary ops: out[i] = x[i·sx] op y[i·sy] for i < n, strides 0 or 1.
enum kd_binary_op { KD_ADD = 0, KD_SUB = 1, KD_MUL = 2, KD_DIV = 3 };
void kd_binary(int op, const float *x, size_t sx, const float *y, size_t sy, float *out, size_t n);

/// Attention: rows of `columns` scores are multiplied by `scale` (skipped at 1), get the additive key mask
/// [columns] (may be NULL) and are replaced by their softmax, in place.
void kd_masked_softmax_rows(float *x, const float *mask, float scale, size_t rows, size_t columns);
/// Inference: y = LayerNorm(x + bias + residual) over rows of `columns` (bias [columns] and residual may be
/// NULL); y may alias x or residual.
void kd_add_layer_norm(const float *x, const float *bias, const float *residual, const float *gamma,
                       const float *beta, float *y, size_t rows, size_t columns, float eps);
/// Inference: x = activation(x + bias) for rows of `columns`, bias [columns], in place.
enum kd_activation { KD_GELU = 0, KD_GELU_TANH = 1, KD_RELU = 2, KD_SILU = 3 };
void kd_bias_activation_rows(int kind, float *x, const float *bias, size_t rows, size_t columns);

/// Products with a weight packed once (packed_gemm.c), for inference: C[m, n] = A[m, k] · W[n, k]ᵀ (+ bias).
/// W, a Linear layer's [out, in] weight, is packed once into `kd_packed_panels(n)` panels of 16 of its rows
/// (`kd_pack_weight`, `kd_packed_weight_size` floats); A is read in place (row stride lda). `kd_packed_gemm` writes C's columns of
/// panels [first_panel, last_panel) (16 columns each, clipped to n) with row stride ldc, adding bias [n] when
/// not NULL (last_panel past the weight's panels is clipped; k = 0 writes nothing); each output is the sum over
/// k in order, one fused multiply-add per term (a multiply and an add on processors without FMA). The tile loop
/// is AVX-512F, AVX2+FMA or plain C, chosen at run time (`kd_packed_gemm_kernel` names it).
size_t kd_packed_panels(size_t n);
size_t kd_packed_weight_size(size_t n, size_t k);
void kd_pack_weight(const float *w, size_t n, size_t k, float *packed);
/// Inference: one attention head of one sequence (attention_head.c) on the tile loops of `kd_packed_gemm`:
/// context[t, d] = softmax(scale · Q Kᵀ + mask) V, with Q, K and V [t, d] at row stride ld (a packed [T, 3H]
/// projection's columns), mask [t] additive (may be NULL), context at row stride ldc. `scratch` holds
/// `kd_attention_head_scratch(t, d)` floats.
size_t kd_attention_head_scratch(size_t t, size_t d);
void kd_attention_head(const float *q, const float *k, const float *v, size_t ld, const float *mask, size_t t, size_t d,
                       float scale, float *scratch, float *context, size_t ldc);
void kd_packed_gemm(const float *a, size_t lda, size_t m, size_t k, const float *packed_weight, size_t n,
                    size_t first_panel, size_t last_panel, const float *bias, float *c, size_t ldc);
const char *kd_packed_gemm_kernel(void);
/// Tests: runs the tile loop `name` ("avx512f", "avx2+fma", "generic"; NULL: the best) from now on; returns 0,
/// changing nothing, when this CPU cannot run it.
int kd_packed_gemm_use(const char *name);

/// Σ x[i]², accumulated in double over 8 lanes combined in a fixed order (the same bits on every run).
double kd_sum_squares(const float *x, size_t n);
/// One AdamW step (torch.optim.AdamW) on n elements, the gradient scaled first (clipping folded in):
/// g' = scale·g; m ← β₁m + (1−β₁)g'; v ← β₂v + (1−β₂)g'²; θ ← θ·decay − step_size·m / (√v·inverse_root2 + eps).
void kd_adamw(float *theta, const float *g, float *m, float *v, size_t n, float scale, float beta1,
              float beta2, float step_size, float inverse_root2, float eps, float decay);
/// touched[r] = 1 when row r of the [rows, columns] matrix x holds an element other than ±0, else 0
/// (the rows an embedding's gradient reached).
void kd_nonzero_rows(const float *x, size_t rows, size_t columns, uint8_t *touched);
/// Inverted dropout: y[i] = x[i] · (u_i < p ? 0 : 1/(1 − p)), u_i the uniform float at position start + i
/// of RandomGenerator's stream of `seed` (the same bits as `RandomGenerator.unitFloat(value(seed:position:))`).
/// The backward is the same call on the output's gradient. y may alias x.
void kd_dropout(const float *x, float *y, size_t n, uint64_t seed, uint64_t start, float p);

/// A spin-wait hint: lets the core's other hardware thread run and saves power while a thread watches a flag.
static inline void kd_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Softmax's backward for `rows` rows of probabilities y and output gradients g: dx = y ⊙ (g − Σ g⊙y).
void kd_softmax_backward_rows(const float *y, const float *g, float *dx, size_t rows, size_t columns);

#endif
