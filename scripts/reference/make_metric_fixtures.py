"""Writes the metric fixtures for the Swift `Tasks` module (`Metrics`).

Usage (from anywhere; paths are relative to the repo root):

    scripts/setup-reference.sh        # once; .venv-ref needs numpy, scipy, scikit-learn
    .venv-ref/bin/python scripts/reference/make_metric_fixtures.py
        -> Tests/TasksTests/Fixtures/metrics.json   (committed, small)

The reference values come from scikit-learn (`accuracy_score`, `f1_score` binary with
pos_label=1, `matthews_corrcoef`) and SciPy (`pearsonr`, `spearmanr`), on fixed vectors that
include ties and the degenerate cases. NaN, which JSON cannot hold, is written as null.

Degenerate cases recorded here so nobody has to rediscover them:
- sklearn's F1 with no positive predictions and no positive labels is 0 (zero_division="warn"
  returns 0 with an UndefinedMetricWarning); with positives in only one of them it is 0 too.
- sklearn's Matthews correlation is 0 when the predictions or the labels are constant.
- SciPy's pearsonr and spearmanr return NaN (with a ConstantInputWarning) when either input is
  constant.
"""

import json
import math
import warnings
from pathlib import Path

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "TasksTests" / "Fixtures" / "metrics.json"


def classification_cases():
    rng = np.random.default_rng(20240611)
    labels = rng.integers(0, 2, size=200)
    noisy = np.where(rng.random(200) < 0.8, labels, 1 - labels)
    three_labels = rng.integers(0, 3, size=150)
    three_predictions = np.where(rng.random(150) < 0.6, three_labels, rng.integers(0, 3, size=150))
    return [
        ("binary_small", [1, 0, 1, 1, 0, 0, 1, 0], [1, 0, 0, 1, 0, 1, 1, 1]),
        ("binary_perfect", [0, 1, 1, 0, 1], [0, 1, 1, 0, 1]),
        ("binary_inverted", [1, 0, 0, 1, 0], [0, 1, 1, 0, 1]),
        ("binary_random_200", noisy.tolist(), labels.tolist()),
        ("constant_predictions_ones", [1, 1, 1, 1, 1, 1], [1, 0, 1, 0, 0, 1]),
        ("constant_predictions_zeros", [0, 0, 0, 0], [1, 0, 1, 0]),
        ("constant_labels", [1, 0, 1, 0, 1], [1, 1, 1, 1, 1]),
        ("all_negative", [0, 0, 0], [0, 0, 0]),
        ("no_true_positives", [1, 1, 0, 0], [0, 0, 1, 1]),
        ("single", [1], [1]),
        ("three_class_150", three_predictions.tolist(), three_labels.tolist()),
        ("three_class_small", [0, 2, 1, 2, 0, 1, 1], [0, 1, 1, 2, 2, 1, 0]),
    ]


def regression_cases():
    rng = np.random.default_rng(7)
    x = rng.normal(size=300)
    y = 0.7 * x + 0.5 * rng.normal(size=300)
    scores = np.round(rng.uniform(0, 5, size=120) * 2) / 2  # STS-B-like scores on a 0.5 grid: many ties
    predictions = np.clip(scores + rng.normal(scale=0.8, size=120), 0, 5)
    return [
        ("linear_small", [1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 4.1, 5.9, 8.2, 9.9]),
        ("random_300", x.tolist(), y.tolist()),
        ("ties_both", [1, 2, 2, 3, 3, 3, 4, 5], [1, 1, 2, 2, 3, 3, 3, 4]),
        ("stsb_like_ties_120", predictions.tolist(), scores.tolist()),
        ("negative", [3.0, 1.0, 2.0, 0.5], [0.1, 0.9, 0.4, 1.2]),
        ("two_points", [0.0, 1.0], [1.0, 3.0]),
        ("large_offset", [1e6 + 0.1, 1e6 + 0.2, 1e6 + 0.4, 1e6 + 0.3], [5.0, 6.0, 8.0, 7.5]),
        ("constant_predictions", [2.5, 2.5, 2.5, 2.5], [1.0, 2.0, 3.0, 4.0]),
        ("constant_labels", [1.0, 2.0, 3.0], [0.7, 0.7, 0.7]),
    ]


def nan_to_none(value):
    value = float(value)
    return None if math.isnan(value) else value


def main() -> None:
    classification = []
    for name, predictions, labels in classification_cases():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            binary = set(predictions) | set(labels) <= {0, 1}
            entry = {
                "name": name,
                "predictions": [int(v) for v in predictions],
                "labels": [int(v) for v in labels],
                "accuracy": nan_to_none(accuracy_score(labels, predictions)),
                "matthews": nan_to_none(matthews_corrcoef(labels, predictions)),
            }
            if binary:
                entry["f1"] = nan_to_none(f1_score(labels, predictions, average="binary", pos_label=1))
        classification.append(entry)

    regression = []
    for name, predictions, labels in regression_cases():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            regression.append({
                "name": name,
                "predictions": [float(v) for v in predictions],
                "labels": [float(v) for v in labels],
                "pearson": nan_to_none(scipy.stats.pearsonr(predictions, labels)[0]),
                "spearman": nan_to_none(scipy.stats.spearmanr(predictions, labels)[0]),
            })

    fixture = {
        "reference": f"scikit-learn {sklearn.__version__}, scipy {scipy.__version__}, numpy {np.__version__}",
        "classification": classification,
        "regression": regression,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(classification)} classification and {len(regression)} regression cases "
          f"({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
