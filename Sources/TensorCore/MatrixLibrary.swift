import COneDNN

/// Which library KDNAS's matrix products run on, chosen at run time.
///
/// oneDNN's sgemm (Debian's libdnnl2, loaded with dlopen) measured faster than OpenBLAS 0.3.21's on
/// the forward and input-gradient products of training and inference, and slower on the weight
/// gradients Aᵀ·B (bench/blas.sh, AVX-512 and AVX2 kernels alike): `automatic`, the default, runs
/// every product whose A is transposed (weight gradients, attention's dK and dV) on OpenBLAS and the
/// rest on oneDNN. OpenBLAS, which KDNAS links, serves everything where oneDNN is not
/// installed. `KDNAS_BLAS` or `--blas` names a choice instead.
public enum MatrixLibrary: String, CaseIterable, Sendable {
    /// oneDNN for every product but Aᵀ·B, which OpenBLAS runs; OpenBLAS alone without oneDNN.
    case automatic = "auto"
    case openBLAS = "openblas"
    case oneDNN = "onednn"

    /// Whether oneDNN's library loads here (libdnnl.so.2).
    public static var oneDNNIsInstalled: Bool { kd_onednn_load() == 1 }

    /// A library that was asked for and cannot be loaded.
    public struct Unavailable: Error, CustomStringConvertible {
        public let library: MatrixLibrary
        public var description: String {
            "matrix library \(library.rawValue): libdnnl.so.2 cannot be loaded; install Debian's libdnnl2 "
                + "(apt-get install libdnnl2) or choose openblas or auto"
        }
    }
}
