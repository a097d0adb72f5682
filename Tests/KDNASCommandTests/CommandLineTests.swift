import Foundation
import Models
import NN
import TensorCore
import TestSupport
import Text
import XCTest

/// The `kdnas` executable end to end: outputs against the library and the reference, and errors.
final class CommandLineTests: CommandLineTestCase {
    func testHelpListsTheSubcommands() throws {
        let help = try kdnas(["--help"]).output
        for command in ["info", "inspect", "tokenize", "embed", "predict", "throughput"] {
            XCTAssertTrue(help.contains("  \(command) "), "kdnas --help lists \(command)")
        }
    }

    func testPredictMatchesTheLibrary() throws {
        let folder = try tinyModel()
        let input = try write(["the movie was great.", "a dull film\tthe movie", "dull"], to: "reviews.txt")
        let result = try kdnas(["predict", "--model", folder.path, "--input", input, "--json", "--threads", "1"])
        XCTAssertEqual(result.status, 0, result.errors)
        let rows = try jsonLines(result.output)
        XCTAssertEqual(rows.count, 3)
        let model = try BertCheckpoint.load(folder).model
        // The second line is a pair: [CLS] a dull film [SEP] the movie [SEP].
        let batch = TokenBatch(batch: 1, length: 8, inputIds: [2, 10, 9, 11, 3, 5, 6, 3], tokenTypeIds: [0, 0, 0, 0, 0, 1, 1, 1])
        let expected = Autograd.noGrad { model(batch).logits }.scalars
        assertClose((rows[1]["logits"] as! [Double]), expected, atol: 1e-5, "kdnas predict logits of a pair")
        let probabilities = rows[1]["probabilities"] as! [Double]
        XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertNotNil(rows[0]["label"] as? String)
    }

    func testEmbedMatchesSentenceTransformersPooling() throws {
        let fixture = try Repository.requireCache("fixtures/minilm", makeWith: "scripts/reference/make_model_fixtures.py")
        let inputs = try FixtureInputs.read(fixture.appendingPathComponent("inputs.json"))
        let expected = try SafeTensors.read(fixture.appendingPathComponent("expected.safetensors"))["mean_pooled"]!
        let count = 6
        let input = try write(Array(inputs.texts!.prefix(count)), to: "sentences.txt")
        let result = try kdnas(["embed", "--model", Repository.cache("minilm").path, "--input", input, "--json", "--batch-size", "4"])
        XCTAssertEqual(result.status, 0, result.errors)
        let embeddings = try jsonLines(result.output).map { $0["embedding"] as! [Double] }
        XCTAssertEqual(embeddings.count, count)
        assertClose(embeddings.flatMap { $0 }, expected.scalars.prefix(count * 384), atol: 1e-4,
                    "kdnas embed against transformers + sentence-transformers mean pooling")
    }

    func testTokenizeInspectAndThroughput() throws {
        let folder = try tinyModel()
        let input = try write(["The movie was GREAT.", "a film\tdull"], to: "texts.txt")
        let tokens = try jsonLines(try kdnas(["tokenize", "--model", folder.path, "--input", input, "--json"]).output)
        XCTAssertEqual(tokens[0]["input_ids"] as? [Int], [2, 5, 6, 7, 8, 13, 3])
        XCTAssertEqual(tokens[1]["token_type_ids"] as? [Int], [0, 0, 0, 0, 1, 1])

        let inspect = try jsonLines(try kdnas(["inspect", folder.path, "--json"]).output)[0]
        XCTAssertEqual(inspect["parameters"] as? Int, try BertCheckpoint.load(folder).model.parameterCount)
        XCTAssertEqual(inspect["layers"] as? Int, 2)

        let throughput = try kdnas(["throughput", "--config", folder.appendingPathComponent("config.json").path,
                                    "--batch", "2", "--seq", "16", "--steps", "2", "--json"])
        XCTAssertEqual(throughput.status, 0, throughput.errors)
        let timing = try jsonLines(throughput.output)[0]
        XCTAssertGreaterThan(timing["median_ms"] as! Double, 0)
        XCTAssertNotNil(timing["backward_median_ms"])
    }

