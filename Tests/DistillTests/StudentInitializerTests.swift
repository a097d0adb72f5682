@testable import Distill
import Models
import NN
import TensorCore
import Text
import XCTest

/// Students inherited from a teacher: identity when nothing is cut, the largest units when sliced.
final class StudentInitializerTests: XCTestCase {
    func config(layers: Int, hidden: Int, heads: Int, ffn: Int) -> BertConfig {
        var c = BertConfig()
        (c.vocabSize, c.hiddenSize, c.numHiddenLayers, c.numAttentionHeads, c.intermediateSize, c.maxPositionEmbeddings) =
            (30, hidden, layers, heads, ffn, 16)
        c.initializerRange = 0.2
        return c
    }

    let batch = TokenBatch(batch: 2, length: 6, inputIds: [1, 4, 9, 22, 2, 0, 1, 7, 7, 3, 5, 2],
                           attentionMask: [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1])

    func testAStudentOfTheTeachersShapeIsTheTeacher() throws {
        let teacher = BertForSequenceClassification(config(layers: 3, hidden: 16, heads: 4, ffn: 32), seed: 1)
        let student = try StudentInitializer.make(teacher.config, from: teacher, initialization: .inherit(mapping: .uniform), seed: 2)
        let expected = Autograd.noGrad { teacher(batch).logits }.scalars
        XCTAssertEqual(Autograd.noGrad { student(batch).logits }.scalars, expected)
    }

    func testSlicingKeepsLayersHeadsAndTheLargestUnits() throws {
        let teacher = BertForSequenceClassification(config(layers: 4, hidden: 16, heads: 4, ffn: 32), seed: 3)
        // Make hidden units 3 and 11 and FFN unit 5 of the teacher's last layer stand out.
        let embedding = teacher.bert.embeddings.word_embeddings.weight
        for row in 0..<30 { embedding.data[row * 16 + 3] *= 10; embedding.data[row * 16 + 11] *= 10 }
        let last = teacher.bert.layers[3]
        for column in 0..<16 { last.intermediate.weight.data[5 * 16 + column] *= 10 }
        // Head 2 (units 8..<12) of the last layer has the largest query, key and value rows.
        for unit in 8..<12 {
            for column in 0..<16 {
                for w in [last.attentionSelf.query.weight, last.attentionSelf.key.weight, last.attentionSelf.value.weight] {
                    w.data[unit * 16 + column] *= 10
                }
            }
        }
        let studentConfig = config(layers: 2, hidden: 8, heads: 2, ffn: 8)  // head size 4, as the teacher's
        let student = try StudentInitializer.make(studentConfig, from: teacher, initialization: .inherit(mapping: .uniform), seed: 4)
        let hidden = StudentInitializer.topUnits(StudentInitializer.columnNorms(embedding), count: 8)
        XCTAssertTrue(hidden.contains(3) && hidden.contains(11), "the largest embedding columns are kept: \(hidden)")
        // Student layer 2 is teacher layer 4 (uniform): its FFN keeps unit 5, its attention keeps head 2.
        let ffn = StudentInitializer.topUnits(StudentInitializer.rowNorms(last.intermediate.weight), count: 8)
        XCTAssertTrue(ffn.contains(5))
        let heads = StudentInitializer.attentionUnits(last, teacher: teacher.config, student: studentConfig)
        XCTAssertEqual(heads.count, 8)
        XCTAssertTrue(Set(8..<12).isSubset(of: Set(heads)), "whole heads are kept: \(heads)")
        // The student's FFN weight row for teacher unit 5 is the teacher's row restricted to the kept hidden units.
        let row = ffn.firstIndex(of: 5)!
        let expected = hidden.map { last.intermediate.weight.data[5 * 16 + $0] }
        XCTAssertEqual(Array(student.bert.layers[1].intermediate.weight.scalars[(row * 8)..<(row * 8 + 8)]), expected)
        XCTAssertTrue(Autograd.noGrad { student(batch).logits }.scalars.allSatisfy(\.isFinite))
        XCTAssertEqual(student.parameterCount, BertForSequenceClassification(studentConfig).parameterCount)
    }

    func testALargerStudentIsRefused() {
        let teacher = BertForSequenceClassification(config(layers: 2, hidden: 8, heads: 2, ffn: 16), seed: 5)
        XCTAssertThrowsError(try StudentInitializer.make(config(layers: 2, hidden: 16, heads: 2, ffn: 16), from: teacher,
                                                         initialization: .inherit(mapping: .uniform), seed: 6)) { error in
            XCTAssertEqual("\(error)", "hidden_size: the student's 16 is larger than the teacher's 8; an inherited student can only be smaller")
        }
        let random = try? StudentInitializer.make(config(layers: 3, hidden: 16, heads: 2, ffn: 16), from: teacher, initialization: .random, seed: 7)
        XCTAssertEqual(random?.config.hiddenSize, 16, "a random student may be any shape")
    }

    func testADeeperInheritedStudentIsATypedErrorNotATrap() {
        // 8 student layers from 6 (kdnas distill --student L8): uniform maps student layer 1 to teacher layer 0, the embeddings.
        let teacher = BertForSequenceClassification(config(layers: 6, hidden: 8, heads: 2, ffn: 16), seed: 8)
        for mapping in LayerMapping.allCases {
            XCTAssertThrowsError(try StudentInitializer.make(config(layers: 8, hidden: 8, heads: 2, ffn: 16), from: teacher,
                                                             initialization: .inherit(mapping: mapping), seed: 9)) { error in
                XCTAssertEqual(error as? StudentShapeError, StudentShapeError(field: "num_hidden_layers", student: 8, teacher: 6))
                XCTAssertEqual("\(error)", "num_hidden_layers: the student's 8 is larger than the teacher's 6; an inherited student can only be smaller")
            }
        }
        XCTAssertNoThrow(try StudentInitializer.make(config(layers: 8, hidden: 8, heads: 2, ffn: 16), from: teacher, initialization: .random, seed: 9))
    }
}
