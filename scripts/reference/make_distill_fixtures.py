"""Writes the distillation-loss fixtures for the Swift `Distill` module.

Usage (from anywhere; paths are relative to the repo root):

    scripts/setup-reference.sh        # once; .venv-ref needs torch, safetensors, numpy
    .venv-ref/bin/python scripts/reference/make_distill_fixtures.py
        -> Tests/DistillTests/Fixtures/losses.safetensors   (committed, small, float32 only)
        -> Tests/DistillTests/Fixtures/README.md

Deterministic: torch.manual_seed(0), float32, inputs drawn in a fixed order. Each loss is computed
in PyTorch on fixed random tensors; the file stores the inputs, the loss (shape [1]) and the
gradient of the loss with respect to every student-side input (and the projection weight of HS).
Every gradient is also checked with torch.autograd.gradcheck in float64 on the same definitions
(same input values, cast up), and the float32 gradients are compared with the float64 ones.

Shapes: B=2, T=5, teacher hidden Ht=12, student hidden Hs=8, C=3 classes, R=4 relation heads,
2 attention heads. `mask` [B, T] is 1 for real tokens, 0 for padding: row 0 all ones, row 1
[1, 1, 1, 0, 0] (8 real tokens in all).

Definitions (the Swift side implements the same):

1. OD (classification), tau=2, lambda=0.7:
       (1-lambda)*CE(student, labels) + lambda*tau^2*KL,
       KL = F.kl_div(log_softmax(student/tau), log_softmax(teacher/tau), log_target=True,
                     reduction="batchmean")      (i.e. summed over classes, divided by B)
   CE is the mean over the batch. Labels are class indices stored as float.
2. OD regression, lambda=0.7:
       (1-lambda)*MSE(student.squeeze(-1), labels) + lambda*MSE(student.squeeze(-1), teacher.squeeze(-1))
   (both means over the batch).
3. HS with a projection W [2*Ht, Hs], no bias, proj = student @ W^T  [B, T, 2*Ht]:
       sum over tokens with mask=1, over features, of (proj - teacher)^2 / (n_real_tokens * 2*Ht)
4. MHA (MiniLMv2 relations), R=4, for X in (q, k, v), student and teacher alike:
       split [B, T, H] -> reshape [B, T, R, H/R] -> permute(0, 2, 1, 3) -> [B, R, T, d_r];
       scores = X X^T / sqrt(d_r) + (1 - mask)[:, None, None, :] * finfo(float32).min;
       logp = log_softmax(scores, -1);
       kl_row = sum_keys p_T * (logp_T - logp_S), with the term set to 0 where p_T == 0
                (torch.where); padded keys have p_T == 0 exactly, so they contribute exactly 0
                and no NaN/inf can reach the loss or its gradient;
       loss_X = sum over (b, r, query t with mask[b, t] = 1) of kl_row / (R * n_real_tokens).
   Padded query rows are computed (their key mask still applies) but excluded from the sum.
   Total = loss_q + loss_k + loss_v. The teacher side carries no gradient.
5. Attention maps: student/teacher [B, 2, T, T] are softmax(random scores + key mask) over the
   last axis (computed here once, then stored as plain inputs; the gradient is with respect to
   these probabilities, not the scores). Loss = mean squared error over all B*2*T*T elements,
   padded query rows included (they are ordinary softmax rows over the real keys).

Stored keys (all float32):
    mask
    od.student [B,C], od.teacher [B,C], od.labels [B], od.loss [1], od.grad.student [B,C]
    odr.student [B,1], odr.teacher [B,1], odr.labels [B], odr.loss [1], odr.grad.student [B,1]
    hs.student [B,T,Hs], hs.teacher [B,T,2Ht], hs.weight [2Ht,Hs], hs.loss [1],
        hs.grad.student, hs.grad.weight
    mha.student.{q,k,v} [B,T,Hs], mha.teacher.{q,k,v} [B,T,Ht], mha.loss [1],
        mha.grad.student.{q,k,v}
    att.student [B,2,T,T], att.teacher [B,2,T,T], att.loss [1], att.grad.student
"""

import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "Tests" / "DistillTests" / "Fixtures"
OUT = OUT_DIR / "losses.safetensors"
README = OUT_DIR / "README.md"

B, T, HT, HS, C = 2, 5, 12, 8, 3
R = 4
HEADS = 2
TAU = 2.0
LAMBDA = 0.7
MASK_MIN = torch.finfo(torch.float32).min  # additive key-mask value, same in float64 checks


# ---------------------------------------------------------------------------------------------
# Loss definitions (dtype-agnostic; used in float32 for the fixture, float64 for gradcheck)


def od_loss(student, teacher, labels):
    ce = F.cross_entropy(student, labels.long())
    kl = F.kl_div(F.log_softmax(student / TAU, -1), F.log_softmax(teacher / TAU, -1),
                  log_target=True, reduction="batchmean")
    return (1 - LAMBDA) * ce + LAMBDA * TAU * TAU * kl