    func testBadInputIsReportedNotCrashed() throws {
        let folder = try tinyModel()
        let cases: [([String], String)] = [
            (["predict", "--model", folder.path, "--input", directory.appendingPathComponent("absent.txt").path],
             "absent.txt: cannot be read"),
            (["predict", "--model", folder.path, "--input", try write(["  "], to: "empty.txt")], "empty.txt: has no input lines"),
            (["tokenize", "--model", folder.path, "--input", try write(["a\tb\tc"], to: "three.txt")],
             "three.txt:1: 3 TAB-separated fields"),
            (["inspect", directory.appendingPathComponent("nowhere").path], "is not a folder"),
            (["throughput", "--batch", "2"], "give exactly one of --config and --model"),
        ]
        for (arguments, message) in cases {
            let result = try kdnas(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.errors.contains(message), "\(arguments): \(result.errors)")
            XCTAssertFalse(result.errors.contains("Fatal error") || result.errors.contains("Backtrac"), "no trap: \(result.errors)")
        }
    }

    func testIssue12InputsGiveNamedErrorsNotTraps() throws {
        let folder = try tinyModel()
        // The same model with a single token type: a text pair cannot run through it.
        let single = directory.appendingPathComponent("single-type")
        var config = try BertCheckpoint.load(folder).model.config
        config.typeVocabSize = 1
        try BertCheckpoint.save(BertForSequenceClassification(config, seed: 1), to: single, tokenizerSource: folder)
        let outFile = directory.appendingPathComponent("out-file").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: outFile))
        let train = try write(["text,label", "the movie was great,pos", "a dull film,neg"], to: "train.csv")
        let ownTask = ["--task", "own", "--train-file", train, "--dev-file", train]
        let cases: [([String], String)] = [
            (["tokenize", "--model", folder.path, "--input", try write(["a film"], to: "one.txt"), "--max-length", "0"],
             "Error: --max-length 0: expected a positive number of tokens, special tokens included"),
            (["tokenize", "--model", folder.path, "--input", try write(["a film"], to: "one.txt"), "--max-length=-2"],
             "Error: --max-length -2: expected a positive number of tokens"),
            // Blank lines count: the bad line is line 4 of the file, the second non-blank one.
            (["tokenize", "--model", folder.path, "--input", try write(["a film", "", "  ", "a\tb\tc"], to: "blank.txt")],
             "blank.txt:4: 3 TAB-separated fields"),
            (["predict", "--model", single.path, "--input", try write(["a film", "", "a dull film\tthe movie"], to: "pair.txt")],
             "pair.txt:3: type_vocab_size is 1; expected more than token type 1 for a text pair; give this model single texts"),
            (["latency", "--model", folder.path, "--seq", "8", "--latency-command", "echo 1 {model_dir}", "--latency-timeout=-1"],
             "Error: --latency-timeout -1.0: expected a positive, finite number of seconds"),
            (["latency", "calibrate", "--space", "bert-base", "--seq", "600", "--out", directory.appendingPathComponent("p.json").path],
             "Error: --seq 600: expected at most the model's max_position_embeddings 512"),
            (["finetune", "--model", folder.path] + ownTask + ["--labels", "neg,pos", "--out", outFile, "--epochs", "1"],
             "Error: \(outFile): is a file; expected a folder"),
            (["finetune", "--model", folder.path] + ownTask + ["--labels", "neg,pos", "--out", outFile + "/run", "--epochs", "1"],
             "Error: \(outFile)/run: is under \(outFile), which is a file; expected a folder path"),
            (["finetune", "--model", folder.path] + ownTask + ["--labels", "pos,neg,pos", "--out", directory.appendingPathComponent("r").path],
             "task own: label \"pos\" is given twice in the label names (pos,neg,pos)"),
        ]
        for (arguments, message) in cases {
            let result = try kdnas(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.errors.contains(message), "\(arguments): \(result.errors)")
            XCTAssertFalse(result.errors.contains("Fatal error") || result.errors.contains("Backtrac") || result.errors.contains("NSCocoaErrorDomain"),
                           "no trap, no raw Foundation error: \(result.errors)")
        }
    }
}
