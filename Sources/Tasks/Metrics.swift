import Foundation

/// The evaluation metrics as pure functions of predictions and labels, matching scikit-learn
/// (`accuracy_score`, `f1_score`, `matthews_corrcoef`) and SciPy (`pearsonr`, `spearmanr`).
///
/// `Tests/TasksTests/Fixtures/metrics.json`, written by
/// `scripts/reference/make_metric_fixtures.py`, holds their values on fixed vectors, ties and
/// degenerate cases included.
///
/// Degenerate cases, as the references:
/// - F1 with no true positives and nothing predicted or labelled positive: 0 (sklearn's
///   `zero_division` default, without its warning).
/// - Matthews correlation with constant predictions or constant labels: 0 (sklearn).
/// - Pearson or Spearman of a constant vector: NaN (SciPy returns NaN with a
///   `ConstantInputWarning`); fewer than two values: NaN (SciPy raises).
/// - Empty inputs: accuracy NaN.
public enum Metrics {
    /// The fraction of `predictions` equal to `labels`; NaN when empty.
    public static func accuracy(predictions: [Int], labels: [Int]) -> Double {
        precondition(predictions.count == labels.count, "accuracy: \(predictions.count) predictions for \(labels.count) labels")
        guard !labels.isEmpty else { return .nan }
        let correct = zip(predictions, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Double(correct) / Double(labels.count)
    }

    /// Binary F1 = 2·TP / (2·TP + FP + FN) with `positive` (default 1) the positive class; 0 when
    /// there are no positives at all.
    public static func f1(predictions: [Int], labels: [Int], positive: Int = 1) -> Double {
        precondition(predictions.count == labels.count, "f1: \(predictions.count) predictions for \(labels.count) labels")
        var truePositives = 0, falsePositives = 0, falseNegatives = 0
        for (prediction, label) in zip(predictions, labels) {
            switch (prediction == positive, label == positive) {
            case (true, true): truePositives += 1
            case (true, false): falsePositives += 1
            case (false, true): falseNegatives += 1
            case (false, false): break
            }
        }
        let denominator = 2 * truePositives + falsePositives + falseNegatives
        return denominator == 0 ? 0 : Double(2 * truePositives) / Double(denominator)
    }

    /// Matthews correlation coefficient, for two or more classes (Gorodkin's R_K, as sklearn):
    /// (c·s − Σ p_k·t_k) / sqrt((s² − Σ p_k²)(s² − Σ t_k²)), with c correct, s samples, p_k / t_k
    /// the predicted / true counts of class k; 0 when either factor under the root is 0.
    public static func matthewsCorrelation(predictions: [Int], labels: [Int]) -> Double {
        precondition(predictions.count == labels.count,
                     "matthewsCorrelation: \(predictions.count) predictions for \(labels.count) labels")
        var predictedCounts: [Int: Double] = [:]
        var trueCounts: [Int: Double] = [:]
        var correct = 0.0
        for (prediction, label) in zip(predictions, labels) {
            predictedCounts[prediction, default: 0] += 1
            trueCounts[label, default: 0] += 1
            if prediction == label { correct += 1 }
        }
        let samples = Double(labels.count)
        let classes = Set(predictedCounts.keys).union(trueCounts.keys).sorted()
        var predictedTrue = 0.0, predictedSquared = 0.0, trueSquared = 0.0
        for k in classes {
            let p = predictedCounts[k] ?? 0, t = trueCounts[k] ?? 0
            predictedTrue += p * t
            predictedSquared += p * p
            trueSquared += t * t
        }
        let covariance = correct * samples - predictedTrue
        let predictedVariance = samples * samples - predictedSquared
        let trueVariance = samples * samples - trueSquared
        guard predictedVariance * trueVariance != 0 else { return 0 }
        return covariance / (predictedVariance * trueVariance).squareRoot()
    }

    /// Pearson correlation of `x` and `y`; NaN when either is constant or has fewer than 2 values.
    ///
    /// As SciPy: centre, scale each centred vector by its norm, dot, clip to [-1, 1].
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "pearson: \(x.count) values against \(y.count)")
        // SciPy tests for exact constancy first: a constant vector need not centre to exact zeros.
        guard x.count >= 2, x.contains(where: { $0 != x[0] }), y.contains(where: { $0 != y[0] }) else { return .nan }
        let n = Double(x.count)
        let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var sxx = 0.0, syy = 0.0, sxy = 0.0
        for (a, b) in zip(x, y) {
            let dx = a - meanX, dy = b - meanY
            sxx += dx * dx
            syy += dy * dy
            sxy += dx * dy
        }
        return min(1, max(-1, sxy / (sxx.squareRoot() * syy.squareRoot())))
    }

    /// Spearman rank correlation: the Pearson correlation of the ranks, ties given their average rank.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "spearman: \(x.count) values against \(y.count)")
        return pearson(averageRanks(x), averageRanks(y))
    }

    /// 1-based ranks with ties given the mean of the ranks they span (SciPy's `rankdata("average")`).
    public static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
            // Positions start ..< end share the ranks start+1 ... end.
            let average = Double(start + 1 + end) / 2
            for position in start ..< end { ranks[order[position]] = average }
            start = end
        }
        return ranks
    }
}
