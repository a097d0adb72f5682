import Foundation
import XCTest
@testable import Tasks

/// Every GLUE task read from small files written in the exact layout of the distributed
/// `glue_data/` (see `GLUEFileLayout` for where each layout was confirmed).
final class GLUETaskTests: XCTestCase {
    private var folder: TemporaryDirectory!

    override func setUpWithError() throws { folder = try TemporaryDirectory() }
    override func tearDown() { folder = nil }

    private func task(_ kind: GLUETaskKind, skipMalformedRows: Bool = false) -> GLUETask {
        GLUETask(kind, directory: folder.url.appendingPathComponent(kind.folderName), skipMalformedRows: skipMalformedRows)
    }

    func testCoLATrainAndDevHaveNoHeaderAndTestHasOne() throws {
        let rows = [["gj04", "1", "", "Our friends won't buy this analysis, let alone the next one we propose."],
                    ["gj04", "0", "*", "They drank the pub."],
                    ["cj99", "1", "", "The more we study verbs, the crazier they get."]]
        try folder.writeTSV("CoLA/train.tsv", rows)
        try folder.writeTSV("CoLA/dev.tsv", Array(rows.prefix(2)))
        try folder.writeTSV("CoLA/test.tsv", [["index", "sentence"], ["0", "Bill whistled past the house."],
                                               ["1", "The car honked its way down the road."]])
        let train = try task(.cola).load(.train)
        XCTAssertEqual(train.examples, [
            Example(text: rows[0][3], label: .classIndex(1)),
            Example(text: "They drank the pub.", label: .classIndex(0)),
            Example(text: rows[2][3], label: .classIndex(1)),
        ])
        XCTAssertEqual(try task(.cola).load(.dev).count, 2)
        let test = try task(.cola).load(.test)
        XCTAssertEqual(test.examples, [Example(text: "Bill whistled past the house."),
                                       Example(text: "The car honked its way down the road.")])
        XCTAssertFalse(test.isLabeled)
        XCTAssertEqual(test.definition.primaryMetric, .matthews)
    }

    func testSST2KeepsTextsVerbatim() throws {
        // SST-2's texts end in a space and hold quotes that a quoting reader would misread.
        try folder.writeTSV("SST-2/train.tsv", [["sentence", "label"], ["it 's a charming and often affecting journey . ", "1"],
                                                ["\"unflinchingly bleak and desperate ", "0"]])
        try folder.writeTSV("SST-2/dev.tsv", [["sentence", "label"], ["a sometimes tedious film . ", "0"]])
        try folder.writeTSV("SST-2/test.tsv", [["index", "sentence"], ["0", "uneasy mishmash of styles and genres ."]])
        let train = try task(.sst2).load(.train)
        XCTAssertEqual(train.examples.map(\.text), ["it 's a charming and often affecting journey . ",
                                                    "\"unflinchingly bleak and desperate "])
        XCTAssertEqual(train.examples.map(\.label), [.classIndex(1), .classIndex(0)])
        XCTAssertEqual(try task(.sst2).load(.dev).examples, [Example(text: "a sometimes tedious film . ", label: .classIndex(0))])
        XCTAssertEqual(try task(.sst2).load(.test).examples, [Example(text: "uneasy mishmash of styles and genres .")])
    }

