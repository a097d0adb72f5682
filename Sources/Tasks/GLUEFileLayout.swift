/// Where the texts and the label sit in one GLUE file, as distributed in `glue_data/` by the
/// GLUE benchmark's `download_glue_data.py`.
///
/// Every position below was checked against the readers that the community runs on these files:
/// - transformers, src/transformers/data/processors/glue.py, each processor's
///   `_create_examples` (columns by position; which files skip a first row);
/// - Hugging Face datasets, datasets/glue/glue.py, `_generate_examples` (columns by header
///   name with `csv.DictReader(..., quoting=csv.QUOTE_NONE)`, which confirms the header names,
///   test files included, and that CoLA's train/dev are "the only tsv files without a header");
/// - the GLUE download script (`format_mrpc`), which writes MRPC's test header
///   `index\t#1 ID\t#2 ID\t#1 String\t#2 String` and copies train/dev's header (and the byte
///   order mark) from msr_paraphrase_train.txt.
///
/// A row must have exactly `columnCount` fields; a header must have them too and name the
/// columns read at their positions (the other header names are not checked).
struct GLUEFileLayout: Sendable {
    /// A column that is read: its 0-based position and its header name.
    struct Column: Sendable {
        let index: Int
        let name: String
    }

    /// Whether the first line is a header (all but CoLA's train and dev).
    let hasHeader: Bool
    /// The number of tab-separated fields of every row.
    let columnCount: Int
    /// The text (first sentence).
    let text: Column
    /// The second sentence of pair tasks.
    let pair: Column?
    /// The label (nil in test files).
    let label: Column?

    /// The layout of `split`'s file for `kind` (`split` must be one of `kind.splits`).
    static func of(_ kind: GLUETaskKind, _ split: Split) -> GLUEFileLayout {
        let test = !split.hasLabels
        switch kind {
        case .cola:
            // train/dev, no header: source, label, original label ("*" or empty), sentence.
            // transformers: text_index = 3, label = line[1]; test: header "index\tsentence", text 1.
            return test
                ? GLUEFileLayout(hasHeader: true, columnCount: 2, text: Column(index: 1, name: "sentence"), pair: nil, label: nil)
                : GLUEFileLayout(hasHeader: false, columnCount: 4, text: Column(index: 3, name: "sentence"), pair: nil,
                                 label: Column(index: 1, name: "label"))
        case .sst2:
            // "sentence\tlabel"; test "index\tsentence". transformers: text_index 0 (test 1), label line[1].
            return test
                ? GLUEFileLayout(hasHeader: true, columnCount: 2, text: Column(index: 1, name: "sentence"), pair: nil, label: nil)
                : GLUEFileLayout(hasHeader: true, columnCount: 2, text: Column(index: 0, name: "sentence"), pair: nil,
                                 label: Column(index: 1, name: "label"))
        case .mrpc:
            // "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"; test "index\t#1 ID\t#2 ID\t#1 String\t#2 String".
            // transformers: text_a line[3], text_b line[4], label line[0].
            return GLUEFileLayout(hasHeader: true, columnCount: 5, text: Column(index: 3, name: "#1 String"),
                                  pair: Column(index: 4, name: "#2 String"),
                                  label: test ? nil : Column(index: 0, name: "Quality"))
        case .stsb:
            // "index genre filename year old_index source1 source2 sentence1 sentence2 score"; test
            // without score. transformers: text_a line[7], text_b line[8], label line[-1].
            return GLUEFileLayout(hasHeader: true, columnCount: test ? 9 : 10, text: Column(index: 7, name: "sentence1"),
                                  pair: Column(index: 8, name: "sentence2"),
                                  label: test ? nil : Column(index: 9, name: "score"))
        case .qqp:
            // "id qid1 qid2 question1 question2 is_duplicate"; test "id question1 question2".
            // transformers: q1 3 (test 1), q2 4 (test 2), label line[5]; rows too short are skipped
            // (`except IndexError: continue`).
            return test
                ? GLUEFileLayout(hasHeader: true, columnCount: 3, text: Column(index: 1, name: "question1"),
                                 pair: Column(index: 2, name: "question2"), label: nil)
                : GLUEFileLayout(hasHeader: true, columnCount: 6, text: Column(index: 3, name: "question1"),
                                 pair: Column(index: 4, name: "question2"), label: Column(index: 5, name: "is_duplicate"))
        case .mnli:
            // index promptID pairID genre sentence1_binary_parse sentence2_binary_parse sentence1_parse
            // sentence2_parse sentence1 sentence2, then train: label1 gold_label (12 columns);
            // dev: label1..label5 gold_label (16); test: nothing (10).
            // transformers: text_a line[8], text_b line[9], label line[-1].
            let count = split == .train ? 12 : (test ? 10 : 16)
            return GLUEFileLayout(hasHeader: true, columnCount: count, text: Column(index: 8, name: "sentence1"),
                                  pair: Column(index: 9, name: "sentence2"),
                                  label: test ? nil : Column(index: count - 1, name: "gold_label"))
        case .qnli:
            // "index\tquestion\tsentence\tlabel"; test without label. transformers: 1, 2, line[-1].
            return GLUEFileLayout(hasHeader: true, columnCount: test ? 3 : 4, text: Column(index: 1, name: "question"),
                                  pair: Column(index: 2, name: "sentence"),
                                  label: test ? nil : Column(index: 3, name: "label"))
        case .rte, .wnli:
            // "index\tsentence1\tsentence2\tlabel"; test without label. transformers: 1, 2, line[-1].
            return GLUEFileLayout(hasHeader: true, columnCount: test ? 3 : 4, text: Column(index: 1, name: "sentence1"),
                                  pair: Column(index: 2, name: "sentence2"),
                                  label: test ? nil : Column(index: 3, name: "label"))
        }
    }

    /// A description of the file for "not found" messages.
    func expectation(_ kind: GLUETaskKind, _ split: Split) -> String {
        let header = hasHeader ? "a header and " : "no header, "
        return "the GLUE \(kind.folderName) \(split) file (\(header)\(columnCount) tab-separated columns)"
    }
}
