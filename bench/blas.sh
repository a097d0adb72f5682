#!/usr/bin/env bash
# OpenBLAS against BLIS and oneDNN on the matrix products of training and inference, one run.
#
#     bench/blas.sh [--rounds 5] [--threads 2]
#
# Installs Debian's libblis-serial-dev and libdnnl-dev when missing (KDNAS itself links OpenBLAS
# only), builds bench/blas.c and prints each product's best median per library, in GFLOP/s, with
# the ratio to OpenBLAS (above 1: faster than OpenBLAS). See bench/blas.c for the method.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[[ -f /usr/lib/x86_64-linux-gnu/blis-serial/libblis.so.4 ]] || missing+=(libblis-serial-dev)
[[ -f /usr/include/oneapi/dnnl/dnnl.h ]] || missing+=(libdnnl-dev)
pkg-config --exists openblas 2>/dev/null || missing+=(libopenblas-dev pkg-config)
if [[ ${#missing[@]} -gt 0 ]]; then
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
    echo "blas: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The core KDNAS asks OpenBLAS for where OpenBLAS 0.3.21 does not know the processor (Engine.blasCoreReplacement).
flags=$(grep -m1 '^flags' /proc/cpuinfo)
if [[ $flags =~ avx512f && $flags =~ avx512bw && $flags =~ avx512dq && $flags =~ avx512vl ]]; then
    export KDNAS_BENCH_CORE=${KDNAS_BENCH_CORE:-SkylakeX}
elif [[ $flags =~ avx2 && $flags =~ fma ]]; then
    export KDNAS_BENCH_CORE=${KDNAS_BENCH_CORE:-Haswell}
fi

binary=$(mktemp -d)/blas
gcc -O2 -fopenmp bench/blas.c -o "$binary" -ldl
"$binary" "$@" | tee "${BLAS_JSON:-/dev/null}" | python3 -c '
import json, sys
rows = [json.loads(line) for line in sys.stdin]
cases = list(dict.fromkeys(r["case"] for r in rows))
by = {(r["case"], r["library"]): r for r in rows}
threads = rows[0]["threads"]
print(f"{threads} threads; GFLOP/s (best median); ratio = library GFLOP/s / OpenBLAS GFLOP/s")
print(f"| product | OpenBLAS | BLIS | oneDNN | BLIS/OpenBLAS | oneDNN/OpenBLAS |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for case in cases:
    o, b, d = (by[(case, lib)]["gflops"] for lib in ("OpenBLAS", "BLIS", "oneDNN"))
    print(f"| {case} | {o:.1f} | {b:.1f} | {d:.1f} | {b / o:.2f} | {d / o:.2f} |")
'
