// The tile loops of packed_gemm.c, shared with attention_head.c (not part of the module's interface).
#ifndef KDNAS_PACKED_TILES_H
#define KDNAS_PACKED_TILES_H

#include <stddef.h>

/// Panel width (columns of the product per panel) and rows per tile.
enum { PANEL = 16, ROWS = 6 };

/// The panels that hold n columns.
static inline size_t kd_panels(size_t n) { return (n + PANEL - 1) / PANEL; }

// The tile loop's arguments: rows [0, m) of A (row stride lda), panels [first, last) of packed W, C with row
// stride ldc (columns past n are never written), the bias [n] or NULL.
typedef struct {
    const float *a;
    size_t lda, m, k;
    const float *w;
    size_t n, first, last;
    const float *bias;
    float *c;
    size_t ldc;
} kd_tiles;

typedef void (*kd_tiles_fn)(const kd_tiles *);

/// The tile loop this CPU runs best (or the one `kd_packed_gemm_use` chose).
kd_tiles_fn kd_tiles_function(void);

/// Packs W [n, k] with row stride ldw into panels of 16 rows, as `kd_pack_weight` (which is ldw = k).
void kd_pack_bt(const float *w, size_t n, size_t k, size_t ldw, float *packed);
/// Packs B [k, n] with row stride ldb (the product A·B, B not transposed) into the same panels: panel p holds,
/// for each l < k, B[l][16p + c] for c < 16, zero past n.
void kd_pack_b(const float *b, size_t k, size_t n, size_t ldb, float *packed);

#endif
