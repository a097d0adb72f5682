#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target into fuzz/corpus/TARGET/ (valid inputs to mutate).

The byte layouts follow Sources/FuzzTargets/FuzzTarget.swift: the tokenizer's input starts with an
options byte and a max-length byte; a task file's with a selector byte (0 CSV, 1 TSV, 2 JSONL, 3 + 4k
the train file of GLUE task k; +4 a pair column, +8 regression). Standard library only; the output is
committed, and this script rewrites it identically.

Usage: fuzz/seeds.py
"""

import json
import os
import shutil
import struct

ROOT = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(ROOT, "corpus")
GLUE_KINDS = ["cola", "sst2", "mrpc", "stsb", "qqp", "mnli", "qnli", "rte", "wnli"]


def safetensors(tensors, metadata=None):
    """tensors: name -> (dtype, shape, raw bytes)."""
    header, payload = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(payload), len(payload) + len(raw)]}
        payload += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + payload


def f32(values):
    return struct.pack("<%df" % len(values), *values)


def seeds():
    out = {}
    out["safetensors"] = {
        "f32": safetensors({"a.weight": ("F32", [2, 3], f32(range(6))), "a.bias": ("F32", [3], f32([0.5, -1, 2]))},
                           {"format": "pt"}),
        "mixed": safetensors({"h": ("F16", [2], struct.pack("<2e", 1.0, -2.5)), "b": ("BF16", [2], b"\x80\x3f\x00\xc0"),
                              "ids": ("I64", [1, 3], struct.pack("<3q", 0, 1, 2)), "n": ("I32", [2], struct.pack("<2i", 7, -7)),
                              "s": ("F32", [], f32([3.0])), "e": ("F32", [0, 4], b"")}),
        "empty": safetensors({}),
    }
    tiny = {"architectures": ["BertForSequenceClassification"], "model_type": "bert", "vocab_size": 99, "hidden_size": 64,
            "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128, "hidden_act": "gelu",
            "max_position_embeddings": 40, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0,
            "id2label": {"0": "a", "1": "b", "2": "c"}, "label2id": {"a": 0, "b": 1, "c": 2}}
    minilm = {"hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12, "intermediate_size": 1536,
              "vocab_size": 30522, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "initializer_range": 0.02,
              "max_position_embeddings": 512, "type_vocab_size": 2, "transformers_version": "4.8.2"}
    regression = dict(tiny, num_labels=1, problem_type="regression", id2label={"0": "LABEL_0"}, classifier_dropout=0.2)
    out["config"] = {"tiny": json.dumps(tiny, indent=2).encode(), "minilm": json.dumps(minilm).encode(),
                     "regression": json.dumps(regression).encode(), "empty-object": b"{}"}
    texts = ["Hello, world! The film is unbelievable.", "Caf\u00e9 \u00e9t\u00e9 \u65e5\u672c\u8a9e  tabs\tand\nlines",
             "a bad movie\x01a good movie", "UNBELIEVABLE!!! [CLS] [SEP] [MASK] ##s"]
    out["tokenizer"] = {}
    for i, (options, max_length, text) in enumerate([(1, 0, texts[0]), (1 | 2 | 4 | 8, 0, texts[1]),
                                                      (1 | 64 | 128, 12, texts[2]), (16 | 128, 8, texts[3])]):
        out["tokenizer"]["text-%d" % i] = bytes([options, max_length]) + text.encode()
    out["tokenizer"]["tokenizer-config"] = bytes([32]) + json.dumps(
        {"do_lower_case": True, "strip_accents": None, "tokenize_chinese_chars": True, "model_max_length": 512,
         "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]",
         "clean_up_tokenization_spaces": True}).encode()
    task = {
        "csv": bytes([0]) + b'sentence,label\n"a good, fun film",pos\nbad,neg\n',
        "csv-pair": bytes([4]) + b'sentence,pair,label\nfirst,second,pos\n"quoted ""x""",y,neg\r\n',
        "tsv": bytes([1]) + b"sentence\tlabel\nfine\tpos\ndull\tneg\n",
        "jsonl-regression": bytes([2 | 8]) + b'{"sentence": "x", "label": 0.5}\n{"sentence": "y", "label": 2}\n',
        "jsonl": bytes([2]) + b'{"sentence": "x", "label": "pos"}\n\n{"sentence": "y", "label": 0}\n',
    }
    glue_train = {
        "cola": "gj04\t1\t\tThe sailors rode the breeze clear of the rocks.\n",
        "sst2": "sentence\tlabel\nit 's a charming journey . \t1\n",
        "mrpc": "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tHe said so.\tHe said it.\n",
        "stsb": "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n"
                "0\tmain\tf\t2012\t1\tnone\tnone\tA plane.\tAn airplane.\t5.000\n",
        "qqp": "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n0\t1\t2\tWhy?\tHow?\t0\n",
        "mnli": "\t".join(["index", "promptID", "pairID", "genre", "sentence1_binary_parse", "sentence2_binary_parse",
                          "sentence1_parse", "sentence2_parse", "sentence1", "sentence2", "label1", "gold_label"]) + "\n"
                + "\t".join(["0", "1", "1e", "gov", "( a )", "( b )", "(ROOT a)", "(ROOT b)", "A.", "B.", "neutral", "neutral"]) + "\n",
        "qnli": "index\tquestion\tsentence\tlabel\n0\tWhen?\tThen.\tentailment\n",
        "rte": "index\tsentence1\tsentence2\tlabel\n0\tA.\tB.\tnot_entailment\n",
        "wnli": "index\tsentence1\tsentence2\tlabel\n0\tA.\tB.\t1\n",
    }
    for k, kind in enumerate(GLUE_KINDS):
        task["glue-" + kind] = bytes([3 + 4 * k]) + glue_train[kind].encode()
    out["task-file"] = task
    out["search-space"] = {
        "small": json.dumps({"name": "small", "num_hidden_layers": [1, 2, 3], "hidden_size": [128, 256],
                             "num_attention_heads": [2, 4], "intermediate_size": [256, 512],
                             "hidden_act": ["gelu", "relu"], "head_size": None}).encode(),
        "head-size": json.dumps({"name": "fixed-head", "num_hidden_layers": [4, 8, 12], "hidden_size": [192, 384],
                                 "num_attention_heads": [3, 6], "intermediate_size": [768],
                                 "hidden_act": ["silu", "gelu_new"], "head_size": 64}).encode(),
    }
    settings = {"batch": 1, "seq": 128, "warmup": 2, "runs": 10}
    coefficients = [0.05, 0.01, 2e-9, 1.5e-9, 3e-9, 1e-8, 2e-9, 1e-9, 1e-4, 1e-8]
    profile = {"version": 1, "space": "derived", "model": {"coefficients": coefficients, "settings": settings, "threads": 1},
               "held_out": {"median": 0.04, "p90": 0.09, "max": 0.12, "count": 12},
               "fitted": {"median": 0.03, "p90": 0.08, "max": 0.1, "count": 48},
               "measurements": [{"architecture": {"num_hidden_layers": "2", "hidden_size": "128", "num_attention_heads": "2",
                                                  "intermediate_size": "256", "hidden_act": "gelu"}, "milliseconds": 1.25}]}
    out["latency-profile"] = {"profile": json.dumps(profile, indent=2).encode()}
    return out


def main():
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    count = 0
    for target, files in seeds().items():
        folder = os.path.join(CORPUS, target)
        os.makedirs(folder)
        for name, data in files.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
            count += 1
    print("fuzz/seeds.py: %d seeds in %s" % (count, os.path.relpath(CORPUS)))


if __name__ == "__main__":
    main()
