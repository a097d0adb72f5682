// oneDNN's sgemm, loaded at run time: most of KDNAS's matrix products run on it where Debian's libdnnl2
// is installed (faster than OpenBLAS 0.3.21 on all but Aᵀ·B products: bench/blas.sh; see
// TensorCore's MatrixLibrary), and on OpenBLAS where it is not. Loading with dlopen keeps oneDNN out
// of the build: a binary built without it runs, and uses it, once it is installed.
#ifndef KDNAS_CONEDNN_H
#define KDNAS_CONEDNN_H

#include <stdint.h>

/// Loads libdnnl.so.2 once; returns 1 when its sgemm can be called, 0 otherwise (then nothing else
/// here may be called). Thread-safe.
int kd_onednn_load(void);

/// oneDNN's version as "major.minor.patch", or NULL before a successful load.
const char *kd_onednn_version(void);

/// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major, on the calling thread only: oneDNN's OpenMP
/// threading is set to one thread for the caller (KDNAS splits products across its own threads).
/// Returns oneDNN's status (0: success), or -1 when the library is not loaded.
int kd_onednn_sgemm(int transpose_a, int transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                    int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

#endif
