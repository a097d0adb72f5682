#!/usr/bin/env python3
"""Final-stage epochs (bench/final_epochs.sh): the table.

    python3 bench/final_epochs.py OUT_DIR 1 2 3

Reads OUT/eN/report.json for each epoch count N (every finalist of those runs is one listed
architecture distilled N epochs on the full training set by the final stage's recipe) and prints
Markdown: per architecture, its latency (the run's calibrated figure) and its test and reported-dev
accuracy after each epoch count, the seconds per epoch; then, per epoch count, the mean accuracy,
Kendall τ-b of its ranking against the longest run's (test, and test + dev together), and whether the
every-other-layer student's rank or the ≥ 97%-at-3× check changes.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proxy_fidelity import kendall  # noqa: E402  (τ-b in plain Python, shared with the fidelity table)


def shape(a):
    return f"L{a['num_hidden_layers']}-H{a['hidden_size']}-A{a['num_attention_heads']}-F{a['intermediate_size']}-{a['hidden_act']}"


def main():
    out, epochs = Path(sys.argv[1]), [int(e) for e in sys.argv[2:]] or [1, 2, 3]
    runs = {}
    for e in epochs:
        path = out / f"e{e}" / "report.json"
        if path.exists():
            runs[e] = json.loads(path.read_text())
    if not runs:
        sys.exit(f"final_epochs.py: no report.json under {out}/e*")
    first = runs[min(runs)]
    teacher_ms, teacher_test = first["teacher_latency_ms"], first["teacher"]["test"]["accuracy"]
    rows = {}
    for e, report in runs.items():
        for f in report["finalists"]:
            rows.setdefault(shape(f["architecture"]), {})[e] = f
    shapes = sorted(rows, key=lambda s: next(iter(rows[s].values()))["latency_ms"])
    done = [e for e in epochs if e in runs]
    print(f"Teacher: {teacher_ms:.2f} ms, test {teacher_test:.4f}; 97% of it is {0.97 * teacher_test:.4f}, 3× is ≤ {teacher_ms / 3:.2f} ms.\n")
    print("| architecture | latency ms | speed-up | " + " | ".join(f"test e{e}" for e in done) + " | "
          + " | ".join(f"dev e{e}" for e in done) + " | s / epoch |")
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in done * 2) + " | ---: |")
    for s in shapes:
        cells = rows[s]
        any_f = next(iter(cells.values()))
        test = [f"{cells[e]['test']['accuracy']:.4f}" if e in cells else "–" for e in done]
        dev = [f"{cells[e]['dev']['accuracy']:.4f}" if e in cells else "–" for e in done]
        per_epoch = [cells[e]["seconds"] / e for e in done if e in cells]
        print(f"| {s} | {any_f['latency_ms']:.2f} | {teacher_ms / any_f['latency_ms']:.2f}× | " + " | ".join(test) + " | "
              + " | ".join(dev) + f" | {sum(per_epoch) / len(per_epoch):.0f} |")
    longest = max(done)
    common = [s for s in shapes if all(e in rows[s] for e in done)]
    print(f"\nAgreement with e{longest} over the {len(common)} architectures every run finished:\n")
    print("| epochs | mean test | mean dev | τ test vs e%d | τ test+dev vs e%d | best at ≥ 3× (test) |" % (longest, longest))
    print("| --- | ---: | ---: | ---: | ---: | --- |")

    def both(f):
        return f["test"]["accuracy"] + f["dev"]["accuracy"]

    for e in done:
        test = [rows[s][e]["test"]["accuracy"] for s in common]
        dev = [rows[s][e]["dev"]["accuracy"] for s in common]
        tau = kendall(test, [rows[s][longest]["test"]["accuracy"] for s in common])
        tau_both = kendall([both(rows[s][e]) for s in common], [both(rows[s][longest]) for s in common])
        fast = [s for s in common if teacher_ms / rows[s][e]["latency_ms"] >= 3]
        best = max(fast, key=lambda s: rows[s][e]["test"]["accuracy"], default=None)
        best_text = (f"{best} {rows[best][e]['test']['accuracy']:.4f} ({rows[best][e]['test']['accuracy'] / teacher_test:.1%})"
                     if best else "none")
        print(f"| {e} | {sum(test) / len(test):.4f} | {sum(dev) / len(dev):.4f} | {tau:.2f} | {tau_both:.2f} | {best_text} |")


if __name__ == "__main__":
    main()
