#!/usr/bin/env python3
"""Malformed-input suite for the kdnas executable (issue 12).

Builds broken inputs for every parser (safetensors, config.json, vocab.txt, tokenizer_config.json,
input text files, CSV/TSV/JSONL task files, GLUE folders, search spaces, architecture lists, latency
profiles, saved search state) and bad numeric and path options for every command, runs kdnas on
each, and checks that kdnas

  - exits with a non-zero status, not by a signal;
  - does not trap (no "Fatal error", "Swift runtime failure", ... on stderr) nor leak a raw
    Foundation error (NSCocoaErrorDomain);
  - finishes within the time limit (a hang is a failure);
  - names the input on stderr: every string the case lists (the file, the option or the field).

Usage:  scripts/malformed_inputs.py [--kdnas PATH] [--timeout S] [--filter TEXT] [--verbose]
        (or KDNAS=PATH scripts/malformed_inputs.py)

Prints one line per failing case, the known failures (cases whose fix is pending, listed in
KNOWN_FAILURES; not counted as passed) separately, then `N passed, M failed`; exits 1 if any
case failed. Python 3 standard library only. The valid base is the committed tiny classifier in
Tests/ModelsTests/Fixtures/tiny-gelu (2 layers, hidden 64, 4 heads, 40 positions, 3 labels), with a
small vocabulary written beside it; it has a classification head, so it serves as the teacher too.
"""

import argparse
import json
import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures", "tiny-gelu")
TRAPS = ["Fatal error", "Trace/breakpoint", "Illegal instruction", "Segmentation fault", "Swift runtime failure",
         "NSCocoaErrorDomain"]
HUGE = "99999999999999999999"  # does not fit an Int

# Cases whose fix belongs in a file this suite's author may not edit: name -> the pending fix.
# They still run; they are reported apart and not counted as passed.
KNOWN_FAILURES: dict[str, str] = {}


class Case:
    """One malformed input: the kdnas arguments and the strings stderr must contain."""

    def __init__(self, group, name, args, expect, timeout=None):
        self.group, self.name, self.args, self.expect, self.timeout = group, name, args, expect, timeout

    @property
    def id(self):
        return f"{self.group}/{self.name}"


class Suite:
    def __init__(self, root):
        self.root = root
        self.cases = []

    def add(self, group, name, args, *expect, timeout=None):
        """A case; an argument "{OUT}" becomes an output path of its own (one that does not exist yet)."""
        out = self.path("out", f"{group}-{name}")
        self.cases.append(Case(group, name, [str(a).replace("{OUT}", out) for a in args], list(expect), timeout))

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def write(self, name, content):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb" if isinstance(content, bytes) else "w", encoding=None if isinstance(content, bytes) else "utf-8") as f:
            f.write(content)
        return path

    def folder(self, name):
        path = self.path(name)
        os.makedirs(path, exist_ok=True)
        return path


# ---------------------------------------------------------------------------------------------
# Safetensors helpers

def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    return header, data[8 + length:]


def encode_safetensors(header, payload, header_bytes=None):
    raw = header_bytes if header_bytes is not None else json.dumps(header, sort_keys=True).encode()
    while len(raw) % 8:
        raw += b" "
    return struct.pack("<Q", len(raw)) + raw + payload


def tensors_in_order(header):
    return sorted((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])


# ---------------------------------------------------------------------------------------------
# Fixtures

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "movie", "was", "great", "dull", "a", "film", ",", "."]
VOCAB = VOCAB + [f"w{i}" for i in range(len(VOCAB), 99)]
LABELS = "bad,good,meh"


def make_model(suite, name, config=None, safetensors=None, vocab=None, tokenizer_config=None, drop=()):
    """A copy of the tiny model with some files replaced: config (dict or str), safetensors bytes, vocab (str or bytes)."""
    folder = suite.folder(name)
    with open(os.path.join(FIXTURE, "config.json")) as f:
        base_config = json.load(f)
    files = {
        "config.json": json.dumps(config, indent=1) if isinstance(config, dict) else config if config is not None
        else json.dumps(base_config, indent=1),
        "model.safetensors": safetensors,
        "vocab.txt": vocab if vocab is not None else "\n".join(VOCAB) + "\n",
        "tokenizer_config.json": tokenizer_config,
    }
    for file, content in files.items():
        target = os.path.join(folder, file)
        if file in drop:
            continue
        if file == "model.safetensors" and content is None:
            shutil.copyfile(os.path.join(FIXTURE, file), target)
        elif content is not None:
            with open(target, "wb") as f:
                f.write(content if isinstance(content, bytes) else content.encode())
    return folder


def base_config():
    with open(os.path.join(FIXTURE, "config.json")) as f:
        return json.load(f)


def config_with(**changes):
    config = base_config()
    for key, value in changes.items():
        if value is DELETE:
            config.pop(key, None)
        else:
            config[key] = value
    return config


DELETE = object()


# ---------------------------------------------------------------------------------------------
# The cases

