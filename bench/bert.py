#!/usr/bin/env python3
"""A BERT classifier's training step and inference: KDNAS against transformers + PyTorch, one run.

    .venv-ref/bin/python bench/bert.py [--rounds 3] [--steps 5] [--threads 2]

Model: BertForSequenceClassification, 4 layers, hidden 256, 4 heads, FFN 1024, 2 labels, random
weights. Training step: forward (dropout on), cross-entropy, backward, clipping at norm 1, AdamW, at batch 32 and
sequence 128, on random tokens; KDNAS through `kdnas throughput`. Inference: eval mode, no
gradients, batch 1 and 32, sequence 128; KDNAS through `kdnas-bench infer`. Both sides use the
same thread count; rounds alternate between them and each side keeps its best median.
Ratio = KDNAS time / PyTorch time (below 1: KDNAS is faster).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import torch
import transformers
from transformers import BertConfig, BertForSequenceClassification

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = {"hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 1024,
          "num_labels": 2, "vocab_size": 30522, "max_position_embeddings": 512}


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def torch_train_step_ms(model, steps, batch=32, seq=128):
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.01)
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(0, CONFIG["vocab_size"], (batch, seq), generator=generator)
    labels = torch.randint(0, 2, (batch,), generator=generator)
    times = []
    for step in range(steps + 1):
        start = time.perf_counter()
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step > 0:
            times.append((time.perf_counter() - start) * 1e3)
    return median(times)


def torch_infer_ms(model, batch, repeats, seq=128):
    model.eval()
    ids = torch.randint(0, CONFIG["vocab_size"], (batch, seq), generator=torch.Generator().manual_seed(1))
    times = []
    with torch.inference_mode():
        for step in range(repeats + 2):
            start = time.perf_counter()
            model(input_ids=ids)
            if step > 1:
                times.append((time.perf_counter() - start) * 1e3)
    return median(times)


def run_json(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    transformers.logging.set_verbosity_error()
    torch.set_num_threads(args.threads)

    subprocess.run(["swift", "build", "-c", "release", "--product", "kdnas"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["swift", "build", "-c", "release", "--product", "kdnas-bench"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    kdnas = os.path.join(ROOT, ".build", "release", "kdnas")
    bench = os.path.join(ROOT, ".build", "release", "kdnas-bench")
    config_path = os.path.join(tempfile.mkdtemp(prefix="kdnas-bench-"), "config.json")
    with open(config_path, "w") as f:
        json.dump(CONFIG, f)
    model = BertForSequenceClassification(BertConfig(**CONFIG))
    attention = model.config._attn_implementation

    best = {}

    def keep(key, value):
        best[key] = min(best.get(key, float("inf")), value)

    for _ in range(args.rounds):
        result = run_json([kdnas, "throughput", "--config", config_path, "--batch", "32", "--seq", "128",
                           "--steps", str(args.steps), "--threads", str(args.threads), "--json"])
        keep(("train", "kdnas"), result["median_ms"])
        keep(("train", "torch"), torch_train_step_ms(model, args.steps))
        for batch in (1, 32):
            result = run_json([bench, "infer", "--config", config_path, "--batch", str(batch), "--seq", "128",
                               "--repeats", str(args.repeats), "--threads", str(args.threads)])
            keep((f"infer {batch}", "kdnas"), result["median_ms"])
            keep((f"infer {batch}", "torch"), torch_infer_ms(model, batch, args.repeats))

    print(f"torch {torch.__version__}, transformers {transformers.__version__} (attention: {attention}), "
          f"{args.threads} threads, best of {args.rounds} rounds")
    print(f"{'measurement':44} {'KDNAS ms':>10} {'PyTorch ms':>11} {'ratio':>7}")
    labels = {"train": "training step, batch 32, seq 128", "infer 1": "inference, batch 1, seq 128",
              "infer 32": "inference, batch 32, seq 128"}
    for key, label in labels.items():
        ours, theirs = best[(key, "kdnas")], best[(key, "torch")]
        print(f"{label:44} {ours:10.1f} {theirs:11.1f} {ours / theirs:7.2f}")


if __name__ == "__main__":
    sys.exit(main())
