/// Rank agreement between two scorings of the same candidates: how far a proxy orders students as
/// their full distillation does.
public enum RankCorrelation {
    /// Kendall's τ-b: (concordant − discordant) / √((n₀ − ties in x)(n₀ − ties in y)) over all pairs,
    /// as scipy.stats.kendalltau computes it; nil with fewer than two points or no variation.
    public static func kendall(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "kendall: \(x.count) and \(y.count) values")
        var (concordant, discordant, tiesX, tiesY) = (0, 0, 0, 0)
        for i in x.indices {
            for j in x.indices where j > i {
                let (dx, dy) = (x[i] - x[j], y[i] - y[j])
                if dx == 0 && dy == 0 { continue }
                if dx == 0 { tiesX += 1 } else if dy == 0 { tiesY += 1 } else if (dx > 0) == (dy > 0) { concordant += 1 } else { discordant += 1 }
            }
        }
        let denominator = (Double(concordant + discordant + tiesX) * Double(concordant + discordant + tiesY)).squareRoot()
        return denominator > 0 ? Double(concordant - discordant) / denominator : nil
    }
}