def build(suite):
    s = suite
    model = make_model(s, "model")
    config_file = os.path.join(model, "config.json")
    texts = s.write("texts.txt", "the movie was great\na dull film\n")
    a_file = s.write("a-file", "x")
    a_folder = s.folder("a-folder")
    missing = s.path("does-not-exist")
    under_file = os.path.join(a_file, "run")

    # Own task files (3 labels, to match the tiny model's head).
    rows = ["text,label"] + [f"\"{t}\",{l}" for t, l in
                             [("the movie was great", "good"), ("a dull film", "bad"), ("the film was a film", "meh")] * 4]
    train = s.write("task/train.csv", "\n".join(rows) + "\n")
    dev = s.write("task/dev.csv", "\n".join(rows) + "\n")
    own = ["--task", "own", "--train-file", train, "--dev-file", dev, "--labels", LABELS]
    fast = ["--epochs", "1", "--batch-size", "4", "--max-length", "16", "--threads", "1"]

    # A valid latency profile and search space, for the search and latency cases.
    space = {"name": "tiny", "num_hidden_layers": [1, 2], "hidden_size": [16, 32], "num_attention_heads": [2, 4],
             "intermediate_size": [32, 64], "hidden_act": ["gelu"]}
    space_file = s.write("space.json", json.dumps(space))
    profile = s.path("profile.json")
    result = subprocess.run([KDNAS, "latency", "calibrate", "--space", space_file, "--teacher", model, "--count", "8",
                             "--runs", "1", "--warmup", "0", "--seq", "8", "--threads", "1", "--out", profile],
                            cwd=s.root, capture_output=True, text=True, timeout=120, env=ENV)
    if result.returncode != 0:
        sys.exit(f"setup: kdnas latency calibrate failed:\n{result.stderr}")
    with open(profile) as f:
        profile_json = json.load(f)
    # The search's own task: enough rows for its proxy set and scoring set (at least 8 each).
    search_rows = ["text,label"] + [f"\"{t}\",{l}" for t, l in
                                    [("the movie was great", "good"), ("a dull film", "bad"), ("the film was a film", "meh")] * 14]
    search_train = s.write("search-task/train.csv", "\n".join(search_rows) + "\n")
    search_dev = s.write("search-task/dev.csv", "\n".join(search_rows) + "\n")
    search = ["search", "--teacher", model, "--task", "own", "--train-file", search_train, "--dev-file", search_dev, "--labels", LABELS,
              "--proxy-fraction", "0.5", "--proxy-dev", "12", "--latency-profile", profile, "--batch-size", "4", "--max-length", "16",
                                                     "--threads", "1", "--no-baselines"]

    # -- safetensors (through inspect, which loads config.json then model.safetensors) -------
    header, payload = read_safetensors(os.path.join(FIXTURE, "model.safetensors"))
    names = tensors_in_order(header)
    first, second, last = names[0], names[1], names[-1]

    def st_case(name, data, *expect, command="inspect"):
        folder = make_model(s, f"st-{name}-{command}", safetensors=data)
        args = {"inspect": ["inspect", folder],
                "predict": ["predict", "--model", folder, "--input", texts],
                "latency": ["latency", "--model", folder, "--seq", "8", "--runs", "1"],
                "distill": ["distill", "--teacher", folder, "--student", "half", "--out", s.path(f"out-st-{name}")] + own + fast,
                }[command]
        s.add("safetensors", name + ("" if command == "inspect" else f"-{command}"), args, "model.safetensors", *expect)

    def edited(change):
        h = json.loads(json.dumps(header))
        change(h)
        return encode_safetensors(h, payload)

    st_case("empty-file", b"", "bytes long")
    st_case("truncated-length", b"\x10\x00\x00", "3 bytes long")
    st_case("header-longer-than-file", struct.pack("<Q", 1 << 20) + b"{}", "header length 1048576")
    st_case("header-length-max", b"\xff" * 8 + b"{}", "header length")
    raw = encode_safetensors(header, payload)
    st_case("truncated-header", raw[:8 + 100], "header length")
    st_case("non-json-header", struct.pack("<Q", 8) + b"not json" + payload, "JSON")
    st_case("header-json-array", encode_safetensors(None, payload, b"[1, 2, 3]"), "JSON object")
    st_case("header-invalid-utf8", encode_safetensors(None, payload, b'{"\xff\xfe": 1}'), "JSON")
    st_case("unknown-dtype", edited(lambda h: h[first].update(dtype="Q4")), first, "Q4")
    st_case("f64-dtype", edited(lambda h: h[first].update(dtype="F64")), first, "F64")
    st_case("shape-overflow", edited(lambda h: h[first].update(shape=[1 << 40, 1 << 40, 1 << 40])), first, "shape")
    st_case("negative-dimension", edited(lambda h: h[first].update(shape=[-1, 64])), first, "negative")
    st_case("shape-bytes-mismatch", edited(lambda h: h[first].update(shape=[1])), first, "bytes")
    st_case("offsets-outside", edited(lambda h: h[last].update(data_offsets=[h[last]["data_offsets"][0], len(payload) + 64])),
            last, "data_offsets")
    st_case("offsets-reversed", edited(lambda h: h[first].update(data_offsets=[8, 0])), first, "data_offsets")
    st_case("offsets-negative", edited(lambda h: h[first].update(data_offsets=[-4, 0])), first, "data_offsets")

    def overlap(h):
        b0, e0 = h[second]["data_offsets"]
        size = e0 - b0
        b1 = h[first]["data_offsets"][0]
        h[second]["data_offsets"] = [b1, b1 + size]
    st_case("offsets-overlap", edited(overlap), "overlap")

    def gap(h):
        for name in names:
            b, e = h[name]["data_offsets"]
            h[name]["data_offsets"] = [b + 4, e + 4]
    gapped = json.loads(json.dumps(header))
    gap(gapped)
    st_case("offsets-gap", encode_safetensors(gapped, b"\0" * 4 + payload), "unused")
    st_case("trailing-bytes", encode_safetensors(header, payload + b"\0" * 8), "after the last tensor")
    st_case("truncated-data", raw[:-100], "data_offsets")
    st_case("offsets-strings", edited(lambda h: h[first].update(data_offsets=["0", "4"])), first, "data_offsets")
    st_case("entry-not-object", edited(lambda h: h.update({first: "F32"})), first)
    st_case("entry-missing-shape", edited(lambda h: h[first].pop("shape")), first, "shape")

    def drop_tensors(*dropped):
        """The file without `dropped`: later tensors' offsets moved down, so the rest still tiles the data."""
        h, kept = json.loads(json.dumps(header)), b""
        for name in names:
            begin, end = header[name]["data_offsets"]
            if name in dropped:
                h.pop(name)
            else:
                h[name]["data_offsets"] = [len(kept), len(kept) + end - begin]
                kept += payload[begin:end]
        return encode_safetensors(h, kept)
    st_case("missing-tensor", drop_tensors("bert.encoder.layer.1.output.dense.weight"), "bert.encoder.layer.1.output.dense.weight")
    st_case("missing-tensor", drop_tensors("bert.pooler.dense.bias"), "bert.pooler.dense.bias", command="predict")

    def extra_tensor():
        h = json.loads(json.dumps(header))
        h["bert.extra.weight"] = {"dtype": "F32", "shape": [2], "data_offsets": [len(payload), len(payload) + 8]}
        return encode_safetensors(h, payload + b"\0" * 8)
    st_case("unexpected-tensor", extra_tensor(), "bert.extra.weight")
    shape_name = "bert.embeddings.word_embeddings.weight"
    st_case("wrong-shape", edited(lambda h: h[shape_name].update(shape=list(reversed(h[shape_name]["shape"])))), shape_name)

    def nan_weight():
        h = json.loads(json.dumps(header))
        begin = h[first]["data_offsets"][0]
        return encode_safetensors(h, payload[:begin] + struct.pack("<f", float("nan")) + payload[begin + 4:])
    st_case("nan-weight", nan_weight(), first, "finite")
    st_case("header-invalid", edited(lambda h: h.update({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})), '"x"')
    st_case("non-json-header", struct.pack("<Q", 8) + b"not json" + payload, "JSON", command="latency")
    st_case("unknown-dtype", edited(lambda h: h[first].update(dtype="Q4")), "Q4", command="distill")
    missing_weights = make_model(s, "st-missing-file", drop=("model.safetensors",))
    s.add("safetensors", "missing-file", ["inspect", missing_weights], "model.safetensors", "missing")
    folder_weights = make_model(s, "st-folder", drop=("model.safetensors",))
    os.makedirs(os.path.join(folder_weights, "model.safetensors"))
    s.add("safetensors", "is-a-folder", ["inspect", folder_weights], "model.safetensors")

    # -- config.json (inspect, throughput --config, latency --config) --------------------------
    def cfg_case(name, config, *expect, command="inspect"):
        folder = make_model(s, f"cfg-{name}-{command}", config=config)
        path = os.path.join(folder, "config.json")
        args = {"inspect": ["inspect", folder],
                "throughput": ["throughput", "--config", path, "--batch", "1", "--seq", "8", "--steps", "1"],
                "latency": ["latency", "--config", path, "--seq", "8", "--runs", "1"],
                "student": ["distill", "--teacher", model, "--student", path, "--out", s.path(f"out-cfg-{name}")] + own + fast,
                }[command]
        s.add("config", name + ("" if command == "inspect" else f"-{command}"), args, *(expect if "weights" in name else
                                                                                     ("config.json",) + expect))

    cfg_case("not-json", "{ hidden_size: 64 ", "JSON")
    cfg_case("empty", "", "JSON")
    cfg_case("array", "[1, 2]", "JSON object")
    cfg_case("hidden-string", config_with(hidden_size="64"), "hidden_size", "integer")
    cfg_case("hidden-fraction", config_with(hidden_size=64.5), "hidden_size", "integer")
    cfg_case("hidden-negative", config_with(hidden_size=-64), "hidden_size")
    cfg_case("hidden-zero", config_with(hidden_size=0), "hidden_size")
    cfg_case("hidden-huge", config_with(hidden_size=1 << 40), "hidden_size")
    cfg_case("hidden-1e300", config_with(hidden_size=1e300), "hidden_size")
    cfg_case("hidden-not-divisible", config_with(num_attention_heads=5), "num_attention_heads", "divisor")
    cfg_case("heads-zero", config_with(num_attention_heads=0), "num_attention_heads")
    cfg_case("layers-zero", config_with(num_hidden_layers=0), "num_hidden_layers")
    cfg_case("layers-negative", config_with(num_hidden_layers=-2), "num_hidden_layers")
    cfg_case("layers-huge", config_with(num_hidden_layers=10 ** 7), "num_hidden_layers")
    cfg_case("vocab-zero", config_with(vocab_size=0), "vocab_size")
    cfg_case("vocab-huge", config_with(vocab_size=10 ** 12), "vocab_size")
    cfg_case("intermediate-zero", config_with(intermediate_size=0), "intermediate_size")
    cfg_case("positions-zero", config_with(max_position_embeddings=0), "max_position_embeddings")
    cfg_case("type-vocab-zero", config_with(type_vocab_size=0), "type_vocab_size")
    cfg_case("parameters-too-many", config_with(hidden_size=65536, num_attention_heads=64, intermediate_size=1 << 20,
                                                num_hidden_layers=1000), "parameters")
    cfg_case("unknown-hidden-act", config_with(hidden_act="swish2"), "hidden_act", "swish2")
    cfg_case("hidden-act-number", config_with(hidden_act=3), "hidden_act", "string")
    cfg_case("layer-norm-eps-zero", config_with(layer_norm_eps=0), "layer_norm_eps")
    cfg_case("dropout-above-one", config_with(hidden_dropout_prob=1.5), "hidden_dropout_prob")
    cfg_case("dropout-string", config_with(attention_probs_dropout_prob="0.1"), "attention_probs_dropout_prob")

    # A text-pair task on a model with one token type (type_vocab_size 1, a valid checkpoint whose
    # token_type_embeddings has one row): refused with the model's config.json and the data file.
    one_type = dict(header)
    for name in names:
        if name.endswith("token_type_embeddings.weight"):
            begin, end = header[name]["data_offsets"]
            row = (end - begin) // header[name]["shape"][0]
            one_type[name] = dict(header[name], shape=[1, header[name]["shape"][1]], data_offsets=[begin, begin + row])
    kept, offset, one_payload = {}, 0, b""
    for name in tensors_in_order(one_type):
        begin, end = one_type[name]["data_offsets"]
        kept[name] = dict(one_type[name], data_offsets=[offset, offset + end - begin])
        one_payload += payload[begin:end]
        offset += end - begin
    one_type_model = make_model(s, "one-token-type", config=config_with(type_vocab_size=1),
                                safetensors=encode_safetensors(kept, one_payload))
    pair_rows = ["text,second,label"] + [f"{t},{t},{l}" for t, l in [("the movie", "good"), ("a dull film", "bad"),
                                                                     ("a film", "meh")] * 14]
    pair_train = s.write("pair-task/train.csv", "\n".join(pair_rows) + "\n")
    pair_dev = s.write("pair-task/dev.csv", "\n".join(pair_rows) + "\n")
    pair_task = ["--task", "own", "--train-file", pair_train, "--dev-file", pair_dev, "--labels", LABELS, "--pair-column", "second"]
    for command, args in [("finetune", ["finetune", "--model", one_type_model, "--out", s.path("out-pair-finetune")] + pair_task + fast),
                          ("distill", ["distill", "--teacher", one_type_model, "--student", "half", "--out", s.path("out-pair-distill")]
                           + pair_task + fast),
                          ("search", [a if a != model else one_type_model for a in search[:3]] + pair_task + search[11:]
                           + ["--out", s.path("out-pair-search")]),
                          ("evaluate", ["evaluate", "--model", one_type_model] + pair_task + ["--batch-size", "4", "--max-length", "16"])]:
        data_file = "pair-task/dev.csv" if command == "evaluate" else "pair-task/train.csv"
        s.add("config", f"pair-task-one-token-type-{command}", args, "config.json", "type_vocab_size", data_file)
    cfg_case("num-labels-zero", config_with(num_labels=0), "num_labels")
    cfg_case("num-labels-negative", config_with(num_labels=-3), "num_labels")
    cfg_case("num-labels-huge", config_with(num_labels=10 ** 9, id2label=DELETE, label2id=DELETE), "num_labels")
    cfg_case("num-labels-vs-id2label", config_with(num_labels=5), "num_labels", "id2label")
    cfg_case("num-labels-vs-weights", config_with(num_labels=2, id2label={"0": "a", "1": "b"}, label2id=DELETE), "classifier.weight")
    cfg_case("id2label-gap", config_with(id2label={"0": "a", "2": "b", "3": "c"}, label2id=DELETE), "id2label")
    cfg_case("id2label-bad-key", config_with(id2label={"zero": "a"}, label2id=DELETE), "id2label")
    cfg_case("id2label-array", config_with(id2label=["a", "b", "c"], label2id=DELETE), "id2label")
    cfg_case("problem-type-unknown", config_with(problem_type="ranking"), "problem_type", "ranking")
    cfg_case("regression-with-3-labels", config_with(problem_type="regression"), "problem_type")
    cfg_case("model-type-gpt2", config_with(model_type="gpt2"), "model_type", "gpt2")
    cfg_case("pad-token-out-of-range", config_with(pad_token_id=999), "pad_token_id")
    cfg_case("hidden-vs-weights", config_with(hidden_size=32), "model.safetensors", "shape")
    cfg_case("not-json", "{ nope", "JSON", command="throughput")
    cfg_case("hidden-not-divisible", config_with(num_attention_heads=5), "num_attention_heads", command="throughput")
    cfg_case("layers-huge", config_with(num_hidden_layers=10 ** 7), "num_hidden_layers", command="latency")
    cfg_case("unknown-hidden-act", config_with(hidden_act="swish2"), "hidden_act", command="latency")
    cfg_case("hidden-not-divisible", config_with(num_attention_heads=5), "num_attention_heads", command="student")
    cfg_case("not-json", "[", "JSON", command="student")
    no_config = make_model(s, "cfg-missing", drop=("config.json",))
    s.add("config", "missing-file", ["inspect", no_config], "config.json")
    s.add("config", "throughput-missing", ["throughput", "--config", missing], "does-not-exist")
    s.add("config", "throughput-folder", ["throughput", "--config", a_folder], "a-folder")
    s.add("config", "latency-missing", ["latency", "--config", missing], "does-not-exist")

    # -- vocab.txt and tokenizer_config.json (tokenize, predict) --------------------------------
    def vocab_case(name, vocab, *expect, command="tokenize", drop=()):
        folder = make_model(s, f"vocab-{name}-{command}", vocab=vocab, drop=drop)
        args = ["tokenize", "--model", folder, "--input", texts] if command == "tokenize" else \
            ["predict", "--model", folder, "--input", texts]
        s.add("vocab", name + ("" if command == "tokenize" else f"-{command}"), args, *expect)

    vocab_case("empty", "", "vocab.txt", "empty")
    vocab_case("only-newlines", "\n\n\n", "vocab.txt")
    for token in ["[UNK]", "[CLS]", "[SEP]", "[PAD]"]:
        vocab_case(f"missing-{token.strip('[]').lower()}", "\n".join(t for t in VOCAB if t != token) + "\n", "vocab.txt", token)
    vocab_case("invalid-utf8", b"[PAD]\n[UNK]\n\xff\xfe\n[CLS]\n[SEP]\n", "vocab.txt", "UTF-8")
    vocab_case("missing-file", None, "vocab.txt", drop=("vocab.txt",))
    vocab_case("missing-file", None, "vocab.txt", drop=("vocab.txt",), command="predict")
    vocab_case("larger-than-vocab-size", "\n".join(VOCAB + [f"x{i}" for i in range(20)]) + "\n", "vocab.txt", "vocab_size",
               command="predict")
    vocab_case("missing-cls", "\n".join(t for t in VOCAB if t != "[CLS]") + "\n", "vocab.txt", "[CLS]", command="predict")
    folder = make_model(s, "vocab-folder", drop=("vocab.txt",))
    os.makedirs(os.path.join(folder, "vocab.txt"))
    s.add("vocab", "is-a-folder", ["tokenize", "--model", folder, "--input", texts], "vocab.txt")

    def tok_case(name, content, *expect):
        folder = make_model(s, f"tokcfg-{name}", tokenizer_config=content)
        s.add("tokenizer_config", name, ["tokenize", "--model", folder, "--input", texts],
              *(expect if "not-in-vocab" in name else ("tokenizer_config.json",) + expect))

    tok_case("not-json", "{ do_lower_case: true", "JSON")
    tok_case("empty", "", "JSON")
    tok_case("array", "[true]", "top level")
    tok_case("lower-case-string", json.dumps({"do_lower_case": "yes"}), "do_lower_case")
    tok_case("max-length-negative", json.dumps({"model_max_length": -1}), "model_max_length")
    tok_case("max-length-string", json.dumps({"model_max_length": "512"}), "model_max_length")
    tok_case("unk-token-number", json.dumps({"unk_token": 5}), "unk_token")
    tok_case("cls-token-object-without-content", json.dumps({"cls_token": {"text": "[CLS]"}}), "cls_token")
    tok_case("cls-token-not-in-vocab", json.dumps({"cls_token": "<s>"}), "cls_token", "<s>")
    tok_case("invalid-utf8", b'{"unk_token": "\xff"}', "unk_token")
    folder = make_model(s, "tokcfg-folder")
    os.makedirs(os.path.join(folder, "tokenizer_config.json"))
    s.add("tokenizer_config", "is-a-folder", ["tokenize", "--model", folder, "--input", texts], "tokenizer_config.json")

    # -- input text files (tokenize, embed, predict) ---------------------------------------------
    inputs = {
        "three-fields": ("a film\tdull\tgreat\n", ["three-fields.txt:1", "TAB"]),
        "three-fields-line-3": ("a film\n\nthe\tmovie\twas\tgreat\n", ["three-fields-line-3.txt:3", "4 TAB"]),
        "invalid-utf8": (b"a film\n\xff\xfe dull\n", ["invalid-utf8.txt", "UTF-8"]),
        "empty": ("", ["empty.txt", "no input lines"]),
        "blank-lines": ("\n  \n\t\n", ["blank-lines.txt"]),
    }
    for name, (content, expect) in inputs.items():
        path = s.write(f"inputs/{name}.txt", content)
        for command in ["tokenize", "embed", "predict"]:
            s.add("input", f"{name}-{command}", [command, "--model", model, "--input", path], *expect)
    for command in ["tokenize", "embed", "predict"]:
        s.add("input", f"missing-{command}", [command, "--model", model, "--input", missing], "does-not-exist")
        s.add("input", f"folder-{command}", [command, "--model", model, "--input", a_folder], "a-folder")
        s.add("input", f"model-missing-{command}", [command, "--model", missing, "--input", texts], "does-not-exist")
        s.add("input", f"model-is-file-{command}", [command, "--model", a_file, "--input", texts], "a-file")

    # -- CSV / TSV / JSONL task files (evaluate reads dev; finetune reads train) ------------------
    def task_case(name, file_name, content, *expect, split="dev", extra=(), labels=LABELS):
        path = s.write(f"tasks/{file_name}", content)
        if split == "dev":
            args = ["evaluate", "--model", model, "--task", "own", "--dev-file", path, "--labels", labels] + list(extra)
        else:
            args = ["finetune", "--model", model, "--task", "own", "--train-file", path, "--dev-file", dev, "--labels", labels,
                    "--out", s.path(f"out-task-{name}")] + fast + list(extra)
        s.add("task-file", name, args, file_name, *expect)

    task_case("csv-unterminated-quote", "unterminated.csv", 'text,label\n"a dull film,bad\nthe movie,good\n', "quoted")
    task_case("csv-missing-text-column", "no-text.csv", "review,label\na film,bad\n", '"text"')
    task_case("csv-missing-label-column", "no-label.csv", "text,stars\na film,bad\n", '"label"')
    task_case("csv-unknown-label", "unknown-label.csv", "text,label\na film,bad\nthe movie,terrible\n", ":3", "terrible")
    task_case("csv-empty", "empty.csv", "", "no examples")
    task_case("csv-header-only", "header-only.csv", "text,label\n", "no examples")
    task_case("csv-too-many-columns", "wide.csv", "text,label\na film,bad,extra\n", ":2", "columns")
    task_case("csv-too-few-columns", "narrow.csv", "text,label\na film\n", ":2", "columns")
    task_case("csv-invalid-utf8", "bad-utf8.csv", b"text,label\na \xff film,bad\n", "UTF-8")
    task_case("csv-missing-pair-column", "no-pair.csv", "text,label\na film,bad\n", '"second"', extra=["--pair-column", "second"])
    task_case("csv-train-unknown-label", "train-unknown.csv", "text,label\na film,awful\n", "awful", split="train")
    task_case("csv-train-regression-not-number", "regression.csv", "text,label\na film,high\n", "high", split="train",
              extra=["--regression"], labels="")
    task_case("tsv-missing-column", "no-text.tsv", "sentence\tlabel\na film\tbad\n", '"text"')
    task_case("tsv-unknown-label", "unknown.tsv", "text\tlabel\na film\tfoo\n", "foo")
    task_case("tsv-wrong-columns", "wrong.tsv", "text\tlabel\na film\tbad\tx\n", ":2", "columns")
    task_case("tsv-empty", "empty.tsv", "", "no examples")
    task_case("tsv-invalid-utf8", "bad-utf8.tsv", b"text\tlabel\n\xc3\x28\tbad\n", "UTF-8")
    task_case("jsonl-invalid-line", "invalid.jsonl", '{"text": "a film", "label": "bad"}\n{"text": "a film", \n', ":2", "JSON")
    task_case("jsonl-array-line", "array.jsonl", '["a film", "bad"]\n', ":1", "JSON object")
    task_case("jsonl-text-not-string", "number-text.jsonl", '{"text": 3, "label": "bad"}\n', '"text"', "string")
    task_case("jsonl-missing-label", "no-label.jsonl", '{"text": "a film"}\n', '"label"')
    task_case("jsonl-unknown-label", "unknown.jsonl", '{"text": "a film", "label": "nope"}\n', "nope")
    task_case("jsonl-empty", "empty.jsonl", "", "no examples")
    task_case("jsonl-invalid-utf8", "bad-utf8.jsonl", b'{"text": "\xff", "label": "bad"}\n', "bad-utf8.jsonl")
    task_case("jsonl-train-invalid", "train-invalid.jsonl", "{]\n", ":1", split="train")
    s.add("task-file", "dev-missing", ["evaluate", "--model", model, "--task", "own", "--dev-file", missing, "--labels", LABELS],
          "does-not-exist")
    s.add("task-file", "dev-is-folder", ["evaluate", "--model", model, "--task", "own", "--dev-file", a_folder, "--labels", LABELS],
          "a-folder")
    s.add("task-file", "train-missing", ["finetune", "--model", model, "--task", "own", "--train-file", missing, "--dev-file", dev,
                                         "--labels", LABELS, "--out", s.path("out-train-missing")] + fast, "does-not-exist")
    s.add("task-file", "one-label", ["evaluate", "--model", model, "--task", "own", "--dev-file", dev, "--labels", "bad"], "--labels")
    s.add("task-file", "repeated-label", ["evaluate", "--model", model, "--task", "own", "--dev-file", dev, "--labels", "bad,bad,good"],
          "bad")
    s.add("task-file", "labels-vs-model", ["evaluate", "--model", model, "--task", "own", "--dev-file", dev, "--labels", "bad,good"],
          "labels")
    test_unlabelled = s.write("tasks/test-unlabelled.csv", "text\na film\n")
    s.add("task-file", "test-without-labels", ["evaluate", "--model", model, "--task", "own", "--test-file", test_unlabelled,
                                               "--labels", LABELS, "--split", "test"], "test", "no labels")
    bad_test = s.write("tasks/bad-test.csv", 'text,label\n"a film,bad\n')
    s.add("task-file", "finetune-malformed-test-file", ["finetune", "--model", model] + own + ["--test-file", bad_test,
                                                       "--out", s.path("out-bad-test")] + fast, "bad-test.csv")

    # -- GLUE folders -------------------------------------------------------------------------
    def glue(name, files):
        root = s.folder(f"glue-{name}")
        for rel, content in files.items():
            s.write(os.path.join(f"glue-{name}", rel), content)
        return root

    cola_row = "gj04\t1\t\tThe movie was great.\n"
    cola = {"CoLA/train.tsv": cola_row * 4, "CoLA/dev.tsv": cola_row * 2, "CoLA/test.tsv": "index\tsentence\n0\ta film\n"}

    # A two-label copy of the model (the classifier's first two rows), for evaluating two-label GLUE tasks.
    def two_labels():
        h, kept = json.loads(json.dumps(header)), b""
        for name in names:
            begin, end = header[name]["data_offsets"]
            block = payload[begin:end]
            if name in ("classifier.weight", "classifier.bias"):
                block = block[:len(block) * 2 // 3]
                h[name]["shape"][0] = 2
            h[name]["data_offsets"] = [len(kept), len(kept) + len(block)]
            kept += block
        return encode_safetensors(h, kept)
    model2 = make_model(s, "model-2-labels", safetensors=two_labels(),
                        config=config_with(id2label={"0": "no", "1": "yes"}, label2id=DELETE))

    def glue_case(name, task, files, *expect, command="finetune", split=None, labels=3):
        root = glue(name, files)
        model = model2 if labels == 2 else model3
        if command == "finetune":
            args = ["finetune", "--model", model, "--task", task, "--data", root, "--out", s.path(f"out-glue-{name}")] + fast
        else:
            args = ["evaluate", "--model", model, "--task", task, "--data", root] + (["--split", split] if split else [])
        s.add("glue", name, args, *expect)

    model3 = model
    glue_case("cola-train-missing", "cola", {k: v for k, v in cola.items() if k != "CoLA/train.tsv"}, "train.tsv")
    glue_case("cola-dev-missing", "cola", {k: v for k, v in cola.items() if k != "CoLA/dev.tsv"}, "dev.tsv")
    glue_case("cola-three-columns", "cola", dict(cola, **{"CoLA/train.tsv": cola_row + "gj04\t1\tA film.\n"}), "train.tsv:2", "columns")
    glue_case("cola-with-header", "cola", dict(cola, **{"CoLA/train.tsv": "source\tlabel\tjudgement\tsentence\n" + cola_row}),
              "train.tsv:1", "label")
    glue_case("cola-label-2", "cola", dict(cola, **{"CoLA/dev.tsv": "gj04\t2\t\tA film.\n"}), "dev.tsv:1", '"2"')
    glue_case("cola-empty-dev", "cola", dict(cola, **{"CoLA/dev.tsv": ""}), "dev.tsv")
    glue_case("cola-invalid-utf8", "cola", dict(cola, **{"CoLA/dev.tsv": b"gj04\t1\t\t\xff film\n"}), "dev.tsv", "UTF-8")
    glue_case("task-folder-missing", "cola", {"SST-2/train.tsv": "sentence\tlabel\n"}, "CoLA")
    sst = "sentence\tlabel\na film \t1\n"
    glue_case("sst2-bad-header", "sst-2", {"SST-2/train.tsv": "text\tlabel\na film \t1\n", "SST-2/dev.tsv": sst}, "train.tsv:1",
              "sentence")
    glue_case("sst2-label-word", "sst-2", {"SST-2/train.tsv": sst, "SST-2/dev.tsv": "sentence\tlabel\na film \tpositive\n"},
              "dev.tsv:2", "positive")
    stsb_header = "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n"
    stsb_row = "0\tmain\tf\t2012\t1\tnone\tnone\ta film\tthe movie\t{}\n"
    glue_case("stsb-score-not-number", "sts-b", {"STS-B/train.tsv": stsb_header + stsb_row.format("high"),
                                                 "STS-B/dev.tsv": stsb_header + stsb_row.format(3)}, "train.tsv:2", "high")
    glue_case("stsb-score-nan", "sts-b", {"STS-B/train.tsv": stsb_header + stsb_row.format("nan"),
                                          "STS-B/dev.tsv": stsb_header + stsb_row.format(3)}, "train.tsv:2", "nan")
    qqp_header = "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"
    glue_case("qqp-short-row", "qqp", {"QQP/train.tsv": qqp_header + "0\t1\t2\ta film?\n", "QQP/dev.tsv": qqp_header},
              "train.tsv:2", "columns")
    mnli_header = ("index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\t"
                   "sentence2_parse\tsentence1\tsentence2\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label\n")
    mnli_row = "0\t1\t2\tfiction\tx\tx\tx\tx\ta film\tthe movie\t{0}\t{0}\t{0}\t{0}\t{0}\t{0}\n"
    mnli_ok = mnli_header + mnli_row.format("neutral")
    glue_case("mnli-dev-matched-missing", "mnli", {"MNLI/dev_mismatched.tsv": mnli_ok}, "dev_matched.tsv", command="evaluate")
    glue_case("mnli-dev-mismatched-missing", "mnli", {"MNLI/dev_matched.tsv": mnli_ok}, "dev_mismatched.tsv", command="evaluate",
              split="dev-mismatched")
    glue_case("mnli-unknown-gold-label", "mnli", {"MNLI/dev_matched.tsv": mnli_header + mnli_row.format("maybe")},
              "dev_matched.tsv:2", "maybe", command="evaluate")
    glue_case("mnli-11-columns", "mnli", {"MNLI/dev_matched.tsv": mnli_header + "0\t1\t2\tfiction\tx\tx\tx\tx\ta\tb\tneutral\n"},
              "dev_matched.tsv:2", "columns", command="evaluate")
    glue_case("mnli-bad-header", "mnli", {"MNLI/dev_matched.tsv": mnli_header.replace("sentence1\t", "premise\t") +
                                          mnli_row.format("neutral")}, "dev_matched.tsv:1", "sentence1", command="evaluate")
    glue_case("mnli-header-only", "mnli", {"MNLI/dev_matched.tsv": mnli_header}, "dev_matched.tsv", command="evaluate")
    glue_case("mnli-test-split-unlabelled", "mnli", {"MNLI/test_matched.tsv": mnli_header}, "test", command="evaluate", split="test")
    glue_case("rte-no-mismatched-split", "rte", {"RTE/dev.tsv": "index\tsentence1\tsentence2\tlabel\n"}, "dev-mismatched",
              command="evaluate", split="dev-mismatched", labels=2)
    glue_case("cola-evaluate-label-word", "cola", dict(cola, **{"CoLA/dev.tsv": "gj04\tyes\t\tA film.\n"}), "dev.tsv:1", "yes",
              command="evaluate", labels=2)
    glue_case("sst2-evaluate-test-unlabelled", "sst-2", {"SST-2/test.tsv": "index\tsentence\n0\ta film\n"}, "test", "no labels",
              command="evaluate", split="test", labels=2)
    s.add("glue", "data-missing", ["finetune", "--model", model, "--task", "cola", "--data", missing, "--out", s.path("out-g1")] + fast,
          "does-not-exist")
    s.add("glue", "data-is-file", ["finetune", "--model", model, "--task", "cola", "--data", a_file, "--out", s.path("out-g2")] + fast,
          "a-file")
    s.add("glue", "unknown-task", ["evaluate", "--model", model, "--task", "colaa"], "colaa")
    s.add("glue", "unknown-split", ["evaluate", "--model", model, "--task", "mnli", "--split", "valid"], "--split")

    # -- search space JSON (latency calibrate --space, search --space) ------------------------------
    def space_case(name, content, *expect, command="calibrate"):
        path = s.write(f"spaces/{command}/{name}.json", content if isinstance(content, (str, bytes)) else json.dumps(content))
        if command == "calibrate":
            args = ["latency", "calibrate", "--space", path, "--out", s.path(f"out-space-{name}.json"), "--count", "8", "--seq", "8"]
        else:
            args = search + ["--space", path, "--out", s.path(f"out-space-{name}")]
        s.add("space", name + ("" if command == "calibrate" else f"-{command}"), args, f"{name}.json", *expect)

    def space_with(**changes):
        return dict(space, **changes)
    space_case("not-json", "{ name: tiny", "JSON")
    space_case("empty", "", "JSON")
    space_case("array", "[]", "")
    space_case("missing-hidden-size", {k: v for k, v in space.items() if k != "hidden_size"}, "hidden_size")
    space_case("hidden-size-empty", space_with(hidden_size=[]), "hidden_size")
    space_case("hidden-size-negative", space_with(hidden_size=[-16, 32]), "hidden_size")
    space_case("hidden-size-string", space_with(hidden_size=["16"]), "hidden_size")
    space_case("layers-repeated", space_with(num_hidden_layers=[1, 1]), "num_hidden_layers")
    space_case("layers-zero", space_with(num_hidden_layers=[0]), "num_hidden_layers")
    space_case("unknown-activation", space_with(hidden_act=["swish"]), "hidden_act")
    space_case("no-activation", space_with(hidden_act=[]), "hidden_act")
    space_case("head-size-zero", space_with(head_size=0), "head_size")
    space_case("no-head-divides", space_with(hidden_size=[15], num_attention_heads=[2, 4]), "num_attention_heads")
    space_case("too-many-choices", space_with(intermediate_size=list(range(1, 2000))), "intermediate_size")
    space_case("too-many-architectures", space_with(num_hidden_layers=list(range(1, 101)), hidden_size=list(range(16, 1040, 16)),
                                                    num_attention_heads=[1, 2, 4, 8], intermediate_size=list(range(1, 1001))),
               "architectures")
    space_case("layers-beyond-teacher", space_with(num_hidden_layers=[5, 6]), "num_hidden_layers", command="search")
    space_case("not-json", "{", "JSON", command="search")
    s.add("space", "missing-file", ["latency", "calibrate", "--space", missing, "--out", s.path("out-space-missing.json")],
          "does-not-exist")
    s.add("space", "folder", ["latency", "calibrate", "--space", a_folder, "--out", s.path("out-space-folder.json")], "a-folder")
    s.add("space", "derived-without-teacher", ["latency", "calibrate", "--space", "derived", "--out", s.path("o.json")], "teacher")
    s.add("space", "search-missing-file", search + ["--space", missing, "--out", s.path("out-space-search-missing")], "does-not-exist")

    # -- --architectures list (search --strategy list) --------------------------------------
    arch = {"num_hidden_layers": 1, "hidden_size": 32, "num_attention_heads": 4, "intermediate_size": 64, "hidden_act": "gelu"}

    def arch_case(name, content, *expect, strategy="list"):
        path = s.write(f"architectures/{name}.json", content if isinstance(content, str) else json.dumps(content))
        args = search + ["--strategy", strategy, "--architectures", path, "--out", s.path(f"out-arch-{name}")]
        s.add("architectures", name, args, *expect)

    arch_case("not-json", "[{", f"not-json.json")
    arch_case("object-not-array", arch, "object-not-array.json")
    arch_case("empty-array", [], "empty-array.json", "at least one")
    arch_case("missing-key", [{k: v for k, v in arch.items() if k != "hidden_size"}], "missing-key.json", "hidden_size")
    arch_case("zero-layers", [dict(arch, num_hidden_layers=0)], "zero-layers.json", "num_hidden_layers")
    arch_case("heads-not-dividing", [dict(arch, num_attention_heads=5)], "heads-not-dividing.json", "num_attention_heads")
    arch_case("unknown-activation", [dict(arch, hidden_act="swish")], "unknown-activation.json")
    arch_case("huge-hidden", [dict(arch, hidden_size=1 << 40)], "huge-hidden.json", "hidden_size")
    arch_case("deeper-than-teacher", [dict(arch, num_hidden_layers=5)], "--architectures", "num_hidden_layers")
    arch_case("without-list-strategy", [arch], "--architectures", strategy="random")
    s.add("architectures", "missing-file", search + ["--strategy", "list", "--architectures", missing, "--out", s.path("out-a1")],
          "does-not-exist")
    s.add("architectures", "folder", search + ["--strategy", "list", "--architectures", a_folder, "--out", s.path("out-a2")],
          "a-folder")
    s.add("architectures", "list-without-file", search + ["--strategy", "list", "--out", s.path("out-a3")], "--architectures")

    # -- latency profile (latency --predict, search --latency-profile) ------------------------
    def profile_case(name, content, *expect, command="predict"):
        path = s.write(f"profiles/{command}/{name}.json", content if isinstance(content, str) else json.dumps(content))
        if command == "predict":
            args = ["latency", "--predict", path, "--config", config_file, "--seq", "8"]
        else:
            args = [a if a != profile else path for a in search] + ["--out", s.path(f"out-profile-{name}")]
        s.add("profile", name + ("" if command == "predict" else f"-{command}"), args, f"{name}.json", *expect)

    def profile_with(change):
        p = json.loads(json.dumps(profile_json))
        change(p)
        return p
    profile_case("not-json", "{ version: 1", "latency profile")
    profile_case("empty", "", "latency profile")
    profile_case("missing-model", profile_with(lambda p: p.pop("model")), "model")
    profile_case("coefficients-short", profile_with(lambda p: p["model"].update(coefficients=[1.0])), "coefficients")
    profile_case("coefficient-negative", profile_with(lambda p: p["model"]["coefficients"].__setitem__(0, -1.0)), "coefficients[0]")
    profile_case("coefficient-string", profile_with(lambda p: p["model"]["coefficients"].__setitem__(0, "x")), "coefficients")
    profile_case("coefficient-infinite", profile_with(lambda p: p["model"]["coefficients"].__setitem__(0, 1e309)), "latency profile")
    profile_case("settings-batch-zero", profile_with(lambda p: p["model"]["settings"].update(batch=0)), "batch")
    profile_case("threads-zero", profile_with(lambda p: p["model"].update(threads=0)), "threads")
    profile_case("coefficient-negative", profile_with(lambda p: p["model"]["coefficients"].__setitem__(1, -2.0)), "coefficients[1]",
                 command="search")
    profile_case("not-json", "[", "latency profile", command="search")
    s.add("profile", "missing", ["latency", "--predict", missing, "--config", config_file, "--seq", "8"], "does-not-exist")
    s.add("profile", "folder", ["latency", "--predict", a_folder, "--config", config_file, "--seq", "8"], "a-folder")
    s.add("profile", "search-missing", [a if a != profile else missing for a in search] + ["--out", s.path("out-p1")], "does-not-exist")

    # -- saved search state (report RUN, search --resume RUN) ---------------------------------
    def state(name, content):
        run = s.folder(f"runs/{name}")
        target = os.path.join(run, "search.sqlite")
        if content == "folder":
            os.makedirs(target)
        elif content == "foreign-sqlite":
            db = sqlite3.connect(target)
            db.execute("CREATE TABLE notes (body TEXT)")
            db.execute("INSERT INTO notes VALUES ('not a search')")
            db.commit()
            db.close()
        elif content == "empty-store":
            # The tables a new KDNAS store starts with (and GRDB's record of the migration), no values.
            db = sqlite3.connect(target)
            db.executescript("""
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('v1');
                CREATE TABLE kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
                CREATE TABLE trials (
                    id INTEGER PRIMARY KEY NOT NULL, episode INTEGER NOT NULL, slot INTEGER NOT NULL,
                    state TEXT NOT NULL, architecture TEXT NOT NULL, explored INTEGER NOT NULL,
                    predicted_reward REAL, accuracy REAL, latency_ms REAL, parameters INTEGER, reward REAL,
                    seconds REAL, error TEXT, record TEXT NOT NULL);
                CREATE TABLE finalists (name TEXT PRIMARY KEY NOT NULL, record TEXT NOT NULL);
                """)
            db.commit()
            db.close()
        else:
            with open(target, "wb") as f:
                f.write(content)
        return run

    states = {"zero-bytes": b"", "not-sqlite": b"this is not a database\n" * 50, "truncated-sqlite": b"SQLite format 3\0" + b"\0" * 84,
              "folder": "folder", "foreign-sqlite": "foreign-sqlite"}
    for name, content in states.items():
        run = state(name, content)
        s.add("state", f"report-{name}", ["report", run], "search.sqlite")
        s.add("state", f"resume-{name}", ["search", "--resume", run], "search.sqlite")
    run = state("no-saved-options", "empty-store")
    s.add("state", "resume-no-saved-options", ["search", "--resume", run], "search.sqlite", "saved search options")
    s.add("state", "report-no-settings", ["report", run], "search.sqlite")
    s.add("state", "report-missing-run", ["report", missing], "does-not-exist")
    s.add("state", "report-run-is-file", ["report", a_file], "a-file")
    s.add("state", "resume-missing-run", ["search", "--resume", missing], "does-not-exist")
    s.add("state", "resume-run-is-file", ["search", "--resume", a_file], "a-file")

    # -- storages (--storage URL, --study; worker, status, report) ------------------------------------
    refused = "postgresql://kdnas:secret-pw@127.0.0.1:1/kdnas"
    s.add("storage", "worker-no-storage", ["worker"], "--storage")
    for name, url in {"scheme": "mysql://a@b/c", "no-user": "postgresql://host/db", "no-database": "postgresql://u:pw@host",
                      "port": "postgresql://u:pw@host:99999/db", "no-host": "postgresql://u:pw@:5432/db", "empty-sqlite": "sqlite://"}.items():
        s.add("storage", f"worker-url-{name}", ["worker", "--storage", url, "--study", "s"], "--storage")
        s.add("storage", f"status-url-{name}", ["status", "--storage", url, "--study", "s"], "--storage")
    s.add("storage", "worker-postgres-no-study", ["worker", "--storage", refused], "--study")
    s.add("storage", "worker-refused", ["worker", "--storage", refused, "--study", "s"], "127.0.0.1:1/kdnas", "cannot connect")
    s.add("storage", "status-refused", ["status", "--storage", refused, "--study", "s"], "127.0.0.1:1/kdnas", "cannot connect")
    s.add("storage", "report-refused", ["report", "--storage", refused, "--study", "s", "--out", "{OUT}"], "127.0.0.1:1/kdnas")
    s.add("storage", "report-no-out", ["report", "--storage", refused, "--study", "s"], "--out")
    s.add("storage", "worker-sqlite-missing", ["worker", "--storage", "sqlite://" + missing + "/search.sqlite"], "does-not-exist")
    s.add("storage", "status-sqlite-missing", ["status", "--storage", "sqlite://" + missing + "/search.sqlite"], "does-not-exist")
    s.add("storage", "worker-sqlite-not-a-store", ["worker", "--storage", "sqlite://" + a_file], "a-file")
    s.add("storage", "worker-sqlite-no-settings", ["worker", "--storage", "sqlite://" + state("worker-empty", "empty-store") + "/search.sqlite"],
          "no study")
    for option, values in {"--lease": ["0", "-1", "nan", HUGE], "--poll": ["0", "-1", "nan", HUGE], "--wait": ["-1", "nan", HUGE],
                           "--storage-retry": ["-1", "nan", HUGE]}.items():
        for value in values:
            label = {"0": "zero", "-1": "negative", "nan": "nan", HUGE: "overflow"}[value]
            s.add("storage", f"worker{option}-{label}", ["worker", "--storage", refused, "--study", "s", f"{option}={value}"], option)

    # -- numeric options ----------------------------------------------------------------------
    def numeric(command, base, option, values, *expect, group="numeric"):
        for value in values:
            label = {"0": "zero", "-1": "negative", "nan": "nan", "inf": "inf", HUGE: "overflow"}.get(value, value)
            s.add(group, f"{command}-{option.strip('-')}-{label}", base + [f"{option}={value}"], option, *expect)

    out = lambda tag: ["--out", "{OUT}"]
    numeric("info", ["info"], "--threads", ["0", "-1", "abc", HUGE, str(1 << 40)])
    numeric("tokenize", ["tokenize", "--model", model, "--input", texts], "--max-length", ["0", "-1", "nan", HUGE])
    for command in ["embed", "predict"]:
        base = [command, "--model", model, "--input", texts]
        numeric(command, base, "--max-length", ["0", "-1", "3", "41", "nan", HUGE, str(1 << 62)])
        numeric(command, base, "--batch-size", ["0", "-1", HUGE])
        numeric(command, base, "--threads", ["0", "-1"])
    base = ["throughput", "--config", config_file, "--steps", "1", "--seq", "8", "--batch", "1"]
    numeric("throughput", base, "--batch", ["0", "-1", HUGE, str(1 << 40)])
    numeric("throughput", base, "--seq", ["0", "-1", "41", str(1 << 40)])
    numeric("throughput", base, "--steps", ["0", "-1", "nan", str(1 << 40)])
    base = ["latency", "--config", config_file, "--seq", "8", "--runs", "1"]
    numeric("latency", base, "--batch", ["0", "-1", str(1 << 40)])
    numeric("latency", base, "--seq", ["0", "-1", "41"])
    numeric("latency", base, "--runs", ["0", "-1", str(1 << 40)])
    numeric("latency", base, "--warmup", ["-1", str(1 << 40)])
    numeric("latency", base + ["--latency-command", "echo 1 {model_dir}"], "--latency-timeout", ["0", "-1", "nan", "inf"])
    s.add("numeric", "latency-command-without-placeholder", base + ["--latency-command", "echo 1"], "{model_dir}")
    base = ["latency", "calibrate", "--space", space_file, "--seq", "8", "--runs", "1", "--out", s.path("out-cal.json")]
    numeric("calibrate", base, "--count", ["0", "7", "-1", str(1 << 40)])
    numeric("calibrate", base, "--seq", ["0"])
    s.add("numeric", "calibrate-seq-beyond-teacher", base[:-2] + ["--teacher", model, "--seq", "41", "--out", s.path("o2.json")],
          "--seq")
    numeric("calibrate", base, "--runs", ["0"])
    numeric("calibrate", base, "--batch", ["0", str(1 << 40)])
    base = ["finetune", "--model", model] + own + fast + out("finetune")
    numeric("finetune", base, "--epochs", ["0", "-1", HUGE, str(1 << 62)])
    numeric("finetune", base, "--lr", ["0", "-1", "nan", "inf"])
    numeric("finetune", base, "--batch-size", ["0", "-1"])
    numeric("finetune", base, "--max-length", ["0", "3", "41", "-1"])
    numeric("finetune", base, "--threads", ["0"])
    numeric("finetune", base, "--seed", ["-1"])
    base = ["evaluate", "--model", model] + own
    numeric("evaluate", base, "--batch-size", ["0", "-1"])
    numeric("evaluate", base, "--max-length", ["0", "41"])
    base = ["distill", "--teacher", model, "--student", "half"] + own + fast + out("distill")
    numeric("distill", base, "--temperature", ["0", "-1", "nan", "inf"])
    numeric("distill", base, "--lambda", ["-1", "2", "nan"])
    numeric("distill", base + ["--losses", "od,mha"], "--relation-heads", ["0", "-1", "3"])
    numeric("distill", base, "--augment", ["-1", "101", HUGE])
    numeric("distill", base, "--unit-importance", ["-1", "100001", HUGE, "x"])
    s.add("numeric", "distill-unit-importance-random-init", base + ["--init", "random", "--unit-importance", "512"], "--unit-importance", "with --init")
    numeric("distill", base, "--cache-memory", ["-1", str(1 << 62)])
    numeric("distill", base, "--epochs", ["0", str(1 << 62)])
    numeric("distill", base, "--lr", ["0", "nan"])
    numeric("distill", base, "--max-length", ["3", "41"])
    numeric("search", search + out("search"), "--episodes", ["0", "-1", str(1 << 62)])
    numeric("search", search + out("search"), "--candidates", ["0", "-1", "1000"])
    numeric("search", search + out("search"), "--proxy-fraction", ["0", "-0.5", "1.5", "nan"])
    numeric("search", search + out("search"), "--proxy-dev", ["0", "-1"])
    numeric("search", search + out("search"), "--proxy-epochs", ["0"])
    numeric("search", search + out("search"), "--rungs", ["abc", "0x1", "2x1", "0.05x1", "0.5x-1", "nan"])
    numeric("search", search + ["--rungs", "0.9x1"] + out("search"), "--promote", ["0", "1", "nan", "-0.5"])
    numeric("search", [a for a in search if a not in ("--latency-profile", profile)] +
            ["--latency-command", "echo 1 {model_dir}"] + out("search"), "--latency-timeout", ["0", "-1", "nan"])
    no_profile = [a for a in search if a not in ("--latency-profile", profile)] + ["--latency-seq", "16"] + out("search")
    numeric("search", no_profile, "--latency-calibration", ["0", "7"])
    numeric("search", no_profile, "--latency-batch", ["0"])
    numeric("search", no_profile, "--latency-seq", ["0", "41"])
    numeric("search", no_profile, "--latency-runs", ["0"])
    numeric("search", search + out("search"), "--alpha", ["1", "nan"])
    numeric("search", search + out("search"), "--beta", ["0", "-1", "nan"])
    numeric("search", search + out("search"), "--target-ms", ["0", "-1", "nan"])
    numeric("search", search + out("search"), "--lr", ["0", "nan"])
    numeric("search", search + out("search"), "--proxy-lr", ["0", "nan"])
    numeric("search", search + out("search"), "--batch-size", ["0"])
    numeric("search", search + out("search"), "--max-length", ["3", "41"])
    numeric("search", search + out("search"), "--controller-steps", ["-1"])
    numeric("search", search + out("search"), "--epsilon-decay", ["-1", "nan"])
    numeric("search", search + out("search"), "--final-top", ["-1"])
    numeric("search", search + out("search"), "--final-pareto", ["-1"])
    numeric("search", search + out("search"), "--final-epochs", ["0"])
    numeric("search", search + out("search"), "--final-speedups", ["1", "0.5", "nan", "x", "3,"])
    numeric("search", search + out("search"), "--band-quota", ["-1", "100", HUGE, "x"])
    numeric("search", search + out("search"), "--augment", ["-1", "101", HUGE])
    numeric("search", search + out("search"), "--unit-importance", ["-1", "100001", HUGE])
    s.add("numeric", "search-unit-importance-random-init", search + out("search") + ["--init", "random", "--unit-importance", "512"], "--unit-importance", "with --init")
    numeric("search", search + out("search"), "--threads", ["0"])

    # -- path options -------------------------------------------------------------------------
    s.add("path", "inspect-missing", ["inspect", missing], "does-not-exist")
    s.add("path", "inspect-file", ["inspect", a_file], "a-file")
    s.add("path", "finetune-model-missing", ["finetune", "--model", missing] + own + fast + out("p1"), "does-not-exist")
    s.add("path", "finetune-model-file", ["finetune", "--model", a_file] + own + fast + out("p2"), "a-file")
    s.add("path", "finetune-out-file", ["finetune", "--model", model] + own + fast + ["--out", a_file], "a-file", "is a file")
    s.add("path", "finetune-out-under-file", ["finetune", "--model", model] + own + fast + ["--out", under_file], "a-file")
    s.add("path", "evaluate-model-missing", ["evaluate", "--model", missing] + own, "does-not-exist")
    s.add("path", "distill-teacher-missing", ["distill", "--teacher", missing, "--student", "half"] + own + fast + out("p3"),
          "does-not-exist")
    s.add("path", "distill-teacher-file", ["distill", "--teacher", a_file, "--student", "half"] + own + fast + out("p4"), "a-file")
    s.add("path", "distill-student-missing", ["distill", "--teacher", model, "--student", missing] + own + fast + out("p5"),
          "does-not-exist")
    s.add("path", "distill-student-folder", ["distill", "--teacher", model, "--student", a_folder] + own + fast + out("p6"),
          "a-folder")
    s.add("path", "distill-init-missing", ["distill", "--teacher", model, "--student", "half", "--init", missing] + own + fast +
          out("p7"), "does-not-exist")
    s.add("path", "distill-out-file", ["distill", "--teacher", model, "--student", "half"] + own + fast + ["--out", a_file], "a-file")
    s.add("path", "distill-out-under-file", ["distill", "--teacher", model, "--student", "half"] + own + fast + ["--out", under_file],
          "a-file")
    s.add("path", "distill-teacher-cache-file", ["distill", "--teacher", model, "--student", "half", "--teacher-cache", a_file] +
          own + fast + out("p8"), "a-file")
    encoder = make_model(s, "encoder-only", safetensors=drop_tensors(*(n for n in names if n.startswith("classifier."))))
    s.add("path", "distill-teacher-without-head", ["distill", "--teacher", encoder, "--student", "half"] + own + fast + out("p9"),
          "encoder-only", "classification head")
    s.add("path", "distill-student-deeper", ["distill", "--teacher", model, "--student", "L5"] + own + fast + out("p10"),
          "num_hidden_layers")
    s.add("path", "distill-student-unknown", ["distill", "--teacher", model, "--student", "huge"] + own + fast + out("p11"),
          "--student")
    s.add("path", "distill-teacher-labels", ["distill", "--teacher", model, "--student", "half", "--task", "own",
                                             "--train-file", train, "--dev-file", dev, "--labels", "bad,good"] + fast + out("p12"),
          "num_labels")
    s.add("path", "distill-unknown-loss", ["distill", "--teacher", model, "--student", "half", "--losses", "od,kl"] + own + fast +
          out("p13"), "--losses")
    s.add("path", "distill-unknown-mapping", ["distill", "--teacher", model, "--student", "half", "--mapping", "first"] + own +
          fast + out("p14"), "--mapping")
    s.add("path", "calibrate-out-file", ["latency", "calibrate", "--space", space_file, "--count", "8", "--seq", "8", "--runs", "1",
                                         "--out", a_file + "/p.json"], "a-file")
    s.add("path", "calibrate-out-folder", ["latency", "calibrate", "--space", space_file, "--count", "8", "--seq", "8", "--runs", "1",
                                           "--out", a_folder], "a-folder")
    s.add("path", "calibrate-teacher-missing", ["latency", "calibrate", "--space", "derived", "--teacher", missing, "--out",
                                                s.path("o3.json")], "does-not-exist")
    s.add("path", "latency-model-missing", ["latency", "--model", missing], "does-not-exist")
    s.add("path", "latency-model-and-config", ["latency", "--model", model, "--config", config_file], "--config")
    s.add("path", "search-teacher-missing", [a if a != model else missing for a in search] + out("p15"), "does-not-exist")
    s.add("path", "search-teacher-without-head", [a if a != model else encoder for a in search] + out("p16"), "classification head")
    s.add("path", "search-out-file", search + ["--out", a_file], "a-file")
    s.add("path", "search-out-under-file", search + ["--out", under_file], "a-file")
    s.add("path", "search-cache-file", ["search", "--teacher", model, "--task", "rotten-tomatoes", "--cache", a_file,
                                        "--latency-profile", profile, "--threads", "1", "--max-length", "16"] + out("p17"), "a-file")
    s.add("path", "search-train-missing", [a if a != search_train else missing for a in search] + out("p18"), "does-not-exist")


# ---------------------------------------------------------------------------------------------
# Running

def run_case(case, cwd, timeout):
    started = time.monotonic()
    try:
        process = subprocess.Popen([KDNAS] + case.args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   env=ENV, start_new_session=True)
        try:
            _, err = process.communicate(timeout=case.timeout or timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return [f"no exit within {case.timeout or timeout:.0f} s (a hang)"], ""
    except OSError as error:
        return [f"cannot run {KDNAS}: {error}"], ""
    stderr = err.decode("utf-8", "replace")
    problems = []
    status = process.returncode
    if status < 0:
        problems.append(f"killed by signal {signal.Signals(-status).name}")
    elif status == 0:
        problems.append("exit status 0 (the input was accepted)")
    traps = [t for t in TRAPS if t in stderr]
    if traps:
        problems.append("trap on stderr: " + ", ".join(traps))
    missing = [e for e in case.expect if e not in stderr]
    if missing:
        problems.append("stderr does not name " + ", ".join(repr(m) for m in missing))
    seconds = time.monotonic() - started
    return problems, stderr.strip().splitlines()[0] if stderr.strip() else f"(no stderr; {seconds:.1f} s)"


def main():
    global KDNAS, ENV
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kdnas", default=os.environ.get("KDNAS"), help="the kdnas executable (default: $KDNAS)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds before a case counts as a hang")
    parser.add_argument("--filter", default="", help="run only cases whose id contains this")
    parser.add_argument("--verbose", action="store_true", help="print every case's first line of stderr")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args()
    if not options.kdnas:
        sys.exit("give the kdnas executable with --kdnas PATH or KDNAS=PATH")
    KDNAS = os.path.abspath(options.kdnas)
    ENV = dict(os.environ, KDNAS_THREADS="1", OPENBLAS_NUM_THREADS="1")

    root = tempfile.mkdtemp(prefix="kdnas-malformed-")
    try:
        suite = Suite(root)
        build(suite)
        cases = [c for c in suite.cases if options.filter in c.id]
        ids = [c.id for c in cases]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            sys.exit("duplicate case ids: " + ", ".join(duplicates))
        passed, failed, known, fixed = 0, 0, [], []
        for case in cases:
            problems, first_line = run_case(case, root, options.timeout)
            if options.verbose:
                print(f"{'ok  ' if not problems else 'FAIL'} {case.id}: {first_line}")
            if case.id in KNOWN_FAILURES:
                (known if problems else fixed).append((case, problems))
            elif problems:
                failed += 1
                print(f"FAIL {case.id}: {'; '.join(problems)} | kdnas {' '.join(case.args)} | stderr: {first_line}")
            else:
                passed += 1
        if known:
            print(f"known failures ({len(known)}, not counted as passed; the fix is pending):")
            for case, problems in known:
                print(f"  XFAIL {case.id}: {'; '.join(problems)} | pending fix: {KNOWN_FAILURES[case.id]}")
        for case, _ in fixed:
            failed += 1
            print(f"XPASS {case.id}: listed as a known failure but passes; remove it from KNOWN_FAILURES")
        print(f"{passed} passed, {failed} failed" + (f", {len(known)} known failures" if known else ""))
        return 1 if failed else 0
    finally:
        if options.keep:
            print(f"cases kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


KDNAS = None
ENV = None

if __name__ == "__main__":
    sys.exit(main())
