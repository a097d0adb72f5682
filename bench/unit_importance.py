"""How an inherited student's FFN units should be chosen: the teacher's units ranked three ways, each student
scored on dev before any training. A benchmark, not a test (PyTorch + transformers on the side, as a reference).

Each student keeps every layer of the fine-tuned teacher and, in each, F of its FFN units, ranked by
- `row`: the squared norm of the unit's intermediate.dense row (KDNAS without a measurement, `--unit-importance 0`);
- `product`: that row's norm times the norm of the unit's output.dense column;
- `activation`: the mean |activation| over the tokens of N training examples spread evenly over the training set
  (padding excluded), times the output column's norm (KDNAS's `UnitImportance`, `--unit-importance 512`).
Dev accuracy of the cut teacher, no training: how much of the teacher the cut keeps.

Usage: .venv-ref/bin/python bench/unit_importance.py TEACHER_DIR [--task-dir cache/tasks/rotten-tomatoes]
           [--widths 192,384,768] [--examples 512] [--threads 2]
"""
import argparse
import copy
import json

import torch
from transformers import BertForSequenceClassification, BertTokenizerFast


def rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def batches(tokenizer, examples, size=64):
    for i in range(0, len(examples), size):
        chunk = examples[i:i + size]
        encoded = tokenizer([r["text"] for r in chunk], padding=True, truncation=True, max_length=128, return_tensors="pt")
        yield encoded, torch.tensor([int(r["label"]) for r in chunk])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("teacher")
    parser.add_argument("--task-dir", default="cache/tasks/rotten-tomatoes")
    parser.add_argument("--widths", default="192,384,768")
    parser.add_argument("--examples", type=int, default=512)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tokenizer = BertTokenizerFast.from_pretrained(args.teacher)
    teacher = BertForSequenceClassification.from_pretrained(args.teacher).eval()
    train, dev = rows(f"{args.task_dir}/train.jsonl"), rows(f"{args.task_dir}/dev.jsonl")
    count = min(args.examples, len(train))
    sample = [train[i * len(train) // count] for i in range(count)]   # as UnitImportance.measure spreads them

    sums = {i: torch.zeros(teacher.config.intermediate_size, dtype=torch.float64) for i in range(teacher.config.num_hidden_layers)}
    tokens = [0]
    masks = []
    def hook(i):
        def record(_module, inputs, _output):
            mask = masks[-1].bool()
            sums[i].add_(inputs[0][mask].abs().double().sum(dim=0))
        return record
    hooks = [layer.output.dense.register_forward_hook(hook(i)) for i, layer in enumerate(teacher.bert.encoder.layer)]
    with torch.no_grad():
        for encoded, _ in batches(tokenizer, sample, 32):
            masks.append(encoded["attention_mask"])
            tokens[0] += int(encoded["attention_mask"].sum())
            teacher(**encoded)
    for h in hooks:
        h.remove()

    def importance(i, method):
        layer = teacher.bert.encoder.layer[i]
        row = (layer.intermediate.dense.weight.double() ** 2).sum(1)
        column = layer.output.dense.weight.double().norm(dim=0)
        return {"row": row, "product": row.sqrt() * column, "activation": sums[i] / tokens[0] * column}[method]

    def cut(width, method):
        student = copy.deepcopy(teacher)
        for i, layer in enumerate(student.bert.encoder.layer):
            keep = torch.topk(importance(i, method), width).indices.sort().values
            inner, outer = torch.nn.Linear(layer.intermediate.dense.in_features, width), torch.nn.Linear(width, layer.output.dense.out_features)
            with torch.no_grad():
                inner.weight.copy_(layer.intermediate.dense.weight[keep]); inner.bias.copy_(layer.intermediate.dense.bias[keep])
                outer.weight.copy_(layer.output.dense.weight[:, keep]); outer.bias.copy_(layer.output.dense.bias)
            layer.intermediate.dense, layer.output.dense = inner, outer
        return student.eval()

    def accuracy(model):
        right = total = 0
        with torch.no_grad():
            for encoded, labels in batches(tokenizer, dev):
                right += int((model(**encoded).logits.argmax(-1) == labels).sum()); total += len(labels)
        return right / total

    print(f"teacher {args.teacher}: dev accuracy {accuracy(teacher):.4f} ({len(dev)} examples); activations over "
          f"{count} training examples ({tokens[0]} tokens)\n")
    methods = ["row", "product", "activation"]
    print("| FFN units kept | " + " | ".join(methods) + " |")
    print("| ---: | " + " | ".join("---:" for _ in methods) + " |")
    for width in (int(w) for w in args.widths.split(",")):
        print(f"| {width} of {teacher.config.intermediate_size} | " + " | ".join(f"{accuracy(cut(width, m)):.4f}" for m in methods) + " |", flush=True)


if __name__ == "__main__":
    main()
