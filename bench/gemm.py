#!/usr/bin/env python3
"""GEMM through the KDNAS engine against NumPy's matmul, in one run, on the shapes of issue 2.

    python3 bench/gemm.py [--rounds 3] [--repeats 20] [--threads 2]

Builds kdnas-bench in release mode, then alternates rounds of the Swift engine and NumPy
(so that drift on a shared machine hits both) and keeps each side's best median per shape.
Prints GFLOP/s and the ratio engine / NumPy (above 1: the engine is faster).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (name, batch, m, n, k, transposeA, transposeB): the same list as bench/KDNASBench/main.swift.
CASES = [
    ("4096x256 . 256x1024", 1, 4096, 1024, 256, False, False),
    ("4096x1024 . 1024x256", 1, 4096, 256, 1024, False, False),
    ("4096x384 . 384x1536", 1, 4096, 1536, 384, False, False),
    ("attention 128 x (128x64 . 64x128)", 128, 128, 128, 64, False, False),
    ("attention 128 x (128x64 . (128x64)T)", 128, 128, 128, 64, False, True),
    ("attention 128 x (128x128 . 128x64)", 128, 128, 64, 128, False, False),
    ("attention 128 x ((128x128)T . 128x64)", 128, 128, 64, 128, True, False),
]
LARGE = {c[0] for c in CASES[:3]}


def numpy_round(repeats):
    rng = np.random.default_rng(0)
    results = {}
    for name, batch, m, n, k, ta, tb in CASES:
        lead = () if batch == 1 else (batch,)
        a = rng.standard_normal(lead + ((k, m) if ta else (m, k)), dtype=np.float32)
        b = rng.standard_normal(lead + ((n, k) if tb else (k, n)), dtype=np.float32)
        op_a = np.swapaxes(a, -1, -2) if ta else a
        op_b = np.swapaxes(b, -1, -2) if tb else b
        for _ in range(2):
            np.matmul(op_a, op_b)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            np.matmul(op_a, op_b)
            times.append((time.perf_counter() - start) * 1e3)
        results[name] = sorted(times)[len(times) // 2]
    return results


def swift_round(binary, repeats, threads):
    out = subprocess.run([binary, "gemm", "--repeats", str(repeats), "--threads", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {r["name"]: r["median_ms"] for r in rows}, rows[0]["blas"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()

    subprocess.run(["swift", "build", "-c", "release", "--product", "kdnas-bench"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    binary = os.path.join(ROOT, ".build", "release", "kdnas-bench")
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
        threadpool_limits(args.threads)
        numpy_blas = "; ".join(f"{i['internal_api']} {i['version']} {i.get('architecture', '')} {i['num_threads']} threads"
                               for i in threadpool_info())
    except ImportError:
        numpy_blas = f"NumPy {np.__version__} (threadpoolctl not installed; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})"

    best_swift, best_numpy = {}, {}
    for _ in range(args.rounds):
        swift, swift_blas = swift_round(binary, args.repeats, args.threads)
        reference = numpy_round(args.repeats)
        for name in swift:
            best_swift[name] = min(best_swift.get(name, float("inf")), swift[name])
            best_numpy[name] = min(best_numpy.get(name, float("inf")), reference[name])

    print(f"engine: {swift_blas}")
    print(f"numpy:  {numpy_blas}")
    print(f"threads {args.threads}, best of {args.rounds} rounds of the median of {args.repeats} runs\n")
    print(f"{'shape':40} {'engine GFLOP/s':>15} {'numpy GFLOP/s':>14} {'ratio':>7}")
    ratios = []
    for name, batch, m, n, k, _, _ in CASES:
        flops = 2 * batch * m * n * k
        ours, theirs = flops / (best_swift[name] * 1e6), flops / (best_numpy[name] * 1e6)
        ratio = best_numpy[name] / best_swift[name]
        if name in LARGE:
            ratios.append(ratio)
        print(f"{name:40} {ours:15.1f} {theirs:14.1f} {ratio:7.2f}")
    print(f"\nlarge shapes: min ratio {min(ratios):.2f} (target >= 0.95)")


if __name__ == "__main__":
    sys.exit(main())
