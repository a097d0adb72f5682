#!/usr/bin/env python3
"""Proxy fidelity (bench/proxy_fidelity.sh): architecture selection and the table.

    proxy_fidelity.py select --profile P.json --teacher DIR --out architectures.json [--seed 1]
    proxy_fidelity.py table OUT_DIR --truth truth-e1

`select` enumerates the derived space of the teacher (as SearchSpace.derived does), predicts each
architecture's latency with the profile's linear model (LatencyModel.features), and draws PER_BAND
architectures from each latency band (within ±10% of the band's centre, so any two members are
within ±20% of each other), plus the two hand-crafted students, each tagged with its band.

`table` reads OUT/truth-*/report.json (finalists: the truth) and OUT/proxy-*/report.json (trials:
the proxies; the truth run's own candidate stage is the variant `truth-stage`) and prints Markdown.
The truth is each student's accuracy on test and the reported dev together (both disjoint from the
scoring set). Rank statistics are computed here (Kendall τ-b, Spearman ρ with average ranks), in
plain Python, on at most a few dozen points.
"""
import argparse
import itertools
import json
import math
import random
import statistics
import sys
from pathlib import Path

BAND_CENTRES = [3.0, 7.0, 12.0, 17.0]   # ms at batch 1 × 128 tokens; refined from the baselines' latencies below
PER_BAND = 5
HALF_WIDTH = 0.10


def features(arch, batch, length, vocab_positions_types):
    l, h, a, f = arch["num_hidden_layers"], arch["hidden_size"], arch["num_attention_heads"], arch["intermediate_size"]
    b, t = batch, length
    tokens = b * t
    return [1, l, l * tokens * 4 * h * h, l * tokens * 2 * h * f, l * b * 2 * t * t * h, l * b * a * t * t,
            l * tokens * (6 * h + f), l * (4 * h * h + 2 * h * f), l * b * a, tokens * h]


def predict(profile, arch):
    model = profile["model"]
    x = features(arch, model["settings"]["batch"], model["settings"]["seq"], None)
    return sum(c * v for c, v in zip(model["coefficients"], x))


