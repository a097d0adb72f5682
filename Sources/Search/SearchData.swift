import Foundation
import Tasks

/// Where a search scores its candidates.
public enum ScoringSplit: String, Codable, Sendable, CaseIterable {
    /// A seeded part of dev, held out of everything the teacher and the students trained on; the rest of
    /// dev and all of test are kept for the report (the default).
    case dev
    /// Held-out training examples: the students never train on them, but the teacher was fine-tuned on
    /// them, so an inherited student carries the teacher's memory of them (a deeper one more of it).
    case train
}

/// The data a search runs on: the proxy training set, the scoring set that ranks candidates, and the
/// full splits of the final stage, with the scoring examples kept out of the reported dev.
///
///     train ──shuffle(seed)──▶ proxyTrain (first `proxyCount`)   [scoring = .train: then the next `scoringSize` as scoring]
///     dev   ──shuffle(seed)──▶ scoring (first `scoringSize`)  +  reportDev (the rest)   [scoring = .dev]
///
/// Rungs of successive halving train on nested prefixes of `proxyTrain`, so a promoted candidate's
/// larger set contains its smaller one.
public struct SearchData {
    /// The full training set.
    public let train: EncodedDataset
    /// What the final stage distils on: the full training set, followed by its perturbed copies when the
    /// search augments (`SearchSettings.augmentation`); the candidates never see the copies.
    public let finalTrain: EncodedDataset
    /// Dev as reported: without the scoring examples when they come from dev.
    public let reportDev: EncodedDataset
    public let test: EncodedDataset?
    /// The candidates' training examples, in their seeded order (the largest rung's set).
    public let proxyTrain: EncodedDataset
    /// The candidates' scoring examples.
    public let scoring: EncodedDataset
    public let scoringSplit: ScoringSplit

    /// Splits by seeded shuffles: `proxyCount` training examples for the candidates, `scoringSize` scoring examples
    /// from `scoringSplit` (at most half of dev when scoring on dev, so that most of dev stays reported).
    /// `finalTrain` (default: `train`) is the final stage's transfer set.
    public init(train: EncodedDataset, finalTrain: EncodedDataset? = nil, dev: EncodedDataset, test: EncodedDataset?, proxyCount: Int,
                scoringSize: Int, scoringSplit: ScoringSplit, seed: UInt64) throws {
        let trainOrder = Self.shuffled(train.count, seed: seed ^ 0x9E0C_5EED)
        let proxyCount = min(max(1, proxyCount), train.count)
        let scoringCount: Int
        switch scoringSplit {
        case .dev: scoringCount = min(scoringSize, dev.count / 2)
        case .train: scoringCount = min(scoringSize, train.count - proxyCount)
        }
        guard proxyCount >= 8, scoringCount >= 8 else {
            throw SearchError.invalid("--proxy-fraction/--proxy-dev", "at least 8 proxy training and 8 scoring examples (the training set has "
                                      + "\(train.count), dev \(dev.count); scoring on \(scoringSplit.rawValue) takes at most "
                                      + (scoringSplit == .dev ? "half of dev)" : "what the proxy set leaves)"))
        }
        (self.train, self.finalTrain, self.test, self.scoringSplit) = (train, finalTrain ?? train, test, scoringSplit)
        proxyTrain = train.subset(Array(trainOrder.prefix(proxyCount)))
        switch scoringSplit {
        case .dev:
            let devOrder = Self.shuffled(dev.count, seed: seed ^ 0x5C0_4E5D)
            scoring = dev.subset(Array(devOrder.prefix(scoringCount)))
            reportDev = dev.subset(Array(devOrder.dropFirst(scoringCount)).sorted())
        case .train:
            scoring = train.subset(Array(trainOrder.dropFirst(proxyCount).prefix(scoringCount)), split: .dev)
            reportDev = dev
        }
    }

    /// The first `count` proxy training examples (a rung's set).
    public func proxyTrain(count: Int) -> EncodedDataset {
        count >= proxyTrain.count ? proxyTrain : proxyTrain.subset(Array(0..<max(1, count)))
    }

    /// 0..<count in a seeded Fisher–Yates order.
    static func shuffled(_ count: Int, seed: UInt64) -> [Int] {
        var random = SearchRandom(seed: seed)
        var order = Array(0..<count)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, random.index(i + 1)) }
        return order
    }
}
