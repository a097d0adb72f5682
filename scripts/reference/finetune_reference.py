"""PyTorch/transformers reference for `kdnas finetune`: same data split, same recipe, for comparing
dev accuracy and wall time.

Usage:

    .venv-ref/bin/python scripts/reference/finetune_reference.py [--model cache/minilm] [--epochs 3]
        [--lr 5e-5] [--batch-size 32] [--max-length 128] [--warmup-ratio 0.1] [--weight-decay 0.01]
        [--seed 42] [--threads 2] [--limit-train N] [--bucket | --no-bucket]
        [--data cache/data/rotten_tomatoes_corpus_full.csv] [--out runs/reference-finetune]

Relative paths are taken from the current directory (run it from the repo root).

Data (self-contained here; must match the Swift side exactly):
  * read the CSV (header `category,text,movie_name,has_plot_and_reviews`) and drop `plot` rows;
  * label fresh=1, rotten=0; text = the `text` field with leading/trailing whitespace stripped
    (Python `str.strip()`);
  * deduplicate by text: a text that occurs with both labels is dropped entirely, otherwise it is
    kept once;
  * h = FNV-1a 64-bit of the text's UTF-8 bytes (offset basis 0xcbf29ce484222325, prime
    0x100000001b3, mod 2^64); h % 10 in 0..7 -> train, 8 -> dev, 9 -> test;
  * within each split, order by (h, text) (text compared by its UTF-8 bytes);
  * --limit-train N keeps the first N training examples of that order.

Recipe (what KDNAS implements):
  * torch.set_num_threads(threads); torch.manual_seed(seed) before loading, then
    AutoModelForSequenceClassification.from_pretrained(model, num_labels=2, attn_implementation="eager")
    (the classifier head is newly initialised from the seeded RNG); dropout as in the config (0.1);
  * BertTokenizer from the model folder; [CLS] text [SEP], truncated to max_length (128) tokens;
    every batch is padded to its longest member (dynamic padding), token_type_ids all 0;
  * training order, epoch e (0-based): g = torch.Generator seeded with seed + e;
    perm = torch.randperm(n_train, generator=g);
      - without --bucket: batches of batch_size in perm order (last batch may be short);
      - with --bucket (default): cut perm into chunks of 50 * batch_size examples; within each
        chunk stable-sort by token length (ascending); cut each chunk into batches of batch_size
        (the last batch of a chunk may be short); then shuffle the order of all batches with
        torch.randperm(n_batches, generator=g) (same generator, continued);
  * loss: mean cross-entropy over the batch;
  * AdamW (torch.optim.AdamW, betas 0.9/0.999, eps 1e-8), weight decay 0.01 on every parameter
    except biases and LayerNorm weights (name ends in "bias" or contains "LayerNorm");
  * schedule: transformers.get_linear_schedule_with_warmup with
    total = epochs * batches_per_epoch and warmup = ceil(warmup_ratio * total) steps (linear 0 ->
    lr, then linear lr -> 0 at step total); the scheduler steps after every optimizer step;
  * gradient clipping at global L2 norm 1.0 (torch.nn.utils.clip_grad_norm_) before each step;
  * after each epoch: eval mode, dev and test in split order, batches of 64 (dynamic padding),
    accuracy = argmax(logits) == label; then back to train mode.
  * Timing: per-epoch training wall time (the training loop only; tokenisation and evaluation are
    excluded); train_seconds is their sum.

Output: the split sizes, one line per epoch, then one JSON line
{"dev_accuracy", "test_accuracy", "train_seconds", "seconds_per_epoch", "examples", ...} with the
final epoch's accuracies. The same JSON (plus per-epoch history) is written to OUT/result.json.
"""

import argparse
import csv
import json
import math
import platform
import sys
import time
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForSequenceClassification, BertTokenizer, get_linear_schedule_with_warmup

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK64 = (1 << 64) - 1
LABELS = {"fresh": 1, "rotten": 0}
BUCKET_CHUNK_BATCHES = 50
EVAL_BATCH = 64


def fnv1a64(data: bytes) -> int:
    h = FNV_OFFSET
    for byte in data:
        h ^= byte
        h = (h * FNV_PRIME) & MASK64
    return h


def load_splits(path: Path):
    """Returns {"train"|"dev"|"test": [(text, label), ...]} and counts, following the split rules."""
    labels_of = {}  # text -> set of labels
    first_seen = []  # texts in first-occurrence order (the order does not matter after sorting)
    raw = 0
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            category = row["category"]
            if category == "plot":
                continue
            if category not in LABELS:
                raise ValueError(f"unknown category {category!r}")
            raw += 1
            text = row["text"].strip()
            if text not in labels_of:
                labels_of[text] = set()
                first_seen.append(text)
            labels_of[text].add(LABELS[category])
    conflicting = sum(1 for t in first_seen if len(labels_of[t]) > 1)
    splits = {"train": [], "dev": [], "test": []}
    for text in first_seen:
        if len(labels_of[text]) > 1:
            continue
        encoded = text.encode("utf-8")
        h = fnv1a64(encoded)
        bucket = h % 10
        name = "train" if bucket <= 7 else ("dev" if bucket == 8 else "test")
        splits[name].append((h, encoded, text, next(iter(labels_of[text]))))
    for name in splits:
        splits[name].sort(key=lambda item: (item[0], item[1]))
        splits[name] = [(text, label) for _, _, text, label in splits[name]]
    stats = {"reviews": raw, "unique_texts": len(first_seen), "conflicting_dropped": conflicting}
    return splits, stats


def encode_all(tokenizer, texts, max_length):
    return [tokenizer(t, truncation=True, max_length=max_length)["input_ids"] for t in texts]