def odr_loss(student, teacher, labels):
    s = student.squeeze(-1)
    return (1 - LAMBDA) * F.mse_loss(s, labels) + LAMBDA * F.mse_loss(s, teacher.squeeze(-1))


def hs_loss(student, teacher, weight, mask):
    proj = student @ weight.T  # [B, T, 2Ht]
    sq = ((proj - teacher) ** 2) * mask[..., None]
    return sq.sum() / (mask.sum() * teacher.shape[-1])


def relation_logp(x, mask):
    b, t, h = x.shape
    d = h // R
    xs = x.reshape(b, t, R, d).permute(0, 2, 1, 3)  # [B, R, T, d]
    scores = xs @ xs.transpose(-1, -2) / math.sqrt(d)  # [B, R, T, T]
    scores = scores + (1 - mask)[:, None, None, :] * MASK_MIN
    return F.log_softmax(scores, -1)


def mha_one(student, teacher, mask):
    logp_s = relation_logp(student, mask)
    logp_t = relation_logp(teacher, mask)
    p_t = logp_t.exp()
    terms = torch.where(p_t == 0, torch.zeros_like(p_t), p_t * (logp_t - logp_s))
    kl_row = terms.sum(-1)  # [B, R, T]
    kl_row = kl_row * mask[:, None, :]
    return kl_row.sum() / (R * mask.sum())


def mha_loss(sq, sk, sv, tq, tk, tv, mask):
    return mha_one(sq, tq, mask) + mha_one(sk, tk, mask) + mha_one(sv, tv, mask)


def att_loss(student, teacher):
    return F.mse_loss(student, teacher)


# ---------------------------------------------------------------------------------------------


def make_inputs():
    torch.manual_seed(0)
    mask = torch.ones(B, T)
    mask[1, 3:] = 0
    x = {"mask": mask}
    x["od.student"] = torch.randn(B, C) * 2
    x["od.teacher"] = torch.randn(B, C) * 2
    x["od.labels"] = torch.tensor([2.0, 0.0])
    x["odr.student"] = torch.randn(B, 1)
    x["odr.teacher"] = torch.randn(B, 1)
    x["odr.labels"] = torch.rand(B) * 5
    x["hs.student"] = torch.randn(B, T, HS)
    x["hs.teacher"] = torch.randn(B, T, 2 * HT)
    x["hs.weight"] = torch.randn(2 * HT, HS) * 0.3
    for part in "qkv":
        x[f"mha.student.{part}"] = torch.randn(B, T, HS)
    for part in "qkv":
        x[f"mha.teacher.{part}"] = torch.randn(B, T, HT)
    key_mask = (1 - mask)[:, None, None, :] * MASK_MIN
    x["att.student"] = torch.softmax(torch.randn(B, HEADS, T, T) * 2 + key_mask, -1)
    x["att.teacher"] = torch.softmax(torch.randn(B, HEADS, T, T) * 2 + key_mask, -1)
    return x


# name, loss function, argument keys, keys that get gradients
CASES = [
    ("od", od_loss, ["od.student", "od.teacher", "od.labels"], ["od.student"]),
    ("odr", odr_loss, ["odr.student", "odr.teacher", "odr.labels"], ["odr.student"]),
    ("hs", hs_loss, ["hs.student", "hs.teacher", "hs.weight", "mask"],
     ["hs.student", "hs.weight"]),
    ("mha", mha_loss, ["mha.student.q", "mha.student.k", "mha.student.v",
                       "mha.teacher.q", "mha.teacher.k", "mha.teacher.v", "mask"],
     ["mha.student.q", "mha.student.k", "mha.student.v"]),
    ("att", att_loss, ["att.student", "att.teacher"], ["att.student"]),
]


def grad_key(name, key):
    # "hs.student" -> "hs.grad.student", "mha.student.q" -> "mha.grad.student.q"
    return f"{name}.grad.{key[len(name) + 1:]}"


def compute(fn, inputs, arg_keys, grad_keys, dtype):
    args = []
    for k in arg_keys:
        t = inputs[k].detach().to(dtype).clone()
        t.requires_grad_(k in grad_keys)
        args.append(t)
    loss = fn(*args)
    grads = torch.autograd.grad(loss, [a for k, a in zip(arg_keys, args) if k in grad_keys])
    return loss, dict(zip([k for k in arg_keys if k in grad_keys], grads)), args


