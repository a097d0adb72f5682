// One attention head of one sequence for inference: see include/CKernels.h (kd_attention_head).
//
// Both products run on packed_gemm.c's tile loops: K is packed as the weight of Q·Kᵀ (its rows are the
// product's columns) and V as the right operand of P·V, each into the caller's scratch, so that a head's two
// products cost two small packings and no library call (oneDNN's sgemm spent more in its per-call set-up
// than in the arithmetic at 32 tokens and 32 dimensions).
#include "CKernels.h"
#include "packed_tiles.h"

size_t kd_attention_head_scratch(size_t t, size_t d) { return t * t + kd_panels(t) * PANEL * d + kd_panels(d) * PANEL * t; }

void kd_attention_head(const float *q, const float *k, const float *v, size_t ld, const float *mask, size_t t, size_t d,
                       float scale, float *scratch, float *context, size_t ldc) {
    if (t == 0 || d == 0) return;
    float *scores = scratch, *keys = scores + t * t, *values = keys + kd_panels(t) * PANEL * d;
    kd_tiles_fn tiles = kd_tiles_function();
    // scores [t, t] = Q Kᵀ, then scaled, masked and normalised row by row.
    kd_pack_bt(k, t, d, ld, keys);
    kd_tiles qk = {q, ld, t, d, keys, t, 0, kd_panels(t), NULL, scores, t};
    tiles(&qk);
    kd_masked_softmax_rows(scores, mask, scale, t, t);
    // context [t, d] = P V
    kd_pack_b(v, t, d, ld, values);
    kd_tiles pv = {scores, t, t, t, values, d, 0, kd_panels(d), NULL, context, ldc};
    tiles(&pv);
}
