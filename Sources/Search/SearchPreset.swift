import Foundation

/// Named budgets of a search. Explicit options override a preset's values.
///
/// - `quick`: the main job's run on 2 cores: 6 episodes × 4 candidates, each distilled on 10% of train for
///   one epoch at a peak learning rate of 5e-4 (at 1e-4, 32 steps leave small students at
///   the majority class), the best proxy of the fidelity benchmark at this budget; scored on 500 dev
///   examples held out of the report; the top candidate, the best of two front bands, of the 3× band (at least
///   3× as fast as the teacher, within 20%) and of each hand-crafted student's latency band, and the hand-crafted
///   students, distilled two epochs on all of train at a peak learning rate of 5e-4 (bench/final_recipe.sh: one
///   epoch at 5e-4 is worth about two at 1e-4; bench/final_epochs.sh: a second epoch brings the ranking close to
///   the three-epoch one, τ 0.96 against 0.84 after one; the main job of 2026-12-07 took 13.0 and 14.0 minutes with it on two VMs).
/// - `paper`: Trivedi et al.'s budget: 20 episodes × 10 candidates, 3 proxy epochs, 5 top + 5 front, 3 epochs.
public enum SearchPreset: String, CaseIterable, Sendable {
    case quick, paper

    /// The preset named `name`; the error lists the presets.
    public init(named name: String) throws(SearchError) {
        guard let preset = SearchPreset(rawValue: name) else {
            throw .invalid("--preset \(name)", SearchPreset.allCases.map(\.rawValue).joined(separator: " or "))
        }
        self = preset
    }

    /// Sets the budget of `settings` to this preset's.
    public func apply(to settings: inout SearchSettings) {
        switch self {
        case .quick:
            (settings.episodes, settings.candidatesPerEpisode, settings.proxyFraction, settings.proxyEpochs, settings.epsilonDecay) = (6, 4, 0.1, 1, 0.2)
            (settings.proxyLearningRate, settings.rungs) = (5e-4, [])
            (settings.finalTop, settings.finalPareto, settings.finalEpochs, settings.finalSpeedups) = (1, 2, 2, [3])
            (settings.learningRate, settings.bandQuota) = (5e-4, 3)
        case .paper:
            (settings.episodes, settings.candidatesPerEpisode, settings.proxyFraction, settings.proxyEpochs, settings.epsilonDecay) = (20, 10, 0.1, 3, 0.05)
            (settings.proxyLearningRate, settings.rungs) = (nil, [])
            (settings.finalTop, settings.finalPareto, settings.finalEpochs, settings.finalSpeedups) = (5, 5, 3, nil)
            (settings.learningRate, settings.bandQuota) = (1e-4, nil)
        }
    }
}
