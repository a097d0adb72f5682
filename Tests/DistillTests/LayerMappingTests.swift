import Distill
import XCTest

/// Mapping tables for several (teacher, student) depths, from the definitions in METHOD.md.
final class LayerMappingTests: XCTestCase {
    func table(_ mapping: LayerMapping, teacher: Int, student: Int) -> [[Int]] {
        mapping.table(studentLayers: student, teacherLayers: teacher).map(\.teacher)
    }

    func testTeacherOf12AndStudentOf4() {
        XCTAssertEqual(table(.last, teacher: 12, student: 4), [[9], [10], [11], [12]])
        XCTAssertEqual(table(.uniform, teacher: 12, student: 4), [[3], [6], [9], [12]])
        XCTAssertEqual(table(.uniformLast, teacher: 12, student: 4), [[3, 9], [6, 10], [9, 11], [12, 12]])
        XCTAssertEqual(table(.uniformConsecutive, teacher: 12, student: 4), [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]])
    }

    func testTeacherOf6AndStudentOf4() {
        XCTAssertEqual(table(.last, teacher: 6, student: 4), [[3], [4], [5], [6]])
        XCTAssertEqual(table(.uniform, teacher: 6, student: 4), [[1], [3], [4], [6]])
        XCTAssertEqual(table(.uniformLast, teacher: 6, student: 4), [[1, 3], [3, 4], [4, 5], [6, 6]])
        // k = ⌈6/4⌉ = 2, ending at min(2i, 6).
        XCTAssertEqual(table(.uniformConsecutive, teacher: 6, student: 4), [[1, 2], [3, 4], [5, 6], [5, 6]])
    }

    func testTeacherOf6AndStudentOf3And1() {
        XCTAssertEqual(table(.uniform, teacher: 6, student: 3), [[2], [4], [6]])
        XCTAssertEqual(table(.last, teacher: 6, student: 3), [[4], [5], [6]])
        XCTAssertEqual(table(.uniformConsecutive, teacher: 6, student: 3), [[1, 2], [3, 4], [5, 6]])
        XCTAssertEqual(table(.uniformConsecutive, teacher: 6, student: 1), [[1, 2, 3, 4, 5, 6]])
        XCTAssertEqual(table(.uniformLast, teacher: 6, student: 1), [[6, 6]])
    }

    func testStudentDeeperThanTeacherAndEmbeddings() {
        XCTAssertEqual(table(.uniform, teacher: 3, student: 6), [[0], [1], [1], [2], [2], [3]])
        XCTAssertEqual(table(.last, teacher: 3, student: 6), [[0], [0], [0], [1], [2], [3]])
        // k = ⌈3/6⌉ = 1, ending at min(i, 3).
        XCTAssertEqual(table(.uniformConsecutive, teacher: 3, student: 6), [[1], [2], [3], [3], [3], [3]])
        let withEmbeddings = LayerMapping.uniform.table(studentLayers: 2, teacherLayers: 4, includeEmbeddings: true)
        XCTAssertEqual(withEmbeddings.map(\.student), [0, 1, 2])
        XCTAssertEqual(withEmbeddings.map(\.teacher), [[0], [2], [4]])
    }
}