    func testMRPCWithByteOrderMarkAndTestHeader() throws {
        let header = ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"]
        let rows = [["1", "702876", "702977", "Amrozi accused his brother , whom he called \" the witness \" , of deliberately distorting his evidence .",
                     "Referring to him as only \" the witness \" , Amrozi accused his brother of deliberately distorting his evidence ."],
                    ["0", "2108705", "2108831", "Yucaipa owned Dominick 's before selling the chain to Safeway in 1998 for $ 2.5 billion .",
                     "Yucaipa bought Dominick 's in 1995 for $ 693 million and sold it to Safeway for $ 1.8 billion in 1998 ."]]
        // download_glue_data.py copies msr_paraphrase_train.txt's header, byte order mark included.
        try folder.writeTSV("MRPC/train.tsv", [header] + rows, byteOrderMark: true)
        try folder.writeTSV("MRPC/dev.tsv", [header, rows[1]], byteOrderMark: true)
        try folder.writeTSV("MRPC/test.tsv", [["index", "#1 ID", "#2 ID", "#1 String", "#2 String"],
                                              ["0", "1089874", "1089925", "PCCW 's chief operating officer , Mike Butcher , and Alex Arena , the chief financial officer , will report directly to Mr So .",
                                               "Current Chief Operating Officer Mike Butcher and Group Chief Financial Officer Alex Arena will report to So ."]])
        let train = try task(.mrpc).load(.train)
        XCTAssertEqual(train.examples, [Example(text: rows[0][3], pair: rows[0][4], label: .classIndex(1)),
                                        Example(text: rows[1][3], pair: rows[1][4], label: .classIndex(0))])
        XCTAssertEqual(try task(.mrpc).load(.dev).count, 1)
        let test = try task(.mrpc).load(.test)
        XCTAssertEqual(test.examples.count, 1)
        XCTAssertNil(test.examples[0].label)
        XCTAssertTrue(test.examples[0].pair!.hasPrefix("Current Chief"))
        XCTAssertEqual(test.definition.metrics, [.accuracy, .f1])
    }

    func testSTSBScoresAreRegressionTargets() throws {
        let header = ["index", "genre", "filename", "year", "old_index", "source1", "source2", "sentence1", "sentence2", "score"]
        try folder.writeTSV("STS-B/train.tsv", [header,
            ["0", "main-captions", "MSRvid", "2012test", "0001", "none", "none", "A plane is taking off.", "An air plane is taking off.", "5.000"],
            ["1", "main-captions", "MSRvid", "2012test", "0004", "none", "none", "A man is playing a large flute.", "A man is playing a flute.", "3.800"]])
        try folder.writeTSV("STS-B/dev.tsv", [header,
            ["0", "main-captions", "MSRvid", "2012test", "0000", "none", "none", "A man with a hard hat is dancing.", "A man wearing a hard hat is dancing.", "5.000"]])
        try folder.writeTSV("STS-B/test.tsv", [Array(header.dropLast()),
            ["0", "main-captions", "MSRvid", "2012test", "0024", "none", "none", "A girl is styling her hair.", "A girl is brushing her hair."]])
        let train = try task(.stsb).load(.train)
        XCTAssertEqual(train.examples[1], Example(text: "A man is playing a large flute.", pair: "A man is playing a flute.", label: .value(3.8)))
        XCTAssertTrue(train.definition.isRegression)
        XCTAssertEqual(train.definition.numLabels, 1)
        XCTAssertEqual(try task(.stsb).load(.dev).examples[0].label, .value(5))
        XCTAssertEqual(try task(.stsb).load(.test).examples, [Example(text: "A girl is styling her hair.", pair: "A girl is brushing her hair.")])
    }

