import Foundation
import XCTest
@testable import Tasks

/// The metrics against scikit-learn and SciPy on the vectors of `Fixtures/metrics.json`
/// (written by `scripts/reference/make_metric_fixtures.py`); NaN is stored as null.
final class MetricsTests: XCTestCase {
    private struct Fixture: Decodable {
        struct Classification: Decodable {
            let name: String
            let predictions: [Int]
            let labels: [Int]
            let accuracy: Double?
            let matthews: Double?
            let f1: Double?
        }
        struct Regression: Decodable {
            let name: String
            let predictions: [Double]
            let labels: [Double]
            let pearson: Double?
            let spearman: Double?
        }
        let reference: String
        let classification: [Classification]
        let regression: [Regression]
    }

    private func loadFixture() throws -> Fixture {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/metrics", withExtension: "json"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func testMatchScikitLearnAndSciPy() throws {
        let fixture = try loadFixture()
        var maxDifference = 0.0
        var compared = 0
        func check(_ value: Double, _ expected: Double?, _ what: String) {
            compared += 1
            guard let expected else {
                XCTAssertTrue(value.isNaN, "\(what): got \(value), expected NaN")
                return
            }
            let difference = abs(value - expected)
            maxDifference = max(maxDifference, difference)
            XCTAssertLessThanOrEqual(difference, 1e-9, "\(what): got \(value), expected \(expected)")
        }
        for c in fixture.classification {
            check(Metrics.accuracy(predictions: c.predictions, labels: c.labels), c.accuracy, "\(c.name) accuracy")
            check(Metrics.matthewsCorrelation(predictions: c.predictions, labels: c.labels), c.matthews, "\(c.name) matthews")
            if let f1 = c.f1 { check(Metrics.f1(predictions: c.predictions, labels: c.labels), f1, "\(c.name) f1") }
        }
        for r in fixture.regression {
            check(Metrics.pearson(r.predictions, r.labels), r.pearson, "\(r.name) pearson")
            check(Metrics.spearman(r.predictions, r.labels), r.spearman, "\(r.name) spearman")
        }
        print("metrics vs \(fixture.reference): \(compared) values, max abs diff \(maxDifference)")
        XCTAssertEqual(compared, 52)
    }

    func testAverageRanks() {
        XCTAssertEqual(Metrics.averageRanks([10, 20, 20, 5, 20]), [2, 4, 4, 1, 4])
        XCTAssertEqual(Metrics.averageRanks([]), [])
    }

    func testTaskDefinitionsReportTheirMetrics() {
        let mrpc = GLUETaskKind.mrpc.definition.evaluate(predictions: [1, 0, 1, 1], labels: [1, 0, 0, 1])
        XCTAssertEqual(mrpc.values, ["accuracy": 0.75, "f1": 0.8])
        XCTAssertEqual(mrpc.primary, "f1")
        XCTAssertEqual(mrpc.primaryValue, 0.8)

        let cola = GLUETaskKind.cola.definition.evaluate(predictions: [1, 1, 1], labels: [1, 0, 1])
        XCTAssertEqual(cola.values["matthews"], 0)
        XCTAssertEqual(cola.primary, "matthews")

        let stsb = GLUETaskKind.stsb.definition.evaluate(predictions: [1.0, 2, 3], labels: [1.0, 2, 4])
        XCTAssertEqual(stsb.values["spearman"]!, 1, accuracy: 1e-12)
        XCTAssertEqual(stsb.primary, "pearson")

        let mnli = GLUETaskKind.mnli.definition
        let matched = mnli.evaluate(predictions: [0, 1, 2, 2], labels: [0, 1, 2, 1], split: .dev)
        let mismatched = mnli.evaluate(predictions: [0, 1], labels: [1, 1], split: .devMismatched)
        XCTAssertEqual(mismatched.primary, "accuracy_mismatched")
        let both = matched.merging(mismatched)
        XCTAssertEqual(both.values, ["accuracy": 0.75, "accuracy_mismatched": 0.5])
        XCTAssertEqual(both.primary, "accuracy")

        let dataset = Dataset(definition: mnli, split: .devMismatched,
                              examples: [Example(text: "a", pair: "b", label: .classIndex(2)), Example(text: "c", pair: "d", label: .classIndex(0))])
        XCTAssertEqual(mnli.evaluate(predictions: [.classIndex(2), .classIndex(1)], on: dataset).values, ["accuracy_mismatched": 0.5])
    }
}
