#!/usr/bin/env python3
"""Inference latency: KDNAS's inference session against PyTorch (transformers) and ONNX Runtime, one run.

    .venv-ref/bin/python bench/latency.py [--rounds 3] [--runs 30] [--threads 2]

Models (random weights, 2 labels): 4L/256H/4A/1024F and 6L/384H/12A/1536F (MiniLM-L6's shape).
Each is measured at batch 1 and 32, sequence 32 and 128, with the same threads on every side:
KDNAS through `kdnas latency --config … --json` (median of --runs after 3 warm-up runs);
PyTorch in eval mode under inference_mode (transformers' default attention); ONNX Runtime on the
same PyTorch model exported with torch.onnx.export (opset 17, all graph optimisations,
intra-op threads = --threads, inter-op 1, sequential execution). Rounds alternate between the
three sides and each keeps its best median: the machine is shared, absolute times drift.
Ratio < 1: KDNAS is faster.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
import torch
import transformers
from transformers import BertConfig, BertForSequenceClassification

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPES = {
    "4L/256H/4A/1024F": dict(num_hidden_layers=4, hidden_size=256, num_attention_heads=4, intermediate_size=1024),
    "6L/384H/12A/1536F": dict(num_hidden_layers=6, hidden_size=384, num_attention_heads=12, intermediate_size=1536),
}
BATCHES = (1, 32)
LENGTHS = (32, 128)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def timed(call, runs, warmup=3):
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    return median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--kdnas", default=None,
                        help="kdnas binaries to compare in the same run, as LABEL=PATH,LABEL=PATH "
                             "(default: $KDNAS or this checkout's release build)")
    args = parser.parse_args()
    transformers.logging.set_verbosity_error()
    torch.set_num_threads(args.threads)
    subprocess.run(["swift", "build", "-c", "release", "--product", "kdnas"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    kdnas = os.environ.get("KDNAS", os.path.join(ROOT, ".build", "release", "kdnas"))
    binaries = dict(item.split("=", 1) for item in args.kdnas.split(",")) if args.kdnas else {"KDNAS": kdnas}
    folder = tempfile.mkdtemp(prefix="kdnas-latency-")

    sides = {}
    for name, shape in SHAPES.items():
        config = dict(shape, num_labels=2, vocab_size=30522, max_position_embeddings=512)
        path = os.path.join(folder, name.replace("/", "-") + ".json")
        with open(path, "w") as f:
            json.dump(config, f)
        model = BertForSequenceClassification(BertConfig(**config)).eval()
        onnx_path = path.replace(".json", ".onnx")
        example = torch.randint(0, 30522, (1, 128))
        torch.onnx.export(model, (example,), onnx_path, input_names=["input_ids"], output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}}, opset_version=17, dynamo=False)
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        sides[name] = (path, model, session)

    best = {}

    def keep(key, value):
        best[key] = min(best.get(key, float("inf")), value)

    for _ in range(args.rounds):
        for name, (path, model, session) in sides.items():
            for batch in BATCHES:
                for seq in LENGTHS:
                    key = (name, batch, seq)
                    for label, binary in binaries.items():
                        out = subprocess.run([binary, "latency", "--config", path, "--batch", str(batch), "--seq", str(seq),
                                              "--runs", str(args.runs), "--threads", str(args.threads), "--json"],
                                             check=True, capture_output=True, text=True).stdout
                        keep(key + (label,), json.loads(out.strip().splitlines()[-1])["median_ms"])
                    ids = torch.randint(0, 30522, (batch, seq), generator=torch.Generator().manual_seed(1))
                    with torch.inference_mode():
                        keep(key + ("torch",), timed(lambda: model(input_ids=ids), args.runs))
                    feed = {"input_ids": ids.numpy().astype(np.int64)}
                    keep(key + ("ort",), timed(lambda: session.run(None, feed), args.runs))

    print(f"torch {torch.__version__}, transformers {transformers.__version__} "
          f"(attention: {model.config._attn_implementation}), onnxruntime {ort.__version__}, "
          f"{args.threads} threads, best median of {args.rounds} rounds × {args.runs} runs")
    labels = list(binaries)
    mine = "".join(f" {label} ms |" for label in labels)
    ratios = "".join(f" {label} vs PyTorch | {label} vs ORT |" for label in labels)
    print(f"| model | batch | seq |{mine} PyTorch ms | ORT ms |{ratios}")
    print("| --- | ---: | ---: |" + " ---: |" * (3 * len(labels) + 2))
    for name in SHAPES:
        for batch in BATCHES:
            for seq in LENGTHS:
                torch_ms, ort_ms = best[(name, batch, seq, "torch")], best[(name, batch, seq, "ort")]
                ours = [best[(name, batch, seq, label)] for label in labels]
                print(f"| {name} | {batch} | {seq} |" + "".join(f" {value:.2f} |" for value in ours)
                      + f" {torch_ms:.2f} | {ort_ms:.2f} |"
                      + "".join(f" {value / torch_ms:.2f} | {value / ort_ms:.2f} |" for value in ours))


if __name__ == "__main__":
    sys.exit(main())
