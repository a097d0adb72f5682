#!/usr/bin/env bash
# The inference tile loops against this processor's FMA peak and oneDNN's sgemm, one run (see bench/packed_gemm.c).
#
#     bench/packed_gemm.sh [--rounds 5]
#
# Needs clang (Swift's toolchain carries it) and Debian's libdnnl-dev (scripts/install-system.sh installs
# libdnnl2; the headers are installed here when missing). Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=$(grep -m1 '^flags' /proc/cpuinfo)
[[ $flags =~ avx2 && $flags =~ fma ]] || { echo "packed_gemm: needs a processor with AVX2 and FMA (its peak loop uses them)" >&2; exit 1; }
if [[ ! -f /usr/include/oneapi/dnnl/dnnl.h ]]; then
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
    echo "packed_gemm: installing libdnnl-dev" >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libdnnl-dev >/dev/null
fi
folder=$(mktemp -d)
trap 'rm -rf "$folder"' EXIT
binary=$folder/packed_gemm
clang -O3 -ISources/CKernels/include bench/packed_gemm.c -o "$binary" -ldnnl -lpthread -lm
OMP_NUM_THREADS=1 "$binary" "$@"