    func testQQPMalformedRowIsAnErrorUnlessSkipped() throws {
        let header = ["id", "qid1", "qid2", "question1", "question2", "is_duplicate"]
        // The real train.tsv has questions broken over two lines; line 4 here is such a tail.
        try folder.writeTSV("QQP/train.tsv", [header,
            ["133273", "213221", "213222", "How is the life of a math student? Could you describe your own experiences?", "Which level of prepration is enough for the exam jlpt5?", "0"],
            ["402555", "536040", "536041", "How do I control my horny emotions?", "How do you control your horniness?", "1"],
            ["", "Was Muhammad a real historical figure? What is the evidence for his existence?", "0"],
            ["360472", "364011", "490273", "What causes stool color to change to yellow?", "What can cause stool to come out as little balls?", "0"]])
        try folder.writeTSV("QQP/dev.tsv", [header, ["201359", "303345", "303346", "Why are African-Americans so beautiful?", "Why are hispanics so beautiful?", "0"]])
        try folder.writeTSV("QQP/test.tsv", [["id", "question1", "question2"],
            ["0", "Why do rockets look white?", "Why are rockets and boosters painted white?"]])

        XCTAssertThrowsError(try task(.qqp).load(.train)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("QQP/train.tsv:4: 3 columns, expected 6"), message)
        }
        let train = try task(.qqp, skipMalformedRows: true).load(.train)
        XCTAssertEqual(train.count, 3)
        XCTAssertEqual(train.examples.map(\.label), [.classIndex(0), .classIndex(1), .classIndex(0)])
        XCTAssertEqual(train.skippedRows.count, 1)
        XCTAssertEqual(train.skippedRows.first.map { "\($0)" }?.hasSuffix("QQP/train.tsv:4: 3 columns, expected 6"), true)
        XCTAssertEqual(try task(.qqp).load(.dev).examples[0].pair, "Why are hispanics so beautiful?")
        XCTAssertEqual(try task(.qqp).load(.test).examples, [Example(text: "Why do rockets look white?",
                                                                     pair: "Why are rockets and boosters painted white?")])
    }

    func testMNLIReadsItsTwoDevAndTwoTestFiles() throws {
        let common = ["index", "promptID", "pairID", "genre", "sentence1_binary_parse", "sentence2_binary_parse",
                      "sentence1_parse", "sentence2_parse", "sentence1", "sentence2"]
        func row(_ index: Int, _ genre: String, _ premise: String, _ hypothesis: String, _ labels: [String]) -> [String] {
            ["\(index)", "\(31193 + index)", "\(31193 + index)n", genre, "( ( Conceptually ( cream skimming ) ) ... )",
             "( ( ( Product and ) geography ) ... )", "(ROOT (S (NP (JJ Conceptually) ...)))", "(ROOT (S (NP (NN Product) ...)))",
             premise, hypothesis] + labels
        }
        try folder.writeTSV("MNLI/train.tsv", [common + ["label1", "gold_label"],
            row(0, "government", "Conceptually cream skimming has two basic dimensions - product and geography.",
                "Product and geography are what make cream skimming work. ", ["neutral", "neutral"]),
            row(1, "telephone", "you know during the season and i guess at at your level uh you lose them to the next level",
                "You lose the things to the following level if the people recall.", ["entailment", "entailment"]),
            row(2, "fiction", "One of our number will carry out your instructions minutely.",
                "A member of my team will execute your orders with immense precision.", ["contradiction", "contradiction"])])
        let devHeader = common + ["label1", "label2", "label3", "label4", "label5", "gold_label"]
        try folder.writeTSV("MNLI/dev_matched.tsv", [devHeader,
            row(0, "slate", "The new rights are nice enough", "Everyone really likes the newest benefits ",
                ["neutral", "entailment", "neutral", "neutral", "neutral", "neutral"])])
        try folder.writeTSV("MNLI/dev_mismatched.tsv", [devHeader,
            row(0, "letters", "Your contribution helped make it possible for us to provide our students with a quality education.",
                "Your contributions were of no help with our students' education.",
                ["contradiction", "contradiction", "contradiction", "contradiction", "contradiction", "contradiction"]),
            row(1, "verbatim", "The answer has nothing to do with their cause.", "The answer is unrelated.",
                ["entailment", "entailment", "entailment", "neutral", "entailment", "entailment"])])
        try folder.writeTSV("MNLI/test_matched.tsv", [common, row(0, "government", "Hierbas, ans seco, ans dulce, and frigola are just a few names worth keeping a look-out for.", "Hierbas is a name worth looking out for.", [])])
        try folder.writeTSV("MNLI/test_mismatched.tsv", [common, row(0, "letters", "What have you decided, what are you going to do?", "So what's your decision?", [])])

        let mnli = task(.mnli)
        XCTAssertEqual(mnli.splits, [.train, .dev, .devMismatched, .test, .testMismatched])
        XCTAssertEqual(try mnli.load(.train).examples.map(\.label), [.classIndex(2), .classIndex(1), .classIndex(0)])
        XCTAssertEqual(try mnli.load(.train).examples[0].pair, "Product and geography are what make cream skimming work. ")
        let matched = try mnli.load(.dev)
        XCTAssertEqual(matched.examples, [Example(text: "The new rights are nice enough", pair: "Everyone really likes the newest benefits ",
                                                  label: .classIndex(2))])
        XCTAssertEqual(matched.source?.lastPathComponent, "dev_matched.tsv")
        let mismatched = try mnli.load(.devMismatched)
        XCTAssertEqual(mismatched.examples.map(\.label), [.classIndex(0), .classIndex(1)])
        XCTAssertEqual(mismatched.source?.lastPathComponent, "dev_mismatched.tsv")
        XCTAssertEqual(try mnli.load(.test).examples, [Example(text: "Hierbas, ans seco, ans dulce, and frigola are just a few names worth keeping a look-out for.",
                                                               pair: "Hierbas is a name worth looking out for.")])
        XCTAssertEqual(try mnli.load(.testMismatched).examples[0].pair, "So what's your decision?")
        XCTAssertThrowsError(try task(.rte).load(.devMismatched)) { error in
            XCTAssertEqual(error as? TaskError, .splitNotAvailable(task: "rte", split: .devMismatched))
        }
    }

    func testQNLIRTEAndWNLI() throws {
        try folder.writeTSV("QNLI/train.tsv", [["index", "question", "sentence", "label"],
            ["0", "When did the third Digimon series begin?", "Unlike the two seasons before it and most of the seasons that followed, Digimon Tamers takes a darker and more realistic approach to its story featuring Digimon who do not reincarnate after their deaths and more complex character development in the original Japanese.", "not_entailment"],
            ["1", "Which missile batteries often have individual launchers several kilometres from one another?", "When MANPADS is operated by specialists, batteries may have several dozen teams deploying separately in small sections; self-propelled air defence guns may deploy in pairs.", "not_entailment"],
            ["2", "What two things does Popper argue Tarski's theory involves in an evaluation of truth?", "He bases this interpretation on the fact that examples such as the one described above refer to two things: assertions and the facts to which they refer.", "entailment"]])
        try folder.writeTSV("QNLI/dev.tsv", [["index", "question", "sentence", "label"], ["0", "What came into force after the new constitution was herald?", "As of that day, the new constitution heralding the Second Republic came into force.", "entailment"]])
        try folder.writeTSV("QNLI/test.tsv", [["index", "question", "sentence"], ["0", "What organization is devoted to Jihad against Israel?", "For some decades prior to the First Palestine Intifada in 1987, the Muslim Brotherhood in Palestine took a \"quiescent\" stance towards Israel.", ]])
        XCTAssertEqual(try task(.qnli).load(.train).examples.map(\.label), [.classIndex(1), .classIndex(1), .classIndex(0)])
        XCTAssertEqual(try task(.qnli).load(.dev).examples[0].text, "What came into force after the new constitution was herald?")
        XCTAssertTrue(try task(.qnli).load(.test).examples[0].pair!.contains("\"quiescent\""))

        let pairHeader = ["index", "sentence1", "sentence2", "label"]
        try folder.writeTSV("RTE/train.tsv", [pairHeader, ["0", "No Weapons of Mass Destruction Found in Iraq Yet.", "Weapons of Mass Destruction Found in Iraq.", "not_entailment"],
                                              ["1", "A place of sorrow, after Pope John Paul II died, became a place of celebration.", "Pope Benedict XVI is the new leader of the Roman Catholic Church.", "entailment"]])
        try folder.writeTSV("RTE/dev.tsv", [pairHeader, ["0", "Dana Reeve, the widow of the actor Christopher Reeve, has died of lung cancer at age 44.", "Christopher Reeve had an accident.", "not_entailment"]])
        try folder.writeTSV("RTE/test.tsv", [["index", "sentence1", "sentence2"], ["0", "Mangla was summoned after Madhumita's sister Nidhi Shukla.", "Shukla is related to Mangla."]])
        XCTAssertEqual(try task(.rte).load(.train).examples.map(\.label), [.classIndex(1), .classIndex(0)])
        XCTAssertEqual(try task(.rte).load(.dev).examples[0].label, .classIndex(1))
        XCTAssertNil(try task(.rte).load(.test).examples[0].label)

        try folder.writeTSV("WNLI/train.tsv", [pairHeader, ["0", "I stuck a pin through a carrot. When I pulled the pin out, it had a hole.", "The carrot had a hole.", "1"],
                                               ["1", "John couldn't see the stage with Billy in front of him because he is so short.", "John is so short.", "1"],
                                               ["2", "The police arrested all of the gang members. They were trying to stop the drug trade in the neighborhood.", "The police were trying to stop the drug trade in the neighborhood.", "1"],
                                               ["3", "Steve follows Fred's example in everything. He influences him hugely.", "Steve influences him hugely.", "0"]])
        try folder.writeTSV("WNLI/dev.tsv", [pairHeader, ["0", "The drain is clogged with hair. It has to be cleaned.", "The hair has to be cleaned.", "0"]])
        try folder.writeTSV("WNLI/test.tsv", [["index", "sentence1", "sentence2"], ["0", "Maude and Dora had seen the trains rushing across the prairie.", "Horses ran away when Maude and Dora came into sight."]])
        XCTAssertEqual(try task(.wnli).load(.train).examples.map(\.label), [.classIndex(1), .classIndex(1), .classIndex(1), .classIndex(0)])
        XCTAssertEqual(try task(.wnli).load(.dev).count, 1)
        XCTAssertEqual(try task(.wnli).load(.test).count, 1)
    }

    func testLineEndingsAsPythonUniversalNewlines() throws {
        // "\r\n" and a lone "\r" end lines; the final line break starts no row.
        try folder.write("SST-2/train.tsv", "sentence\tlabel\r\ngood .\t1\r\nbad .\t0\rfine .\t1")
        XCTAssertEqual(try task(.sst2).load(.train).examples.map(\.text), ["good .", "bad .", "fine ."])
    }

    func testDefinitionsAndRegistry() throws {
        XCTAssertEqual(TaskRegistry.glueTaskNames, ["cola", "sst-2", "mrpc", "sts-b", "qqp", "mnli", "qnli", "rte", "wnli"])
        XCTAssertEqual(try TaskRegistry.definition(named: "MNLI").labelNames, ["contradiction", "entailment", "neutral"])
        XCTAssertEqual(try TaskRegistry.definition(named: "qnli").labelNames, ["entailment", "not_entailment"])
        XCTAssertEqual(try TaskRegistry.definition(named: "RTE").labelNames, ["entailment", "not_entailment"])
        for name in ["cola", "sst2", "SST-2", "mrpc", "qqp", "wnli"] {
            XCTAssertEqual(try TaskRegistry.definition(named: name).labelNames, ["0", "1"], name)
        }
        XCTAssertTrue(try TaskRegistry.definition(named: "stsb").isRegression)
        XCTAssertEqual(try TaskRegistry.definition(named: "mrpc").primaryMetric, .f1)
        XCTAssertEqual(try TaskRegistry.definition(named: "rotten-tomatoes").labelNames, ["rotten", "fresh"])
        XCTAssertThrowsError(try TaskRegistry.definition(named: "squad")) { error in
            XCTAssertTrue("\(error)".contains("unknown task \"squad\""))
        }

        try folder.writeTSV("glue_data/RTE/train.tsv", [["index", "sentence1", "sentence2", "label"], ["0", "a", "b", "entailment"]])
        let rte = try TaskRegistry.task(named: "rte", glueDirectory: folder.url.appendingPathComponent("glue_data"), cacheRoot: folder.url)
        XCTAssertEqual(try rte.load(.train).count, 1)
        // The default GLUE location is cacheRoot/glue_data.
        XCTAssertEqual(try TaskRegistry.task(named: "RTE", cacheRoot: folder.url).load(.train).count, 1)
        XCTAssertThrowsError(try TaskRegistry.task(named: "cola", cacheRoot: folder.url)) { error in
            XCTAssertTrue("\(error)".contains("glue_data/CoLA: folder not found"), "\(error)")
        }
    }
}