def main():
    torch.set_default_dtype(torch.float32)
    inputs = make_inputs()
    out = dict(inputs)
    ok = True
    for name, fn, arg_keys, grad_keys in CASES:
        loss, grads, _ = compute(fn, inputs, arg_keys, grad_keys, torch.float32)
        out[f"{name}.loss"] = loss.detach().reshape(1)
        for k, g in grads.items():
            if not torch.isfinite(g).all():
                print(f"{name}: non-finite gradient for {k}", file=sys.stderr)
                ok = False
            out[grad_key(name, k)] = g.detach()
        print(f"{name}.loss = {loss.item():.9g}")

        # float64: gradcheck on the same definition, and compare the float32 results
        loss64, grads64, args64 = compute(fn, inputs, arg_keys, grad_keys, torch.float64)
        diff_positions = [i for i, k in enumerate(arg_keys) if k in grad_keys]

        def closure(*diff_args, _args=args64, _pos=diff_positions):
            full = [a.detach() for a in _args]
            for p, a in zip(_pos, diff_args):
                full[p] = a
            return fn(*full)

        diff_args = tuple(args64[p].detach().clone().requires_grad_(True) for p in diff_positions)
        passed = torch.autograd.gradcheck(closure, diff_args, eps=1e-6, atol=1e-6, rtol=1e-4,
                                          raise_exception=False)
        max_rel = max(((grads[k].double() - grads64[k]).abs().max()
                       / grads64[k].abs().max().clamp_min(1e-30)).item() for k in grads)
        loss_rel = abs(loss.item() - loss64.item()) / max(abs(loss64.item()), 1e-30)
        print(f"  gradcheck float64: {'pass' if passed else 'FAIL'}; "
              f"float32 vs float64: loss rel {loss_rel:.2e}, grad max rel {max_rel:.2e}")
        ok = ok and passed

    for k, v in out.items():
        assert v.dtype == torch.float32, k
        out[k] = v.contiguous()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    save_file(out, str(OUT), metadata={"generator": "scripts/reference/make_distill_fixtures.py",
                                       "torch": torch.__version__})
    README.write_text(README_TEXT)
    size = OUT.stat().st_size
    print(f"wrote {OUT.relative_to(ROOT)} ({size} bytes, {len(out)} tensors) and "
          f"{README.relative_to(ROOT)}")
    if size >= 200 * 1024:
        print("fixture is larger than 200 KB", file=sys.stderr)
        ok = False
    if not ok:
        sys.exit(1)


README_TEXT = """\
# Distill test fixtures

`losses.safetensors` is generated by `scripts/reference/make_distill_fixtures.py` from PyTorch
(float32, `torch.manual_seed(0)`). Do not edit by hand.

Regenerate from the repo root:

    scripts/setup-reference.sh
    .venv-ref/bin/python scripts/reference/make_distill_fixtures.py

The script is deterministic; it prints every loss, checks every gradient with
`torch.autograd.gradcheck` in float64, and rewrites this README.

It holds float32 tensors only: the fixed inputs, each loss (`<name>.loss`, shape [1]) and the
gradient of that loss with respect to every student-side input (`<name>.grad.<input>`, plus the
projection weight for HS). Shapes: B=2, T=5, teacher hidden 12, student hidden 8, 3 classes,
`mask` [2, 5] = rows [1,1,1,1,1] and [1,1,1,0,0].

| name | inputs | gradients | loss |
| --- | --- | --- | --- |
| `od` | `od.student`, `od.teacher` [2,3], `od.labels` [2] (class indices as float) | `od.grad.student` | 0.3·CE + 0.7·τ²·KL(teacher‖student) at τ=2, KL summed over classes and divided by B |
| `odr` | `odr.student`, `odr.teacher` [2,1], `odr.labels` [2] | `odr.grad.student` | 0.3·MSE(student, labels) + 0.7·MSE(student, teacher) |
| `hs` | `hs.student` [2,5,8], `hs.teacher` [2,5,24], `hs.weight` [24,8] (y = x·Wᵀ), `mask` | `hs.grad.student`, `hs.grad.weight` | squared error summed over real tokens and features / (real tokens · 24) |
| `mha` | `mha.student.{q,k,v}` [2,5,8], `mha.teacher.{q,k,v}` [2,5,12], `mask` | `mha.grad.student.{q,k,v}` | MiniLMv2 relations, R=4: sum over q,k,v of KL(teacher‖student) rows summed over real query tokens and heads / (R · real tokens) |
| `att` | `att.student`, `att.teacher` [2,2,5,5] (key-masked softmax probabilities) | `att.grad.student` (w.r.t. the probabilities) | mean squared error over all elements, padded query rows included |

Definitional details (the script's docstring has them all): the MHA key mask adds
`(1 − mask) · finfo(float32).min` to the scores before `log_softmax`; each KL term
`p_T · (log p_T − log p_S)` is taken as 0 where `p_T == 0` (padded keys), so no NaN arises;
padded query rows are excluded from the MHA and HS sums but included in the attention-map MSE.

`importance.safetensors` is generated by `scripts/reference/make_importance_fixtures.py` (its docstring
has the definition): each FFN unit's importance in the two layers of the committed tiny teacher
`Tests/ModelsTests/Fixtures/tiny-gelu` on its own padded batch (`importance.<layer>` [128]), and the logits
of the student keeping each layer's 48 most important units (`student.logits` [3, 3]).
"""


if __name__ == "__main__":
    main()
