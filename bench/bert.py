#!/usr/bin/env python3
"""A BERT classifier's training step and inference: KDNAS against transformers + PyTorch, one run.

    .venv-ref/bin/python bench/bert.py [--rounds 3] [--steps 5] [--threads 2] [--blas onednn,openblas]

Models: BertForSequenceClassification, 4L/256H/4A/1024F and 6L/384H/12A/1536F (MiniLM-L6's
shape), 2 labels, random weights. Training step: forward (dropout on), cross-entropy, backward,
clipping at norm 1, AdamW, at batch 32 and sequence 32, 64 and 128, on random tokens; KDNAS
through `kdnas throughput` (once per matrix library in --blas). Inference: eval mode, no gradients,
batch 1 and 32, sequence 128; KDNAS through `kdnas-bench infer` (ONNX Runtime: bench/latency.py).
Both sides use the same thread count; rounds alternate between them and each side keeps its best
median. Ratio = KDNAS time / PyTorch time (below 1: KDNAS is faster).
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
COMMON = {"num_labels": 2, "vocab_size": 30522, "max_position_embeddings": 512}
SHAPES = {
    "4L/256H/4A/1024F": dict(COMMON, hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024),
    "6L/384H/12A/1536F": dict(COMMON, hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536),
}
TRAIN_LENGTHS = (32, 64, 128)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def torch_train_step_ms(model, steps, batch=32, seq=128):
    vocab = model.config.vocab_size
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.01)
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(0, vocab, (batch, seq), generator=generator)
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
    ids = torch.randint(0, model.config.vocab_size, (batch, seq), generator=torch.Generator().manual_seed(1))
    times = []
    with torch.inference_mode():
        for step in range(repeats + 2):
            start = time.perf_counter()
            model(input_ids=ids)
            if step > 1:
                times.append((time.perf_counter() - start) * 1e3)
    return median(times)


def run_json(command, env=None):
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--blas", default="onednn,openblas", help="KDNAS's matrix libraries to measure (KDNAS_BLAS)")
    parser.add_argument("--kdnas", default=None,
                        help="kdnas binaries to compare in the same run, as LABEL=PATH,LABEL=PATH "
                             "(default: $KDNAS or this checkout's release build); with several, training steps only "
                             "(inference runs this checkout's kdnas-bench)")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated subset of the shapes")
    parser.add_argument("--no-infer", action="store_true", help="training steps only")
    args = parser.parse_args()
    transformers.logging.set_verbosity_error()
    torch.set_num_threads(args.threads)
    libraries = args.blas.split(",")
    shapes = args.shapes.split(",")

    for product in ("kdnas", "kdnas-bench"):
        subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    kdnas = os.environ.get("KDNAS", os.path.join(ROOT, ".build", "release", "kdnas"))
    binaries = dict(item.split("=", 1) for item in args.kdnas.split(",")) if args.kdnas else {"": kdnas}
    columns = [(label, library) for label in binaries for library in libraries]
    bench = os.path.join(ROOT, ".build", "release", "kdnas-bench")
    folder = tempfile.mkdtemp(prefix="kdnas-bench-")
    best = {}

    def keep(key, value):
        best[key] = min(best.get(key, float("inf")), value)

    def env(library):
        return dict(os.environ, KDNAS_BLAS=library)

    models = {}
    for shape in shapes:
        path = os.path.join(folder, shape.replace("/", "-") + ".json")
        with open(path, "w") as f:
            json.dump(SHAPES[shape], f)
        models[shape] = (path, BertForSequenceClassification(BertConfig(**SHAPES[shape])))
    attention = next(iter(models.values()))[1].config._attn_implementation

    for _ in range(args.rounds):
        for shape, (path, model) in models.items():
            for seq in TRAIN_LENGTHS:
                for label, library in columns:
                    result = run_json([binaries[label], "throughput", "--config", path, "--batch", "32", "--seq", str(seq),
                                       "--steps", str(args.steps), "--threads", str(args.threads), "--json"], env(library))
                    keep((shape, f"train s{seq}", (label, library)), result["median_ms"])
                keep((shape, f"train s{seq}", "torch"), torch_train_step_ms(model, args.steps, seq=seq))
            if args.no_infer:
                continue
            for batch in (1, 32):
                for library in libraries:
                    if len(binaries) > 1:
                        break
                    result = run_json([bench, "infer", "--config", path, "--batch", str(batch), "--seq", "128",
                                       "--repeats", str(args.repeats), "--threads", str(args.threads)], env(library))
                    keep((shape, f"infer b{batch} s128", (next(iter(binaries)), library)), result["median_ms"])
                keep((shape, f"infer b{batch} s128", "torch"), torch_infer_ms(model, batch, args.repeats))

    print(f"torch {torch.__version__}, transformers {transformers.__version__} (attention: {attention}), "
          f"{args.threads} threads, best of {args.rounds} rounds; training at batch 32")
    header = "".join(f" | KDNAS {label + ' ' if label else ''}{library} ms | ratio" for label, library in columns)
    print(f"| shape | measurement{header} | PyTorch ms |")
    print("| --- | ---" + " | ---: | ---:" * len(columns) + " | ---: |")
    for (shape, measurement) in dict.fromkeys((k[0], k[1]) for k in best):
        theirs = best[(shape, measurement, "torch")]
        ours = [best.get((shape, measurement, column)) for column in columns]
        cells = "".join(f" | {value:.1f} | {value / theirs:.2f}" if value else " | – | –" for value in ours)
        print(f"| {shape} | {measurement}{cells} | {theirs:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
