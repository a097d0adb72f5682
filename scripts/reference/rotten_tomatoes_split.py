"""The train/dev/test split of the bundled Rotten Tomatoes task, written out independently of the
Swift code (`Sources/Tasks/RottenTomatoesTask.swift`) so that the two can be compared.

Usage (plain python3, no dependencies; paths are relative to the repo root):

    python3 scripts/reference/rotten_tomatoes_split.py            # counts and the first 3 texts per split
    python3 scripts/reference/rotten_tomatoes_split.py --json     # everything, as JSON (the Swift test reads this)
    python3 scripts/reference/rotten_tomatoes_split.py --source PATH/TO/rotten_tomatoes_corpus_full.csv

The rules (keep them in step with RottenTomatoesTask.swift):
1. Read cache/data/rotten_tomatoes_corpus_full.csv as RFC 4180 CSV (header
   `category,text,movie_name,has_plot_and_reviews`; every row must have 4 fields).
2. Drop `plot` rows. Label `fresh` = 1, `rotten` = 0 (label names ["rotten", "fresh"]); any other
   category is an error.
3. The text is the `text` field with str.strip(): Unicode White_Space plus U+001C..U+001F.
4. Deduplicate by text (compared as exact code points, no normalisation): a text seen with both
   labels is dropped entirely; otherwise it is kept once.
5. h = FNV-1a 64-bit of the text's UTF-8 bytes (offset basis 0xcbf29ce484222325, prime
   0x100000001b3). h % 10 in 0...7 -> train, 8 -> dev, 9 -> test.
6. Within a split, order by (h, text); texts compare by code points (= UTF-8 byte order).
"""

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "cache" / "data" / "rotten_tomatoes_corpus_full.csv"
HEADER = ["category", "text", "movie_name", "has_plot_and_reviews"]
LABELS = {"rotten": 0, "fresh": 1}
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK = (1 << 64) - 1


def fnv1a64(data: bytes) -> int:
    h = FNV_OFFSET
    for byte in data:
        h ^= byte
        h = (h * FNV_PRIME) & MASK
    return h


def split_of(h: int) -> str:
    bucket = h % 10
    return "train" if bucket <= 7 else ("dev" if bucket == 8 else "test")


def make_splits(source: Path) -> dict:
    with open(source, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        header = next(rows)
        if header != HEADER:
            sys.exit(f"{source}: header {header}, expected {HEADER}")
        labels_of_text = {}  # text -> set of labels, in order of first appearance
        plot_rows = 0
        review_rows = 0
        for row in rows:
            if not row:
                continue  # a blank line (csv.reader gives []); the Swift reader skips it too
            if len(row) != len(HEADER):
                sys.exit(f"{source}: record {rows.line_num}: {len(row)} fields, expected {len(HEADER)}")
            category = row[0]
            if category == "plot":
                plot_rows += 1
                continue
            if category not in LABELS:
                sys.exit(f"{source}: record ending on line {rows.line_num}: category {category!r}")
            review_rows += 1
            labels_of_text.setdefault(row[1].strip(), set()).add(LABELS[category])

    kept = [(text, next(iter(labels))) for text, labels in labels_of_text.items() if len(labels) == 1]
    conflicting = [text for text, labels in labels_of_text.items() if len(labels) > 1]
    splits = {"train": [], "dev": [], "test": []}
    for text, label in kept:
        h = fnv1a64(text.encode("utf-8"))
        splits[split_of(h)].append((h, text, label))
    for name in splits:
        splits[name].sort(key=lambda item: (item[0], item[1]))
    return {
        "source_rows": plot_rows + review_rows,
        "plot_rows": plot_rows,
        "review_rows": review_rows,
        "distinct_texts": len(labels_of_text),
        "duplicate_rows_dropped": review_rows - len(labels_of_text),
        "conflicting_texts_dropped": len(conflicting),
        "counts": {name: len(items) for name, items in splits.items()},
        "splits": {name: [{"text": t, "label": label} for _, t, label in items] for name, items in splits.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--json", action="store_true", help="print everything as one JSON object")
    args = parser.parse_args()
    if not args.source.is_file():
        sys.exit(f"{args.source}: not found; run scripts/setup-data.sh")
    result = make_splits(args.source)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    print(f"rows: {result['source_rows']} ({result['plot_rows']} plot dropped, {result['review_rows']} reviews)")
    print(f"distinct texts: {result['distinct_texts']}; duplicate rows dropped: {result['duplicate_rows_dropped']}; "
          f"texts with both labels dropped: {result['conflicting_texts_dropped']}")
    for name in ("train", "dev", "test"):
        items = result["splits"][name]
        fresh = sum(item["label"] for item in items)
        print(f"{name}: {len(items)} ({fresh} fresh, {len(items) - fresh} rotten)")
        for item in items[:3]:
            print(f"  {item['label']} {item['text']!r}")


if __name__ == "__main__":
    main()
