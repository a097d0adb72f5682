import Foundation

/// BERT's normaliser as the `tokenizers` library runs it (`BertNormalizer`, the Rust backend of
/// transformers 5's `BertTokenizer`): cleans the text, isolates CJK ideographs, strips accents,
/// lower-cases. It works on Unicode scalars (Rust `char`s), never on `Character`s.
///
/// Traps, where it differs from the original Python `BasicTokenizer` (`BertTokenizerLegacy`):
/// - No NFC; accents are stripped (NFD, then nonspacing marks dropped) before lower-casing.
/// - Lower-casing maps each code point on its own: a word-final "Σ" becomes "σ", never "ς".
/// - Code points unassigned in its Unicode tables are kept (and usually become [UNK]), not dropped.
///
///     BertNormalizer().normalize("Crème BRÛLÉE\u{200B}!")  // "creme brulee!"
public struct BertNormalizer: Sendable {
    /// Lower-case each code point (Rust's `char::to_lowercase`, full mappings).
    public var lowercases: Bool
    /// Strip accents; nil strips exactly when lower-casing.
    public var stripsAccents: Bool?
    /// Put spaces around CJK ideographs so each one is a word.
    public var splitsCJKIdeographs: Bool

    /// A normaliser with transformers' defaults (lower-casing, accent stripping, CJK splitting).
    public init(lowercases: Bool = true, stripsAccents: Bool? = nil, splitsCJKIdeographs: Bool = true) {
        self.lowercases = lowercases
        self.stripsAccents = stripsAccents
        self.splitsCJKIdeographs = splitsCJKIdeographs
    }

    /// The normalised text.
    public func normalize(_ text: String) -> String {
        String(String.UnicodeScalarView(normalize(Array(text.unicodeScalars))))
    }

    /// The normalised scalars: clean, CJK spacing, accent stripping, lower-casing, in that order.
    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output = Self.clean(text)
        if splitsCJKIdeographs { output = Self.spaceCJKIdeographs(output) }
        if stripsAccents ?? lowercases { output = Self.strippingAccents(output) }
        if lowercases { output = Self.lowercased(output) }
        return output
    }

    /// Drops NUL, U+FFFD and control characters; turns every whitespace character into a space.
    static func clean(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        for scalar in text {
            if scalar.value == 0 || scalar.value == 0xFFFD || scalar.isBertControl { continue }
            output.append(scalar.isBertWhitespace ? " " : scalar)
        }
        return output
    }

    /// Surrounds every CJK ideograph with spaces.
    static func spaceCJKIdeographs(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains(where: \.isCJKIdeograph) else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count + 16)
        for scalar in text {
            if scalar.isCJKIdeograph {
                output.append(contentsOf: [" ", scalar, " "])
            } else {
                output.append(scalar)
            }
        }
        return output
    }

    /// Canonical decomposition (NFD) with the normaliser's Unicode 9.0 tables: a code point
    /// assigned later neither decomposes nor moves (it has combining class 0 there).
    ///
    /// Each scalar is decomposed on its own (by Foundation), then the marks are put in canonical
    /// order here. Trap: Foundation's NFD of a whole string leaves marks out of order after some
    /// decompositions (U+0F73, U+0F75, U+0F81 expand to U+0F71 (class 129) plus a mark, which is
    /// not moved before a preceding class-230 mark); Rust's and Python's NFD move it.
    static func nfd(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // Below U+00C0 no code point decomposes or combines.
        guard text.contains(where: { $0.value >= 0xC0 }) else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count + 8)
        for scalar in text {
            for part in canonicalDecomposition(of: scalar) {
                // Canonical ordering: a stable insertion sort of each run of nonzero classes.
                let combiningClass = part.canonicalCombiningClassInUnicode9
                var index = output.count
                if combiningClass != 0 {
                    while index > 0 && output[index - 1].canonicalCombiningClassInUnicode9 > combiningClass {
                        index -= 1
                    }
                }
                output.insert(part, at: index)
            }
        }
        return output
    }

    /// The full canonical decomposition of one scalar, itself if it has none in Unicode 9.0.
    private static func canonicalDecomposition(of scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        guard scalar.value >= 0xC0, scalar.isAssignedInUnicode9 else { return [scalar] }
        return Array(String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// NFD, then drops nonspacing marks (Mn, as of Unicode 8.0).
    static func strippingAccents(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains(where: { $0.value >= 0xC0 }) else { return text }
        return nfd(text).filter { !$0.isNonspacingMarkInUnicode8 }
    }

    /// Each code point replaced by its full lower-case mapping, without context (so no
    /// Final_Sigma rule): "İ" becomes "i\u{307}", "Σ" always "σ".
    static func lowercased(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        for scalar in text {
            if scalar.isASCII {
                output.append((65...90).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value + 32)) : scalar)
            } else {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return output
    }
}
