#!/usr/bin/env python3
"""The main job's finalists against the issue's three checks, per run and over runs (seeds).

    python3 bench/main_job_summary.py runs/main/search [runs/main/search-seed2 ...]

For each run folder (its report.json): the finalists with parameters, latency (the run's repeatable
figure) and speed-up over the teacher, dev (as reported: without the scoring examples) and test;
then, on test accuracy:
  1. every hand-crafted student matched: a searched finalist at most as slow and at least as accurate;
  2. a searched finalist at >= 97% of the teacher's test accuracy with >= 3x speed-up;
  3. at the every-other-layer student's latency (within ±5%), a searched finalist >= 1 point more accurate.
Over several runs: how many runs meet each check, and each check's figure (the best searched finalist's margin
over each baseline at most as slow, the best share of the teacher at >= 3x, the best gain at the every-other-layer
latency) per run and as mean ± std (sample standard deviation).
"""
import json
import statistics
import sys
from pathlib import Path


def shape(a):
    return f"L{a['num_hidden_layers']}-H{a['hidden_size']}-A{a['num_attention_heads']}-F{a['intermediate_size']}-{a['hidden_act']}"


def summarise(folder):
    report = json.loads((Path(folder) / "report.json").read_text())
    teacher, teacher_ms = report["teacher"], report["teacher_latency_ms"]
    metric = "accuracy"
    teacher_test = teacher["test"][metric]
    print(f"## {folder} (seed {report['settings']['seed']}; teacher {teacher_ms:.2f} ms, test {teacher_test:.4f}, "
          f"target {report['target_ms']:.2f} ms)\n")
    print("| finalist | shape | parameters | latency ms | speed-up | dev | test |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    print(f"| teacher | {shape(teacher['architecture'])} | {teacher['parameters'] / 1e6:.1f}M | {teacher_ms:.2f} | 1.00× | "
          f"{teacher['dev'][metric]:.4f} | {teacher_test:.4f} |")
    finalists = report["finalists"]
    for f in finalists:
        print(f"| {f['name']} | {shape(f['architecture'])} | {f['parameters'] / 1e6:.1f}M | {f['latency_ms']:.2f} | "
              f"{teacher_ms / f['latency_ms']:.2f}× | {f['dev'][metric]:.4f} | {f['test'][metric]:.4f} |")
    searched = [f for f in finalists if f["origin"] != "baseline"]
    baselines = [f for f in finalists if f["origin"] == "baseline"]
    checks, figures = {}, {}
    for b in baselines:
        slower = [f["test"][metric] for f in searched if f["latency_ms"] <= b["latency_ms"]]
        figures[f"margin over {b['name']}, points"] = (max(slower) - b["test"][metric]) * 100 if slower else None
        match = [f for f in searched if f["latency_ms"] <= b["latency_ms"] and f["test"][metric] >= b["test"][metric]]
        best = max(match, key=lambda f: f["test"][metric], default=None)
        checks[f"matches {b['name']}"] = (best is not None,
                                          f"{best['name']} {best['test'][metric]:.4f} at {best['latency_ms']:.2f} ms" if best else
                                          f"none at ≤ {b['latency_ms']:.2f} ms with ≥ {b['test'][metric]:.4f}")
    fast = [f for f in searched if teacher_ms / f["latency_ms"] >= 3]
    best_fast = max(fast, key=lambda f: f["test"][metric], default=None)
    figures["best share of the teacher at ≥ 3×, %"] = best_fast["test"][metric] / teacher_test * 100 if best_fast else None
    checks["≥ 97% of teacher at ≥ 3×"] = (
        best_fast is not None and best_fast["test"][metric] >= 0.97 * teacher_test,
        f"best at ≥ 3×: {best_fast['name']} {best_fast['test'][metric]:.4f} ({best_fast['test'][metric] / teacher_test:.1%} of the teacher)"
        if best_fast else "no searched finalist at ≥ 3×")
    every = next((b for b in baselines if b["name"] == "baseline-every-other-layer"), None)
    if every:
        near = [f for f in searched if abs(f["latency_ms"] / every["latency_ms"] - 1) <= 0.05]
        best_near = max(near, key=lambda f: f["test"][metric], default=None)
        gain = best_near["test"][metric] - every["test"][metric] if best_near else None
        figures["best gain at every-other-layer latency ±5%, points"] = gain * 100 if gain is not None else None
        checks["+1 point at every-other-layer latency ±5%"] = (
            gain is not None and gain >= 0.01,
            f"{best_near['name']} {gain * 100:+.1f} points" if best_near else "no searched finalist within ±5%")
    print()
    for name, (ok, detail) in checks.items():
        print(f"- {name}: {'yes' if ok else 'no'} ({detail})")
    print()
    return {name: ok for name, (ok, _) in checks.items()}, figures


def main():
    results = [summarise(folder) for folder in sys.argv[1:]]
    if len(results) > 1:
        print("## Over runs\n")
        for name in results[0][0]:
            values = [r[0].get(name, False) for r in results]
            print(f"- {name}: {sum(values)} of {len(values)} runs")
        print("\n| figure | " + " | ".join(f"run {i + 1}" for i in range(len(results))) + " | mean ± std |")
        print("| --- |" + " ---: |" * (len(results) + 1))
        for name in results[0][1]:
            values = [r[1].get(name) for r in results]
            known = [v for v in values if v is not None]
            sign = "" if name.endswith("%") else "+"  # a share has no sign, a margin does
            spread = f"{statistics.mean(known):{sign}.2f} ± {statistics.stdev(known):.2f}" if len(known) > 1 else "–"
            print(f"| {name} | " + " | ".join(f"{v:{sign}.2f}" if v is not None else "–" for v in values) + f" | {spread} |")


if __name__ == "__main__":
    main()
