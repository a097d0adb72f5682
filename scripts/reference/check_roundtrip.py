"""Loads a checkpoint folder written by another program (KDNAS) with transformers and prints its logits.

Usage:

    .venv-ref/bin/python scripts/reference/check_roundtrip.py DIR [--inputs FILE]

DIR holds config.json and model.safetensors; it is loaded with
`AutoModelForSequenceClassification.from_pretrained(DIR)` (eager attention, eval mode, no
tokenizer). The inputs default to DIR/../inputs.json (the format written by
make_model_fixtures.py: `input_ids`, `token_type_ids`, `attention_mask`, each [B, T]; other keys
are ignored). On success stdout carries exactly one line, {"logits": [[...], ...]}, with every
float32 value printed exactly (as a float64 decimal), so a Swift test can parse and compare it.

Exit status: 0 on success; 1 if the folder or the inputs cannot be read or loaded; 2 if loading
reports missing, unexpected or mis-shaped keys (transformers would otherwise fill missing weights
with random values and carry on). Messages go to stderr.
"""

import argparse
import json
import sys
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForSequenceClassification

INPUT_KEYS = ("input_ids", "token_type_ids", "attention_mask")


def fail(status, message):
    print(f"check_roundtrip: {message}", file=sys.stderr)
    sys.exit(status)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", type=Path, help="checkpoint folder (config.json, model.safetensors)")
    parser.add_argument("--inputs", type=Path, help="inputs JSON (default: DIR/../inputs.json)")
    args = parser.parse_args()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()

    folder = args.dir
    inputs_path = args.inputs or folder.resolve().parent / "inputs.json"
    for required in (folder / "config.json", folder / "model.safetensors", inputs_path):
        if not required.is_file():
            fail(1, f"missing {required}")

    try:
        with open(inputs_path, encoding="utf-8") as f:
            raw = json.load(f)
        batch = {key: torch.tensor(raw[key], dtype=torch.long) for key in INPUT_KEYS if key in raw}
    except (OSError, ValueError, TypeError) as error:
        fail(1, f"cannot read inputs {inputs_path}: {error}")
    if "input_ids" not in batch:
        fail(1, f"{inputs_path} has no input_ids")

    try:
        model, info = AutoModelForSequenceClassification.from_pretrained(
            str(folder), attn_implementation="eager", output_loading_info=True,
            ignore_mismatched_sizes=True)  # so shape mismatches are listed below, not raised vaguely
    except Exception as error:  # transformers raises many types here; all mean "not loadable"
        fail(1, f"cannot load {folder}: {type(error).__name__}: {error}")

    problems = []
    for kind in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
        entries = sorted(str(entry) for entry in info.get(kind) or [])
        if entries:
            problems.append(f"{kind.replace('_', ' ')} ({len(entries)}): {', '.join(entries)}")
    if problems:
        fail(2, f"loading {folder} as {type(model).__name__} reported:\n  " + "\n  ".join(problems))

    model.eval()
    with torch.no_grad():
        logits = model(**batch).logits  # [B, num_labels]
    print(json.dumps({"logits": logits.to(torch.float64).tolist()}))


if __name__ == "__main__":
    main()
