@testable import Latency
import Models
import XCTest

final class LatencyModelTests: XCTestCase {
    func testStatisticsOfKnownSamples() {
        // From NumPy: np.median 3.5, np.percentile(x, 90) 8.6 (linear), mean 4.5, x.std(ddof=1) 3.070597894314954.
        let statistics = LatencyStatistics(samples: [1, 2, 3, 4, 5, 10, 3, 8].map(Double.init))
        XCTAssertEqual(statistics.medianMs, 3.5)
        XCTAssertEqual(statistics.p90Ms, 8.6, accuracy: 1e-12)
        XCTAssertEqual(statistics.meanMs, 4.5)
        XCTAssertEqual(statistics.cv, 3.070597894314954 / 4.5, accuracy: 1e-12)
    }

    func testNonNegativeLeastSquaresRecoversAnExactModel() {
        // y = 2 a + 0 b + 3 c with b's best unconstrained coefficient negative: NNLS keeps it at zero.
        let rows: [[Double]] = [[1, 0, 1], [2, 1, 0], [0, 1, 2], [3, 2, 1], [1, 1, 1]]
        let targets = rows.map { 2 * $0[0] + 3 * $0[2] }
        let x = NonNegativeLeastSquares.solve(rows: rows, targets: targets)
        XCTAssertEqual(x[0], 2, accuracy: 1e-6)
        XCTAssertEqual(x[1], 0, accuracy: 1e-6)
        XCTAssertEqual(x[2], 3, accuracy: 1e-6)
    }

    func testFitsLatenciesThatFollowTheFeatures() {
        // Synthetic latencies from known unit costs are recovered to within float noise.
        let truth = LatencyModel(coefficients: [0.5, 0.1, 2e-8, 3e-8, 1e-8, 1e-7, 1e-8, 1e-8, 0.01, 1e-7],
                                 settings: .init(), threads: 1)
        var samples: [(config: BertConfig, milliseconds: Double)] = []
        for layers in [1, 3, 6] { for hidden in [128, 256, 384] { for ffn in [256, 1024] {
            var config = BertConfig()
            (config.numHiddenLayers, config.hiddenSize, config.numAttentionHeads, config.intermediateSize) = (layers, hidden, 4, ffn)
            samples.append((config, truth.predict(config)))
        } } }
        let fitted = LatencyModel.fit(samples, settings: .init(), threads: 1)
        let error = PredictionError(model: fitted, samples: samples)
        XCTAssertLessThan(error.max, 1e-3)
    }
}
