// Character classes of BERT's normaliser and pre-tokeniser as the Rust `tokenizers` library
// (transformers 5's `BertTokenizer`) defines them, in `normalizers/bert.rs` and
// `pre_tokenizers/bert.rs`.
//
// Trap: those classes come from three different Unicode versions, none of them Swift's.
// - Control characters, punctuation and nonspacing marks: the `unicode_categories` crate, whose
//   tables are Unicode 8.0. A code point assigned later is unassigned (Cn) there, so it is kept
//   as an ordinary character (a newer emoji or format character gives [UNK] rather than being
//   dropped or split off), and a handful of code points still carry their 8.0 category.
// - Canonical decomposition (accent stripping): `unicode-normalization-alignments`, Unicode 9.0.
// - Whitespace and lower-casing: Rust's standard library, as recent as Swift's.
// Swift's tables are the newest (Unicode 17.0 in Swift 6.3), so each class below is Swift's
// property restricted by `properties.age` to the version the Rust code sees.

extension Unicode.Scalar {
    /// The general category this code point had in Unicode 8.0; `.unassigned` if it was
    /// assigned later.
    var generalCategoryInUnicode8: Unicode.GeneralCategory {
        switch value {
        // The code points of Unicode 8.0 whose category has changed since in a way these classes
        // see (found by comparing every code point with the Rust tokenizer).
        case 0x1734, 0x1171E: return .nonspacingMark   // HANUNOO SIGN PAMUDPOD, AHOM CONSONANT SIGN MEDIAL RA: Mc now
        case 0x1885, 0x1886: return .otherLetter       // MONGOLIAN LETTER ALI GALI BALUDA, THREE BALUDA: Mn now
        case 0xA9BD: return .spacingMark                // JAVANESE CONSONANT SIGN KERET: Mn now
        case 0x166D: return .otherPunctuation           // CANADIAN SYLLABICS CHI SIGN: So now
        case 0x111C9: return .otherPunctuation          // SHARADA SANDHI MARK: Mn now
        default:
            guard let age = properties.age, age.major <= 8 else { return .unassigned }
            return properties.generalCategory
        }
    }

    /// Whether Unicode 9.0 had assigned this code point, i.e. whether the normaliser's
    /// decomposition tables know it (decomposition and combining class).
    var isAssignedInUnicode9: Bool {
        value < 0x300 || (properties.age.map { $0.major <= 9 } ?? false)
    }

    /// The canonical combining class the normaliser's Unicode 9.0 tables give: 0 for code points
    /// assigned later. (Assigned code points never change class.)
    var canonicalCombiningClassInUnicode9: UInt8 {
        value < 0x300 ? 0 : isAssignedInUnicode9 ? properties.canonicalCombiningClass.rawValue : 0
    }

    /// BERT's whitespace: any White_Space code point (Rust's `char::is_whitespace`: tab, LF, VT,
    /// FF, CR, Zs, U+0085, U+2028, U+2029). VT, FF and U+0085 are control characters too, and
    /// cleaning drops them before it maps whitespace to spaces.
    var isBertWhitespace: Bool {
        switch value {
        case 0x09...0x0D, 0x20: return true
        case 0...0x7F: return false
        default: return properties.isWhitespace
        }
    }

    /// BERT's control characters: Cc, Cf, Co or Cs in Unicode 8.0, except tab, LF and CR.
    ///
    /// Unassigned code points (Cn) are not control characters here, unlike in the Python original.
    var isBertControl: Bool {
        switch value {
        case 0x09, 0x0A, 0x0D: return false
        case 0..<0x20, 0x7F: return true
        case 0x20..<0x7F: return false
        default: break
        }
        switch generalCategoryInUnicode8 {
        case .control, .format, .surrogate, .privateUse: return true
        default: return false
        }
    }

    /// BERT's punctuation: all non-alphanumeric printable ASCII, or any P* category of Unicode 8.0.
    var isBertPunctuation: Bool {
        switch value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0..<128: return false
        default: break
        }
        switch generalCategoryInUnicode8 {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// A nonspacing mark (Mn) of Unicode 8.0: what accent stripping removes after NFD.
    var isNonspacingMarkInUnicode8: Bool {
        value >= 0x300 && generalCategoryInUnicode8 == .nonspacingMark
    }

    /// A code point of the CJK ideograph ranges the normaliser isolates (not Hiragana, Katakana
    /// or Hangul).
    ///
    /// Trap: the Rust table starts its fifth range at U+2B920 where the Python original has
    /// U+2B820, so U+2B820...U+2B91F (the start of CJK Extension E) stay inside words.
    var isCJKIdeograph: Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
