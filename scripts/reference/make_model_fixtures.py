"""Writes the reference fixtures for the Swift BERT encoder (module `Models`).

Usage (from anywhere; default paths are relative to the repo root):

    scripts/setup-data.sh && scripts/setup-reference.sh
    .venv-ref/bin/python scripts/reference/make_model_fixtures.py [--out-committed DIR] [--out-cache DIR]
        -> Tests/ModelsTests/Fixtures/tiny-{gelu,gelu_new,relu,silu,regression}/   (committed, small)
        -> cache/fixtures/minilm/                                                    (not committed)

A. Tiny checkpoints. Each folder holds a randomly initialised `BertForSequenceClassification`
   (config.json + model.safetensors, written by `save_pretrained`), `inputs.json` (a padded batch
   of 3 x 11 tokens with labels) and `expected.safetensors` (float32): `logits` [3, L],
   `last_hidden_state` [3, 11, 64], `pooled` [3, 64], `hidden_states.<i>` [3, 11, 64] for
   i = 0 (embedding output), 1, 2 (layer outputs), `loss` [1], and `grad.<name>` for every
   parameter in `model.named_parameters()` order, all computed in eval mode (dropout off).
   Classification loss: mean cross-entropy. Regression (num_labels 1): mean squared error between
   logits.squeeze(-1) and the float labels.
B. MiniLM. The first 64 distinct non-plot Rotten Tomatoes texts, tokenized with the model's own
   `BertTokenizer`, run through `BertModel.from_pretrained(cache/minilm)` with eager attention:
   `last_hidden_state` [64, T, 384], `pooler_output` [64, 384], `mean_pooled` [64, 384]
   (sentence-transformers mean pooling). Skipped with a message if cache/minilm is missing.

Traps recorded here so nobody has to rediscover them:
- transformers 5.x does not write `attn_implementation` into config.json and loads BERT with SDPA by
  default. The saved config.json gets `"attn_implementation": "eager"` added by hand; BertConfig
  pops that key on load, so `from_pretrained` on the folder gives the eager path again.
- `save_pretrained` always writes safetensors in 5.x (`safe_serialization` is gone). It writes only
  parameters: `position_ids` / `token_type_ids` are non-persistent buffers. The real MiniLM
  checkpoint, written by an older version, does carry `embeddings.position_ids` (int64 [1, 512]);
  transformers drops it silently on load, and a Swift loader must skip it too.
- `word_embeddings` is built with `padding_idx = pad_token_id = 0`: PyTorch never writes a gradient
  into row 0, so `grad.bert.embeddings.word_embeddings.weight[0]` is exactly zero even though
  padded positions look up that row. HF initialises that row to zero; here it is overwritten with
  random values (as in MiniLM, whose row 0 is not zero) so the forward pass checks the lookup.
- `grad.*.attention.self.key.bias` is zero in exact arithmetic (a key bias shifts every score of a
  query by the same amount, which softmax ignores); the stored float32 values are rounding noise
  (~1e-8), so compare them with an absolute tolerance.
- Positions 11..39 of `position_embeddings` are never used, so their gradient rows are zero.
- The four activation variants share one seed, so their model.safetensors are byte-identical and
  only `hidden_act` differs; the regression variant differs in its classifier.
- Eager attention adds `torch.finfo(float32).min` (not -10000) at masked key positions.
- Config keys a Swift decoder must tolerate: `tie_word_embeddings: true` is written even though a
  sequence classifier ties nothing; `problem_type`, `id2label`, `label2id`, `dtype`.
"""

import argparse
import copy
import csv
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
import transformers
from safetensors.numpy import load_file, save_file
from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizer
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "cache" / "minilm"
CORPUS = ROOT / "cache" / "data" / "rotten_tomatoes_corpus_full.csv"
DEFAULT_COMMITTED = ROOT / "Tests" / "ModelsTests" / "Fixtures"
DEFAULT_CACHE = ROOT / "cache" / "fixtures"

