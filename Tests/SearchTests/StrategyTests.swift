import Foundation
@testable import Search
import TensorCore
import TestSupport
import XCTest

final class StrategyTests: XCTestCase {
    let space = SearchSpace(name: "test", layers: [1, 2, 3], hiddenSizes: [32, 64], heads: [2, 4], intermediateSizes: [64, 128],
                            activations: [.gelu, .relu])

    func testControllerGradientsMatchFiniteDifferences() {
        let controller = RewardController(choices: space.dimensions.map(\.choices), embeddingWidth: 4, hiddenWidth: 3, seed: 5)
        var random = SearchRandom(seed: 3)
        let candidates = (0..<6).map { _ in space.indices(of: space.sample(&random)) }
        let target = Tensor((0..<6).map { Float($0) / 6 }, shape: [6])
        // Each parameter in turn: the MSE loss's gradient against central differences.
        for (name, tensor) in controller.namedParameters {
            checkGradients("controller \(name)", [tensor], h: 1e-2, atol: 1e-3, rtol: 1e-2) { _ in
                Tensor.meanSquaredError(controller(candidates), target)
            }
        }
    }

    func testControllerLearnsAndItsStateRestoresExactly() throws {
        let controller = RewardController(choices: space.dimensions.map(\.choices), seed: 1)
        let all = space.all
        // Reward: more layers and width are better; the controller must rank by it after training.
        let rewards = all.map { 0.5 + 0.1 * Double($0.layers) + Double($0.hiddenSize) / 640 }
        let indices = all.map(space.indices(of:))
        let before = controller.train(indices, rewards: rewards, steps: 1)
        let after = controller.train(indices, rewards: rewards, steps: 300)
        print("controller MSE: \(before) after 1 step, \(after) after 301")
        XCTAssertLessThan(after, before / 10)
        let copy = RewardController(choices: space.dimensions.map(\.choices), seed: 99)
        try copy.restore(controller.state())
        XCTAssertEqual(copy.predict(indices), controller.predict(indices))
        // Training on from restored state gives the same bits as training on from the original.
        controller.train(indices, rewards: rewards, steps: 5)
        copy.train(indices, rewards: rewards, steps: 5)
        XCTAssertEqual(copy.state(), controller.state())
        XCTAssertThrowsError(try copy.restore(Data([1, 2, 3])))
    }

    func testStrategiesProposeValidFreshCandidatesReproducibly() {
        for make in [{ RandomStrategy(space: self.space) as SearchStrategy }, { EvolutionStrategy(space: self.space, population: 4, tournament: 2) },
                     { LSTMStrategy(space: self.space, seed: 2) }] {
            var history: [Trial] = []
            var first: [[StudentArchitecture]] = []
            for run in 0..<2 {
                let strategy = make()
                var random = SearchRandom(seed: 11)
                history = []
                var proposals: [[StudentArchitecture]] = []
                for episode in 1...4 {
                    var trials = strategy.propose(episode: episode, count: 3, history: history, random: &random)
                    XCTAssertEqual(trials.map(\.id), [0, 1, 2].map { episode * 1000 + $0 })
                    XCTAssertTrue(trials.allSatisfy { space.contains($0.architecture) })
                    XCTAssertEqual(Set(trials.map(\.architecture)).count, 3)
                    XCTAssertTrue(Set(trials.map(\.architecture)).isDisjoint(with: history.map(\.architecture)))
                    for i in trials.indices {
                        trials[i].state = .done
                        trials[i].reward = Double(trials[i].architecture.layers) + Double(trials[i].architecture.hiddenSize) / 100
                    }
                    history += trials
                    strategy.learn(from: history)
                    proposals.append(trials.map(\.architecture))
                }
                if run == 0 { first = proposals } else { XCTAssertEqual(proposals, first, "\(type(of: strategy)) is not reproducible") }
            }
        }
    }

    func testEpsilonScheduleAndEvolutionMutatesOneDimension() {
        let lstm = LSTMStrategy(space: space, seed: 1)
        XCTAssertEqual(lstm.epsilon(1), 1)
        XCTAssertEqual(lstm.epsilon(11), 0.5, accuracy: 1e-12)
        XCTAssertEqual(lstm.epsilon(40), 0.05)
        let evolution = EvolutionStrategy(space: space, population: 2, tournament: 2)
        var random = SearchRandom(seed: 4)
        let parent = StudentArchitecture(layers: 2, hiddenSize: 64, heads: 4, intermediateSize: 64, activation: .gelu)
        for _ in 0..<20 {
            let child = evolution.mutate(parent, avoiding: [], random: &random)
            let changed = zip(space.indices(of: child), space.indices(of: parent)).filter { $0 != $1 }.count
            XCTAssertEqual(changed, 1)
        }
    }

    func testRewardAndParetoFront() {
        let soft = Reward(kind: .soft, alpha: -0.07, beta: 0.5)
        XCTAssertEqual(soft.target(teacherMs: 40), 20)
        XCTAssertEqual(soft.value(accuracy: 0.8, latencyMs: 20, target: 20), 0.8, accuracy: 1e-12)
        XCTAssertEqual(soft.value(accuracy: 0.8, latencyMs: 40, target: 20), 0.8 * pow(2, -0.07), accuracy: 1e-12)
        let hard = Reward(kind: .hard)
        XCTAssertEqual(hard.value(accuracy: 0.8, latencyMs: 10, target: 20), 0.8)
        XCTAssertEqual(hard.value(accuracy: 0.8, latencyMs: 40, target: 20), 0.4, accuracy: 1e-12)
        XCTAssertEqual(Reward(targetMs: 7).target(teacherMs: 40), 7)
        XCTAssertThrowsError(try Reward(alpha: 0.1).validate())
        // (latency, accuracy): 1 dominates 3 (faster and better); 0, 1, 2 form the front.
        XCTAssertEqual(ParetoFront.indices(accuracy: [0.70, 0.80, 0.85, 0.75], latency: [5, 10, 20, 12]), [0, 1, 2])
    }
}
