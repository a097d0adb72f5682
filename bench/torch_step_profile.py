#!/usr/bin/env python3
"""Where PyTorch's training step goes: its matrix products against everything else, beside KDNAS's profile.

    .venv-ref/bin/python bench/torch_step_profile.py [--shape 6L/384H/12A/1536F] [--seq 32] [--steps 5] [--threads 2]

The step is bench/bert.py's (BertForSequenceClassification, batch 32, random tokens, dropout on,
cross-entropy, backward, clipping at norm 1, AdamW), timed under torch.profiler on CPU. The table
gives each op family's self time per step, the products (addmm, mm, bmm, matmul, linear and their
backwards) summed apart: KDNAS's "linear" and attention product rows are the same work. Then, the
same step through `kdnas throughput --profile` in the same run, so the two profiles can be read
side by side: a training step cannot be cheaper than its matrix products, so the products' time
bounds the ratio of the two steps.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import torch
import transformers
from torch.profiler import ProfilerActivity, profile
from transformers import BertForSequenceClassification

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert import ROOT, SHAPES  # noqa: E402

PRODUCTS = ("addmm", "mm", "bmm", "matmul", "linear", "baddbmm")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", default="6L/384H/12A/1536F", choices=list(SHAPES))
    parser.add_argument("--seq", type=int, default=32)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--kdnas", default=os.environ.get("KDNAS", os.path.join(ROOT, ".build/release/kdnas")))
    args = parser.parse_args()
    transformers.logging.set_verbosity_error()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = transformers.BertConfig(**SHAPES[args.shape])
    model = BertForSequenceClassification(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.01)
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(0, config.vocab_size, (args.batch, args.seq), generator=generator)
    labels = torch.randint(0, 2, (args.batch,), generator=generator)

    def step():
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    step()  # warm-up: AdamW's state, allocator
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    plain = (time.perf_counter() - start) * 1e3 / args.steps
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(args.steps):
            step()
    rows = []
    for event in prof.key_averages():
        rows.append((event.key, event.self_cpu_time_total / 1e3 / args.steps, event.count // args.steps))
    rows.sort(key=lambda r: -r[1])
    total = sum(r[1] for r in rows)
    products = sum(r[1] for r in rows if any(r[0].startswith(f"aten::{p}") for p in PRODUCTS)
                   or "mkldnn" in r[0] or "gemm" in r[0].lower())
    print(f"# PyTorch {torch.__version__}, {args.shape}, batch {args.batch} × seq {args.seq}, {args.threads} threads")
    print(f"step without the profiler: {plain:.1f} ms; profiled self time per step: {total:.1f} ms")
    print(f"matrix products (self time): {products:.1f} ms per step ({products / total:.0%} of the profiled step)\n")
    print("| op | ms / step | calls / step |")
    print("| --- | ---: | ---: |")
    for name, ms, calls in rows[:25]:
        print(f"| {name} | {ms:.2f} | {calls} |")
    print(f"\n# kdnas throughput --profile, the same shape, batch and length, {args.threads} threads\n")
    with tempfile.TemporaryDirectory(prefix="kdnas-profile-") as folder:
        config_path = os.path.join(folder, "config.json")
        config.to_json_file(config_path)
        out = subprocess.run([args.kdnas, "throughput", "--config", config_path, "--batch", str(args.batch), "--seq",
                              str(args.seq), "--steps", str(args.steps), "--threads", str(args.threads), "--profile"],
                             check=True, capture_output=True, text=True)
    print(out.stdout + out.stderr)


if __name__ == "__main__":
    main()