def collate(ids_list, labels, pad_id):
    longest = max(len(ids) for ids in ids_list)
    input_ids = torch.full((len(ids_list), longest), pad_id, dtype=torch.long)
    attention = torch.zeros((len(ids_list), longest), dtype=torch.long)
    for row, ids in enumerate(ids_list):
        input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        attention[row, : len(ids)] = 1
    batch = {
        "input_ids": input_ids,
        "attention_mask": attention,
        "token_type_ids": torch.zeros_like(input_ids),
    }
    return batch, (torch.tensor(labels, dtype=torch.long) if labels is not None else None)


def epoch_batches(n, lengths, batch_size, seed, epoch, bucket):
    """Index lists, one per batch, in training order for this epoch."""
    g = torch.Generator().manual_seed(seed + epoch)
    perm = torch.randperm(n, generator=g).tolist()
    if not bucket:
        return [perm[i : i + batch_size] for i in range(0, n, batch_size)]
    chunk = BUCKET_CHUNK_BATCHES * batch_size
    batches = []
    for start in range(0, n, chunk):
        part = sorted(perm[start : start + chunk], key=lambda i: lengths[i])  # stable
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    order = torch.randperm(len(batches), generator=g).tolist()
    return [batches[i] for i in order]


@torch.no_grad()
def evaluate(model, encoded, labels, pad_id):
    model.eval()
    correct = 0
    for start in range(0, len(encoded), EVAL_BATCH):
        batch, _ = collate(encoded[start : start + EVAL_BATCH], None, pad_id)
        predictions = model(**batch).logits.argmax(dim=-1).tolist()
        correct += sum(int(p == y) for p, y in zip(predictions, labels[start : start + EVAL_BATCH]))
    model.train()
    return correct / max(len(encoded), 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="cache/minilm")
    parser.add_argument("--data", default="cache/data/rotten_tomatoes_corpus_full.csv")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--warmup-ratio", type=float, default=0.1)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit-train", type=int, default=None)
    parser.add_argument("--bucket", action=argparse.BooleanOptionalAction, default=True,
                        help="length bucketing (chunks of 50 batches), as KDNAS does (default on)")
    parser.add_argument("--out", default="runs/reference-finetune")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    splits, stats = load_splits(Path(args.data))
    if args.limit_train is not None:
        splits["train"] = splits["train"][: args.limit_train]
    sizes = {name: len(items) for name, items in splits.items()}
    print(f"data: {stats['reviews']} reviews, {stats['unique_texts']} unique texts, "
          f"{stats['conflicting_dropped']} with both labels dropped")
    for name in ("train", "dev", "test"):
        positives = sum(label for _, label in splits[name])
        print(f"split {name}: {sizes[name]} ({positives} fresh, {sizes[name] - positives} rotten)")
    sys.stdout.flush()

    tokenizer = BertTokenizer.from_pretrained(args.model)
    pad_id = tokenizer.pad_token_id
    encoded = {name: encode_all(tokenizer, [t for t, _ in items], args.max_length) for name, items in splits.items()}
    labels = {name: [y for _, y in items] for name, items in splits.items()}
    lengths = [len(ids) for ids in encoded["train"]]

    torch.manual_seed(args.seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        args.model, num_labels=2, attn_implementation="eager")
    model.train()

    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(parameter)
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    n_train = sizes["train"]
    batches_per_epoch = math.ceil(n_train / args.batch_size)
    total_steps = args.epochs * batches_per_epoch
    warmup_steps = math.ceil(args.warmup_ratio * total_steps)
    scheduler = get_linear_schedule_with_warmup(optimizer, warmup_steps, total_steps)
    print(f"steps: {total_steps} ({batches_per_epoch}/epoch), warm-up {warmup_steps}, "
          f"bucket={'on' if args.bucket else 'off'}, threads={torch.get_num_threads()}")
    sys.stdout.flush()

    history, seconds_per_epoch = [], []
    for epoch in range(args.epochs):
        batches = epoch_batches(n_train, lengths, args.batch_size, args.seed, epoch, args.bucket)
        loss_sum, seen = 0.0, 0
        start = time.perf_counter()
        for indices in batches:
            batch, y = collate([encoded["train"][i] for i in indices], [labels["train"][i] for i in indices], pad_id)
            logits = model(**batch).logits
            loss = torch.nn.functional.cross_entropy(logits, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            loss_sum += loss.item() * len(indices)
            seen += len(indices)
        elapsed = time.perf_counter() - start
        seconds_per_epoch.append(elapsed)
        dev = evaluate(model, encoded["dev"], labels["dev"], pad_id)
        test = evaluate(model, encoded["test"], labels["test"], pad_id)
        history.append({"epoch": epoch + 1, "train_loss": loss_sum / max(seen, 1),
                        "dev_accuracy": dev, "test_accuracy": test, "seconds": elapsed})
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {loss_sum / max(seen, 1):.4f}, "
              f"dev accuracy {dev:.4f}, test accuracy {test:.4f}, {elapsed:.1f} s "
              f"({seen / elapsed:.1f} examples/s)")
        sys.stdout.flush()

    result = {
        "dev_accuracy": history[-1]["dev_accuracy"] if history else None,
        "test_accuracy": history[-1]["test_accuracy"] if history else None,
        "train_seconds": sum(seconds_per_epoch),
        "seconds_per_epoch": seconds_per_epoch,
        "examples": sizes,
        "config": {key: value for key, value in vars(args).items()},
        "steps": total_steps,
        "warmup_steps": warmup_steps,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "python": platform.python_version()},
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps({**result, "history": history}, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
