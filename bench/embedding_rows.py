#!/usr/bin/env python3
"""How many of the word embeddings' rows one batch of the bundled task reaches (why AdamW defers them).

    .venv-ref/bin/python bench/embedding_rows.py [--batch 32] [--examples 10240]

The review snippets of rotten-tomatoes (categories fresh and rotten), shuffled with seed 0, cut into
batches and tokenised by transformers' tokenizer of cache/minilm (at most 128 tokens): distinct token
ids per batch, tokens per batch, and distinct ids over all the examples, against the vocabulary.
Random batches, not the trainer's length buckets; a measurement, not a test.
"""
import argparse
import csv
import os
import random
import statistics

from transformers import BertTokenizerFast

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("--batch", type=int, default=32)
parser.add_argument("--examples", type=int, default=10240)
args = parser.parse_args()

tokenizer = BertTokenizerFast.from_pretrained(os.path.join(ROOT, "cache/minilm"))
with open(os.path.join(ROOT, "cache/data/rotten_tomatoes_corpus_full.csv"), newline="") as file:
    texts = [row["text"] for row in csv.DictReader(file) if row["category"] in ("fresh", "rotten")]
random.seed(0)
random.shuffle(texts)
ids = [tokenizer(text, truncation=True, max_length=128)["input_ids"] for text in texts[: args.examples]]
batches = [ids[start:start + args.batch] for start in range(0, len(ids), args.batch)]
distinct = [len({token for example in batch for token in example}) for batch in batches]
tokens = [sum(len(example) for example in batch) for batch in batches]
print(f"{len(batches)} batches of {args.batch} of {len(texts)} snippets; vocabulary {tokenizer.vocab_size}")
print(f"distinct ids per batch: median {statistics.median(distinct)}, min {min(distinct)}, max {max(distinct)}; "
      f"tokens per batch: mean {statistics.mean(tokens):.0f}")
print(f"distinct ids over the {len(ids)} examples: {len({t for example in ids for t in example})}")