SEED = 1234
ACTIVATIONS = ["gelu", "gelu_new", "relu", "silu"]
TINY = dict(vocab_size=99, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=128, max_position_embeddings=40, type_vocab_size=2,
            layer_norm_eps=1e-12, initializer_range=0.2)
BATCH, SEQ_LEN = 3, 11
LENGTHS = [11, 8, 5]          # rows 1 and 2 are padded at the end
SECOND_SEGMENT = (0, 6)       # row 0: tokens 6... are segment 1
MINILM_TEXTS, MINILM_MAX_LENGTH = 64, 128
# One key: safetensors writes the metadata map in hash order, so several keys make the bytes vary.
METADATA = {"generator": f"scripts/reference/make_model_fixtures.py (transformers {transformers.__version__}, "
                         f"torch {torch.__version__})"}


def show(path, root):
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)


def tiny_inputs(num_labels):
    """A fixed batch: ids in 1..98 (0 is [PAD]), attention mask zero on the trailing pads."""
    g = torch.Generator().manual_seed(SEED + 1)
    input_ids = torch.randint(1, TINY["vocab_size"], (BATCH, SEQ_LEN), generator=g)
    attention_mask = torch.zeros(BATCH, SEQ_LEN, dtype=torch.long)
    for row, length in enumerate(LENGTHS):
        attention_mask[row, :length] = 1
    input_ids = input_ids * attention_mask                      # pads -> 0
    token_type_ids = torch.zeros(BATCH, SEQ_LEN, dtype=torch.long)
    row, start = SECOND_SEGMENT
    token_type_ids[row, start:LENGTHS[row]] = 1
    if num_labels == 1:
        labels = torch.randn(BATCH, generator=g)                # float targets
    else:
        labels = torch.randint(0, num_labels, (BATCH,), generator=g)
    return {"input_ids": input_ids, "token_type_ids": token_type_ids,
            "attention_mask": attention_mask, "labels": labels}