def derived_space(config):
    h, f, heads_t, layers = config["hidden_size"], config["intermediate_size"], config["num_attention_heads"], config["num_hidden_layers"]
    hidden = sorted({max(32, v // 32 * 32) for v in (h // 4, h // 2, 3 * h // 4, h) if max(32, v // 32 * 32) <= h})
    heads = sorted({v for v in (2, 4, 6, 8, 12, heads_t) if v <= heads_t})
    ffn = sorted({v for v in (h // 2, h, 2 * h, 3 * h, 4 * h, f) if 0 < v <= f})
    for l, hs, a, ff, act in itertools.product(range(1, layers + 1), hidden, heads, ffn, ["gelu", "relu", "silu"]):
        if hs % a == 0:
            yield {"num_hidden_layers": l, "hidden_size": hs, "num_attention_heads": a, "intermediate_size": ff, "hidden_act": act}


def baselines(config):
    h = config["hidden_size"]
    half = max(64, h // 2 // 64 * 64)
    return [("baseline-every-other-layer", {"num_hidden_layers": max(1, config["num_hidden_layers"] // 2), "hidden_size": h,
                                            "num_attention_heads": config["num_attention_heads"],
                                            "intermediate_size": config["intermediate_size"], "hidden_act": config["hidden_act"]}),
            ("baseline-small", {"num_hidden_layers": min(4, config["num_hidden_layers"]), "hidden_size": half,
                                "num_attention_heads": max(1, half // 64), "intermediate_size": min(4 * half, config["intermediate_size"]),
                                "hidden_act": config["hidden_act"]})]


def select(args):
    profile = json.loads(Path(args.profile).read_text())
    config = json.loads((Path(args.teacher) / "config.json").read_text())
    rng = random.Random(args.seed)
    space = list(derived_space(config))
    teacher_ms = predict(profile, {k: config[k] for k in ("num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size")})
    hand = [(name, arch, predict(profile, arch)) for name, arch in baselines(config)]
    # Bands: the fastest useful region, each hand-crafted student's latency, and the 0.6 × teacher target.
    centres = sorted({round(c, 2) for c in [3.0] + [ms for _, _, ms in hand] + [0.6 * teacher_ms]})
    chosen, keys = [], set()
    for band, centre in enumerate(centres):
        members = [a for a in space if abs(predict(profile, a) / centre - 1) <= HALF_WIDTH]
        for name, arch, ms in hand:
            if abs(ms / centre - 1) <= HALF_WIDTH:
                chosen.append(dict(arch, band=band, predicted_ms=round(ms, 3), name=name))
                keys.add(json.dumps(arch, sort_keys=True))
        rng.shuffle(members)
        picked = 0
        for arch in members:
            key = json.dumps(arch, sort_keys=True)
            if key in keys:
                continue
            keys.add(key)
            chosen.append(dict(arch, band=band, predicted_ms=round(predict(profile, arch), 3)))
            picked += 1
            if picked == PER_BAND:
                break
        print(f"band {band}: centre {centre:.2f} ms, {len(members)} architectures of the space in ±{HALF_WIDTH:.0%}, {picked} drawn",
              file=sys.stderr)
    Path(args.out).write_text(json.dumps(chosen, indent=1) + "\n")
    print(f"{len(chosen)} architectures → {args.out} (teacher predicted {teacher_ms:.2f} ms)", file=sys.stderr)


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def pearson(x, y):
    mx, my = statistics.mean(x), statistics.mean(y)
    sx = math.sqrt(sum((v - mx) ** 2 for v in x))
    sy = math.sqrt(sum((v - my) ** 2 for v in y))
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / (sx * sy) if sx > 0 and sy > 0 else float("nan")


def spearman(x, y):
    return pearson(ranks(x), ranks(y))


def kendall(x, y):
    """Kendall's τ-b (ties in either variable accounted for), as scipy.stats.kendalltau."""
    concordant = discordant = ties_x = ties_y = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif dx * dy > 0:
                concordant += 1
            else:
                discordant += 1
    denominator = math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))
    return (concordant - discordant) / denominator if denominator > 0 else float("nan")


def load_run(folder):
    """A run as report.json has it; from RUN/search.sqlite while the run is still going (or was stopped)."""
    if (folder / "report.json").exists():
        return json.loads((folder / "report.json").read_text())
    if not (folder / "search.sqlite").exists():
        return None
    import sqlite3
    db = sqlite3.connect(f"file:{folder / 'search.sqlite'}?mode=ro", uri=True)
    kv = {key: value for key, value in db.execute("SELECT key, value FROM kv")}
    if "settings" not in kv:
        return None
    settings = json.loads(kv["settings"])
    teacher_ms = float(kv["teacher_latency_ms"]) if "teacher_latency_ms" in kv else None
    reward = settings["reward"]
    return {"settings": settings, "teacher": json.loads(kv["teacher_metrics"]) if "teacher_metrics" in kv else {},
            "target_ms": reward.get("target_ms") or (reward["beta"] * teacher_ms if teacher_ms else None),
            "trials": [json.loads(r) for (r,) in db.execute("SELECT record FROM trials ORDER BY id")],
            "finalists": [json.loads(r) for (r,) in db.execute("SELECT record FROM finalists ORDER BY rowid")]}


def key_of(arch):
    return (arch["num_hidden_layers"], arch["hidden_size"], arch["num_attention_heads"], arch["intermediate_size"], arch["hidden_act"])


def fmt(value, digits=2):
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def table(args):
    out = Path(args.out)
    listed = json.loads((out / "architectures.json").read_text())
    band_of = {key_of(a): a["band"] for a in listed}
    # The truth run, and any run named after it (e.g. truth-e1-small: part of the list distilled in a second
    # process to share the cores); the first run that distilled an architecture counts.
    truth_reports = [r for r in (load_run(folder) for folder in sorted(out.glob(args.truth + "*")) if folder.is_dir()) if r]
    truth_report = truth_reports[0]
    settings = truth_report["settings"]
    examples = truth_report["teacher"].get("examples") or {}
    n_dev, n_test = examples.get("dev", 0), examples.get("test", 0)
    metric = "accuracy"
    truth, truth_latency = {}, {}
    for finalist in [f for report in truth_reports for f in report["finalists"]]:
        if key_of(finalist["architecture"]) in truth:
            continue
        dev, test = finalist["dev"].get(metric), (finalist.get("test") or {}).get(metric)
        truth[key_of(finalist["architecture"])] = (dev * n_dev + test * n_test) / (n_dev + n_test)
        truth_latency[key_of(finalist["architecture"])] = finalist["latency_ms"]
    target = truth_report["target_ms"]
    alpha = settings["reward"]["alpha"]

    def reward(accuracy, latency):
        return accuracy * (latency / target) ** alpha

    runs = {"truth-stage (p10-e1-dev)": truth_report}
    for folder in sorted(p for p in out.glob("proxy-*") if p.is_dir()):
        if (run := load_run(folder)) is not None:
            runs[folder.name[len("proxy-"):]] = run
    # Successive halving, simulated from two variants whose training sets are nested prefixes of one
    # seeded order (as the search's rungs are): every candidate at LOW, the top third by reward promoted
    # to HIGH; promoted candidates rank above the rest (by their HIGH score), the rest by LOW.
    low, high = runs.get("p05-e1-lr5e-4-dev"), runs.get("p30-e1-lr5e-4-dev")
    if low and high:
        high_by_key = {key_of(t["architecture"]): t for t in high["trials"] if t.get("state") == "done"}
        base = [t for t in low["trials"] if t.get("state") == "done" and key_of(t["architecture"]) in high_by_key]
        promoted = set(key_of(t["architecture"]) for t in sorted(base, key=lambda t: -t["reward"])[:max(1, round(len(base) / 3))])
        simulated = []
        for t in base:
            k = key_of(t["architecture"])
            top = high_by_key[k] if k in promoted else t
            simulated.append(dict(top, accuracy=(1 + top["accuracy"]) if k in promoted else t["accuracy"],
                                  reward=(1 + top["reward"]) if k in promoted else t["reward"],
                                  seconds=t["seconds"] + (high_by_key[k]["seconds"] if k in promoted else 0)))
        passes = low["settings"]["proxy_fraction"] + len(promoted) / len(base) * high["settings"]["proxy_fraction"]
        runs["SH p05 → ⅓ at p30, lr 5e-4 (simulated)"] = dict(low, trials=simulated, settings=dict(low["settings"], proxy_fraction=passes, proxy_epochs=1))
    rows = []
    params_done = False
    for name, report in runs.items():
        trials = [t for t in report["trials"] if t.get("state") == "done" and key_of(t["architecture"]) in truth]
        if len(trials) < 4:
            continue
        majority = report["teacher"].get("scoring_majority")
        signals = {name: [t["accuracy"] for t in trials]}
        if not params_done:
            signals["parameters"] = [t["parameters"] for t in trials]
            signals["initial score (no training)"] = [t.get("initial_score") for t in trials]
            params_done = True
        signals[f"{name}: −train loss"] = [-(t.get("train_loss") or float("nan")) for t in trials]
        # An even blend of the proxy score and log parameter count, each z-scored over the list.
        def zscores(values):
            mean = statistics.mean(values)
            spread = statistics.pstdev(values) or 1.0
            return [(v - mean) / spread for v in values]
        signals[f"{name} + parameters (z-blend)"] = [a + b for a, b in zip(zscores([t["accuracy"] for t in trials]),
                                                                         zscores([math.log(t["parameters"]) for t in trials]))]
        for signal, values in signals.items():
            if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
                continue
            keys = [key_of(t["architecture"]) for t in trials]
            y = [truth[k] for k in keys]
            bands = {}
            for i, k in enumerate(keys):
                bands.setdefault(band_of.get(k), []).append(i)
            within = [kendall([values[i] for i in members], [y[i] for i in members])
                      for band, members in sorted(bands.items(), key=lambda kv: (kv[0] is None, kv[0])) if band is not None and len(members) >= 3]
            within_rho = [spearman([values[i] for i in members], [y[i] for i in members])
                          for band, members in bands.items() if band is not None and len(members) >= 3]
            if signal == name:
                proxy_reward = [reward(t["accuracy"], t["latency_ms"]) for t in trials]
                true_reward = [reward(truth[k], truth_latency[k]) for k in keys]
                top_proxy = set(sorted(range(len(trials)), key=lambda i: -proxy_reward[i])[:5])
                top_truth = set(sorted(range(len(trials)), key=lambda i: -true_reward[i])[:5])
                overlap = len(top_proxy & top_truth)
                at_majority = sum(1 for t in trials if majority is not None and t["accuracy"] <= majority + 0.005) / len(trials)
                seconds = statistics.mean(t["seconds"] for t in trials)
                examples = report["settings"]["proxy_fraction"] * report["settings"]["proxy_epochs"]
            else:
                overlap, at_majority, seconds, examples = None, None, None, None
            rows.append((signal, len(trials), kendall(values, y), spearman(values, y),
                         statistics.mean(within) if within else float("nan"), within,
                         statistics.mean(within_rho) if within_rho else float("nan"), overlap, at_majority, seconds, examples))
    print(f"Truth: {args.truth} — each architecture distilled {settings['final_epochs']} epoch(s) on the full training set "
          f"(losses {'+'.join(settings['recipe']['losses'])}), accuracy on test ({n_test}) and reported dev ({n_dev}) together; "
          f"{len(truth)} architectures in {len(set(band_of.values()))} latency bands.\n")
    print("| proxy | n | Kendall τ | Spearman ρ | τ within bands (mean) | τ per band | ρ within bands | top-5 overlap (reward) | at majority class | train passes | s / candidate |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for signal, n, tau, rho, within, per_band, within_rho, overlap, majority, seconds, examples in rows:
        print(f"| {signal} | {n} | {fmt(tau)} | {fmt(rho)} | {fmt(within)} | {', '.join(fmt(v) for v in per_band)} | {fmt(within_rho)} | "
              f"{'–' if overlap is None else overlap} | {'–' if majority is None else f'{majority:.0%}'} | "
              f"{'–' if examples is None else f'{examples:.2f}×'} | {fmt(seconds, 1)} |")
    print("\n| architecture | band | latency ms | truth accuracy | " + " | ".join(runs) + " |")
    print("| --- | ---: | ---: | ---: | " + " | ".join("---:" for _ in runs) + " |")
    scores = {name: {key_of(t["architecture"]): t.get("accuracy") for t in r["trials"] if t.get("state") == "done"} for name, r in runs.items()}
    for k in sorted(truth, key=lambda k: truth_latency[k]):
        print(f"| L{k[0]}-H{k[1]}-A{k[2]}-F{k[3]}-{k[4]} | {band_of.get(k, '–')} | {truth_latency[k]:.2f} | {truth[k]:.4f} | "
              + " | ".join(fmt(scores[name].get(k), 4) for name in runs) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("select")
    s.add_argument("--profile", required=True)
    s.add_argument("--teacher", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--seed", type=int, default=1)
    t = sub.add_parser("table")
    t.add_argument("out")
    t.add_argument("--truth", default="truth-e1")
    args = parser.parse_args()
    select(args) if args.command == "select" else table(args)


if __name__ == "__main__":
    main()
