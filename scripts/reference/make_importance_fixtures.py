"""Writes the fixture of the teacher's FFN unit importance for the Swift `Distill` module.

Usage (from the repo root):

    scripts/setup-reference.sh        # once
    .venv-ref/bin/python scripts/reference/make_importance_fixtures.py
        -> Tests/DistillTests/Fixtures/importance.safetensors   (committed, small, float32)

The teacher is the committed tiny checkpoint Tests/ModelsTests/Fixtures/tiny-gelu (2 layers, hidden
64, FFN 128) on its own padded batch (inputs.json: 3 x 11 tokens, 24 real). Definition (the Swift
`UnitImportance` implements the same): for each layer l and FFN unit j,

    importance[l][j] = mean over real tokens of |a_j| * ||W_out[:, j]||_2

where a = act(intermediate.dense(x)) is the layer's FFN activation (the input of output.dense) and
W_out = output.dense.weight [H, FFN]. Padded tokens are excluded from the mean.

Stored keys: `importance.<l>` [128] for l = 0, 1 (float32; computed in float64, eval mode), and
`student.logits` [3, 3]: the logits of the student that keeps every layer and, in each, the 48 units of
largest importance (in index order), with its FFN biases and output weights cut alike.
"""

import copy
import json
from pathlib import Path

import numpy as np
import torch
import transformers
from safetensors.numpy import save_file
from transformers import BertForSequenceClassification

ROOT = Path(__file__).resolve().parents[2]
TEACHER = ROOT / "Tests" / "ModelsTests" / "Fixtures" / "tiny-gelu"
OUT = ROOT / "Tests" / "DistillTests" / "Fixtures" / "importance.safetensors"
KEEP = 48
METADATA = {"generator": f"scripts/reference/make_importance_fixtures.py (transformers {transformers.__version__}, torch {torch.__version__})"}


def main():
    model = BertForSequenceClassification.from_pretrained(TEACHER).eval().double()
    inputs = json.loads((TEACHER / "inputs.json").read_text())
    batch = {key: torch.tensor(inputs[key]) for key in ("input_ids", "token_type_ids", "attention_mask")}
    mask = batch["attention_mask"].bool()
    captured = {}
    hooks = [layer.output.dense.register_forward_hook(lambda _m, args, _out, i=i: captured.__setitem__(i, args[0]))
             for i, layer in enumerate(model.bert.encoder.layer)]
    with torch.no_grad():
        model(**batch)
    for hook in hooks:
        hook.remove()
    tensors = {}
    for i, layer in enumerate(model.bert.encoder.layer):
        activations = captured[i][mask]                                   # [real tokens, FFN]
        norms = layer.output.dense.weight.norm(dim=0)                     # [FFN]
        tensors[f"importance.{i}"] = activations.abs().mean(dim=0) * norms

    student = copy.deepcopy(model)
    for i, layer in enumerate(student.bert.encoder.layer):
        keep = torch.topk(tensors[f"importance.{i}"], KEEP).indices.sort().values
        inner = torch.nn.Linear(layer.intermediate.dense.in_features, KEEP).double()
        outer = torch.nn.Linear(KEEP, layer.output.dense.out_features).double()
        with torch.no_grad():
            inner.weight.copy_(layer.intermediate.dense.weight[keep])
            inner.bias.copy_(layer.intermediate.dense.bias[keep])
            outer.weight.copy_(layer.output.dense.weight[:, keep])
            outer.bias.copy_(layer.output.dense.bias)
        layer.intermediate.dense, layer.output.dense = inner, outer
    with torch.no_grad():
        tensors["student.logits"] = student(**batch).logits
    arrays = {key: np.ascontiguousarray(value.detach().float().numpy()) for key, value in tensors.items()}
    save_file(arrays, str(OUT), metadata=METADATA)
    print(f"{OUT.relative_to(ROOT)}: " + ", ".join(f"{k} {list(v.shape)}" for k, v in arrays.items()))
    for i in range(len(model.bert.encoder.layer)):
        top = np.argsort(-arrays[f"importance.{i}"])[:5]
        print(f"    layer {i}: most important units {top.tolist()}, values {arrays[f'importance.{i}'][top].round(4).tolist()}")


if __name__ == "__main__":
    main()
