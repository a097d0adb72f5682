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

    func testAProfileWithANegativeOrNonFiniteCoefficientIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-profile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var coefficients = Array(repeating: 1.0, count: LatencyModel.featureNames.count)
        let file = folder.appendingPathComponent("profile.json")
        func write() throws {
            let model = LatencyModel(coefficients: coefficients, settings: .init(), threads: 1)
            let error = PredictionError(model: model, samples: [])
            try LatencyProfile(space: "s", model: model, heldOut: error, fitted: error, measurements: []).write(to: file)
        }
        try write()
        XCTAssertNoThrow(try LatencyProfile.read(file.path))
        coefficients[2] = -0.5
        try write()
        XCTAssertThrowsError(try LatencyProfile.read(file.path)) { error in
            XCTAssertEqual("\(error)", "\(file.path): model.coefficients[2] (\(LatencyModel.featureNames[2])) is -0.5; expected a finite number from 0 to 10^6")
        }
        // Finite but huge: it would predict an infinite latency for a large model.
        coefficients[2] = 1e300
        try write()
        XCTAssertThrowsError(try LatencyProfile.read(file.path)) { error in
            XCTAssertEqual("\(error)", "\(file.path): model.coefficients[2] (\(LatencyModel.featureNames[2])) is 1e+300; expected a finite number from 0 to 10^6")
        }
        // JSON has no NaN: a huge exponent is the way an infinity gets into a file.
        coefficients[2] = 1
        try write()
        let text = try String(contentsOf: file, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #""coefficients" : \[\s*1,"#)
        let range = try XCTUnwrap(pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))).range
        try (text as NSString).replacingCharacters(in: range, with: "\"coefficients\" : [ 1e999,").write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try LatencyProfile.read(file.path)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(file.path + ": "), message)
            XCTAssertTrue(message.contains("model.coefficients[0] (") || message.contains("is not a latency profile"), message)
        }
    }

    func testSettingsLongerThanThePositionsAreRefused() {
        var config = BertConfig()
        config.maxPositionEmbeddings = 64
        XCTAssertNoThrow(try LatencyMeter.Settings(sequenceLength: 64).check(fits: config))
        XCTAssertThrowsError(try LatencyMeter.Settings(sequenceLength: 65).check(fits: config)) { error in
            XCTAssertEqual("\(error)", "--seq 65: expected at most the model's max_position_embeddings 64")
        }
        XCTAssertThrowsError(try LatencyMeter.Settings(batch: 0).check(fits: config)) { error in
            XCTAssertEqual("\(error)", "--batch 0: expected a positive integer")
        }
    }

    func testHugeSettingsAreRefusedBeforeAnythingIsAllocated() {
        let config = BertConfig()
        XCTAssertThrowsError(try LatencyMeter.Settings(batch: 1 << 40, sequenceLength: 8).check(fits: config)) { error in
            XCTAssertEqual("\(error)", "--batch 1099511627776: expected at most 1048576 tokens per call (--batch × --seq; --seq is 8)")
        }
        XCTAssertThrowsError(try LatencyMeter.Settings(batch: Int.max, sequenceLength: 2).check(fits: config)) { error in
            XCTAssertTrue("\(error)".hasPrefix("--batch \(Int.max): expected at most"), "\(error)")  // overflowing product
        }
        XCTAssertThrowsError(try LatencyMeter.Settings(runs: 1 << 40).check(fits: config)) { error in
            XCTAssertEqual("\(error)", "--runs 1099511627776: expected at most 100000 runs")
        }
        XCTAssertThrowsError(try LatencyMeter.Settings(warmup: 100_001).check(fits: config)) { error in
            XCTAssertEqual("\(error)", "--warmup 100001: expected at most 100000 runs")
        }
    }

    func testAProfileWithNonPositiveSettingsOrThreadsIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-profile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("profile.json")
        for (settings, threads, field) in [(LatencyMeter.Settings(batch: 0), 1, "model.settings.batch is 0"),
                                           (LatencyMeter.Settings(sequenceLength: -4), 1, "model.settings.seq is -4"),
                                           (LatencyMeter.Settings(), 0, "model.threads is 0")] {
            let model = LatencyModel(coefficients: Array(repeating: 1, count: LatencyModel.featureNames.count), settings: settings, threads: threads)
            let error = PredictionError(model: model, samples: [])
            try LatencyProfile(space: "s", model: model, heldOut: error, fitted: error, measurements: []).write(to: file)
            XCTAssertThrowsError(try LatencyProfile.read(file.path)) { error in
                XCTAssertEqual("\(error)", "\(file.path): \(field); expected a positive integer")
            }
        }
    }
}