def perturb(model):
    """Moves LayerNorm weights off 1 and all biases and the [PAD] embedding row off 0."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name:
                p.add_(0.1 * torch.randn_like(p))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn_like(p))
        row = model.bert.embeddings.word_embeddings.weight[0]
        row.copy_(TINY["initializer_range"] * torch.randn_like(row))


def forward_and_backward(model, inputs):
    """Eval-mode forward with outputs captured, explicit loss, backward. Returns a dict of tensors."""
    model.eval()
    model.zero_grad(set_to_none=True)
    captured = {}
    hook = model.bert.register_forward_hook(lambda _m, _i, out: captured.update(bert=out))
    out = model(input_ids=inputs["input_ids"], token_type_ids=inputs["token_type_ids"],
                attention_mask=inputs["attention_mask"], labels=inputs["labels"],
                output_hidden_states=True)
    hook.remove()
    logits, labels = out.logits, inputs["labels"]
    if model.config.num_labels == 1:
        loss = F.mse_loss(logits.squeeze(-1), labels.to(logits.dtype))
    else:
        loss = F.cross_entropy(logits, labels)
    assert torch.allclose(loss, out.loss), (loss, out.loss)   # same loss transformers computes
    loss.backward()

    bert = captured["bert"]
    assert len(out.hidden_states) == model.config.num_hidden_layers + 1
    assert torch.equal(out.hidden_states[-1], bert.last_hidden_state)
    tensors = {"logits": logits, "last_hidden_state": bert.last_hidden_state,
               "pooled": bert.pooler_output, "loss": loss.reshape(1)}
    for i, h in enumerate(out.hidden_states):
        tensors[f"hidden_states.{i}"] = h
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        tensors[f"grad.{name}"] = p.grad
    return tensors


def to_numpy32(tensors):
    return {k: np.ascontiguousarray(v.detach().to(torch.float32).numpy()) for k, v in tensors.items()}


def max_relative_error(a, b):
    """max |a - b| / max |b| over one tensor."""
    a, b = a.detach().double(), b.detach().double()
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-30))


def make_tiny(name, act, num_labels, out_dir):
    torch.manual_seed(SEED)
    extra = {"problem_type": "regression"} if num_labels == 1 else {}
    config = BertConfig(**TINY, num_labels=num_labels, hidden_act=act, attn_implementation="eager",
                        **extra)
    model = BertForSequenceClassification(config)
    perturb(model)
    assert model.config._attn_implementation == "eager"

    folder = out_dir / f"tiny-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    config_path = folder / "config.json"
    saved = json.loads(config_path.read_text())
    saved["attn_implementation"] = "eager"          # not serialised by 5.x; see the traps above
    config_path.write_text(json.dumps(saved, indent=2, sort_keys=True) + "\n")

    # Evaluate the model as reloaded from disk, so the fixture describes the files, not the object.
    reloaded, info = BertForSequenceClassification.from_pretrained(folder, output_loading_info=True)
    assert not any(info[k] for k in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs")), info
    assert reloaded.config._attn_implementation == "eager", reloaded.config._attn_implementation
    assert reloaded.config.hidden_act == act

    inputs = tiny_inputs(num_labels)
    tensors = forward_and_backward(reloaded, inputs)

    # Diagnostic only: how far float32 PyTorch is from float64 on this model (a floor for tolerances).
    model64 = copy.deepcopy(reloaded).double()
    tensors64 = forward_and_backward(model64, inputs)
    # grad.*.attention.self.key.bias is zero in exact arithmetic (softmax ignores a score shift that
    # is the same for every key), so float32 leaves only rounding noise there: compare it absolutely.
    grad_keys = [k for k in tensors if k.startswith("grad.")]
    zero_keys = [k for k in grad_keys if k.endswith("attention.self.key.bias")]
    assert all(float(tensors64[k].abs().max()) < 1e-12 for k in zero_keys)
    worst_grad = max(max_relative_error(tensors[k], tensors64[k]) for k in grad_keys if k not in zero_keys)
    key_bias_noise = max(float(tensors[k].abs().max()) for k in zero_keys)

    with open(folder / "inputs.json", "w") as f:
        json.dump({key: value.tolist() for key, value in inputs.items()}, f)
        f.write("\n")
    arrays = to_numpy32(tensors)
    save_file(arrays, str(folder / "expected.safetensors"),
              metadata=METADATA)

    sizes = {p.name: p.stat().st_size for p in sorted(folder.iterdir())}
    print(f"{show(folder, ROOT)}: hidden_act={act} num_labels={num_labels} "
          f"loss={arrays['loss'][0]:.6f}")
    print(f"    float32 vs float64 torch, max|diff|/max|value|: logits "
          f"{max_relative_error(tensors['logits'], tensors64['logits']):.1e}, worst grad {worst_grad:.1e}; "
          f"key.bias grads (exactly 0 in f64) up to {key_bias_noise:.1e}")
    for key in ("logits", "last_hidden_state", "pooled", "loss", "hidden_states.0"):
        print(f"    {key:<20} {list(arrays[key].shape)}")
    print(f"    + {sum(k.startswith('hidden_states.') for k in arrays)} hidden_states, "
          f"{sum(k.startswith('grad.') for k in arrays)} grad.* tensors")
    print("    files: " + ", ".join(f"{n} {s / 1024:.1f} KB" for n, s in sizes.items()))
    return sum(sizes.values())


def first_review_texts(count):
    """The first `count` distinct texts whose category is not `plot`, in file order."""
    texts, seen = [], set()
    with open(CORPUS, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["category"] == "plot" or row["text"] in seen:
                continue
            seen.add(row["text"])
            texts.append(row["text"])
            if len(texts) == count:
                break
    assert len(texts) == count
    return texts


def make_minilm(out_dir):
    if not (MODEL_DIR / "model.safetensors").is_file():
        print(f"skipping MiniLM fixtures: {show(MODEL_DIR, ROOT)}/model.safetensors is missing "
              f"(run scripts/setup-data.sh)")
        return
    if not CORPUS.is_file():
        print(f"skipping MiniLM fixtures: {show(CORPUS, ROOT)} is missing (run scripts/setup-data.sh)")
        return
    texts = first_review_texts(MINILM_TEXTS)

    # In transformers 5.x `BertTokenizer` is the Rust-backed tokenizer; cross-check the slow one.
    tokenizer = BertTokenizer.from_pretrained(str(MODEL_DIR))
    kwargs = dict(max_length=MINILM_MAX_LENGTH, truncation=True, padding="longest",
                  return_token_type_ids=True, return_attention_mask=True)
    encoded = tokenizer(texts, **kwargs)
    slow = BertTokenizerLegacy.from_pretrained(str(MODEL_DIR))(texts, **kwargs)
    disagreements = sum(a != b for a, b in zip(encoded["input_ids"], slow["input_ids"]))
    print(f"tokenizer: {type(tokenizer).__name__} vs BertTokenizerLegacy: {disagreements} of {len(texts)} rows differ")

    model, info = BertModel.from_pretrained(str(MODEL_DIR), attn_implementation="eager",
                                            output_loading_info=True)
    assert not any(info[k] for k in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs")), info
    assert model.config._attn_implementation == "eager"
    model.eval()
    batch = {k: torch.tensor(encoded[k]) for k in ("input_ids", "token_type_ids", "attention_mask")}
    with torch.no_grad():
        out = model(**batch)
    mask = batch["attention_mask"].unsqueeze(-1).to(out.last_hidden_state.dtype)   # [B, T, 1]
    # sentence-transformers Pooling(mode="mean"): masked sum / clamp(token count, 1e-9).
    mean_pooled = (out.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # [B, 384]

    folder = out_dir / "minilm"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "inputs.json", "w", encoding="utf-8") as f:
        json.dump({"source": "first 64 distinct non-plot texts of rotten_tomatoes_corpus_full.csv",
                   "tokenizer": f"transformers {transformers.__version__} {type(tokenizer).__name__}",
                   "max_length": MINILM_MAX_LENGTH, "padding": "longest", "texts": texts,
                   **{k: encoded[k] for k in ("input_ids", "token_type_ids", "attention_mask")}},
                  f, ensure_ascii=True)
        f.write("\n")
    arrays = to_numpy32({"last_hidden_state": out.last_hidden_state, "pooler_output": out.pooler_output,
                         "mean_pooled": mean_pooled})
    save_file(arrays, str(folder / "expected.safetensors"),
              metadata=METADATA)
    print(f"{show(folder, ROOT)}:")
    for key, value in arrays.items():
        print(f"    {key:<20} {list(value.shape)}")
    for p in sorted(folder.iterdir()):
        print(f"    {p.name} {p.stat().st_size / 1024:.1f} KB")


def check_loadable(folder):
    for path in sorted(Path(folder).rglob("expected.safetensors")):
        arrays = load_file(str(path))
        assert all(a.dtype == np.float32 and np.isfinite(a).all() for a in arrays.values()), path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out-committed", type=Path, default=DEFAULT_COMMITTED)
    parser.add_argument("--out-cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--only", choices=["committed", "cache"],
                        help="write only the committed fixtures, or only the cache fixtures (the test set-up's choice)")
    args = parser.parse_args()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.use_deterministic_algorithms(True)

    print(f"transformers {transformers.__version__}, torch {torch.__version__}")
    if args.only != "cache":
        total = 0
        for act in ACTIVATIONS:
            total += make_tiny(act, act, 3, args.out_committed)
        total += make_tiny("regression", "gelu", 1, args.out_committed)
        check_loadable(args.out_committed)
        print(f"committed fixtures: {total / 1024:.1f} KB in {show(args.out_committed, ROOT)}")

    if args.only != "committed":
        make_minilm(args.out_cache)
        check_loadable(args.out_cache)


if __name__ == "__main__":
    sys.exit(main())
