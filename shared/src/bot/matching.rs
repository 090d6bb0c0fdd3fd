//! Which keyword scenario a customer's text starts, decided without I/O. Text and keywords are
//! folded alike (Unicode NFKC, case-folded, accents removed, other scripts' digits made ASCII,
//! punctuation read as a space), then matched by the best mode: exact, then whole words, prefix,
//! contains, and last fuzzy (a normalized Damerau-Levenshtein similarity of at least 0.85).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The least similarity a fuzzy match needs.
pub const FUZZY_THRESHOLD: f64 = 0.85;
/// Keywords shorter than this match only exactly, as a word or as a prefix: "hi" inside "this"
/// or one edit away from "ha" is noise, not intent.
pub const MIN_LOOSE_CHARS: usize = 4;
/// Texts longer than this are matched on their start only (an edit distance is quadratic).
pub const MAX_MATCHED_CHARS: usize = 1_024;

/// How a keyword matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Exact,
    Word,
    Prefix,
    Contains,
    Fuzzy,
}

/// The zero of each decimal digit block Unicode has outside ASCII that NFKC leaves alone (Arabic-
/// Indic, Persian, Devanagari, Bengali, ...): each block runs zero to nine.
const DIGIT_ZEROS: [u32; 24] = [
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50,
    0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1B50, 0xA8D0,
];

fn ascii_digit(c: char) -> char {
    let code = c as u32;
    DIGIT_ZEROS
        .iter()
        .find(|zero| (**zero..**zero + 10).contains(&code))
        .and_then(|zero| char::from_digit(code - zero, 10))
        .unwrap_or(c)
}

/// Scripts whose accents are folded away (`é` reads as `e`).
fn accented_script(c: char) -> bool {
    matches!(c as u32, 0x0041..=0x024F | 0x0370..=0x03FF | 0x0400..=0x04FF | 0x1E00..=0x1FFF)
}

/// The folded form both sides are compared in: words of lower-case letters and digits, one space
/// apart.
pub fn normalize(text: &str) -> String {
    let folded: String = text
        .chars()
        .take(MAX_MATCHED_CHARS)
        .collect::<String>()
        .nfkc()
        .map(ascii_digit)
        .collect::<String>()
        .nfkd()
        .scan(' ', |base, c| {
            // Accents are dropped from Latin, Greek and Cyrillic letters only: elsewhere (an
            // Indic vowel sign) a combining mark is part of the word.
            if is_combining_mark(c) {
                return Some((!accented_script(*base)).then_some(c));
            }
            *base = c;
            Some(Some(c))
        })
        .flatten()
        .flat_map(char::to_lowercase)
        .collect();
    // Full case folding beyond lower-casing, for the letters where the two differ.
    let folded = folded.replace('ß', "ss").replace('ς', "σ");
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How the folded `keyword` matches the folded `text`, if it does.
pub fn mode_of(text: &str, keyword: &str) -> Option<Mode> {
    if keyword.is_empty() || text.is_empty() {
        return None;
    }
    if text == keyword {
        return Some(Mode::Exact);
    }
    let padded = format!(" {text} ");
    if padded.contains(&format!(" {keyword} ")) {
        return Some(Mode::Word);
    }
    if text.starts_with(keyword) {
        return Some(Mode::Prefix);
    }
    if keyword.chars().count() < MIN_LOOSE_CHARS {
        return None;
    }
    if text.contains(keyword) {
        return Some(Mode::Contains);
    }
    // Fuzzy: the whole text, or any run of as many words as the keyword has.
    let words: Vec<&str> = text.split(' ').collect();
    let span = keyword.split(' ').count();
    let similar = |candidate: &str| strsim::normalized_damerau_levenshtein(candidate, keyword) >= FUZZY_THRESHOLD;
    if similar(text) || (span <= words.len() && words.windows(span).any(|run| similar(&run.join(" ")))) {
        return Some(Mode::Fuzzy);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_case_accents_width_punctuation_and_foreign_digits() {
        assert_eq!(normalize("  Héllo,   WORLD!! "), "hello world");
        assert_eq!(normalize("ＨＥＬＬＯ"), "hello");
        assert_eq!(normalize("Straße"), "strasse");
        assert_eq!(normalize("طلب ٣"), "طلب 3");
        assert_eq!(normalize("पिन ४२"), "पिन 42");
        assert_eq!(normalize("Ça coûte combien ?"), "ca coute combien");
        assert_eq!(normalize("ﬁnance"), "finance");
    }

    #[test]
    fn modes_rank_exact_then_word_prefix_contains_fuzzy() {
        let m = |text: &str, keyword: &str| mode_of(&normalize(text), &normalize(keyword));
        assert_eq!(m("Hello!", "hello"), Some(Mode::Exact));
        assert_eq!(m("well hello there", "hello"), Some(Mode::Word));
        assert_eq!(m("hellooo", "hello"), Some(Mode::Prefix));
        assert_eq!(m("ohhello", "hello"), Some(Mode::Contains));
        assert_eq!(m("helo", "hello"), None, "0.8 similar: under the threshold");
        assert_eq!(m("I want the price lisst", "price list"), Some(Mode::Fuzzy));
        assert_eq!(m("opening hours plz", "openning hours"), Some(Mode::Fuzzy));
        assert_eq!(m("goodbye", "hello"), None);
        assert_eq!(
            m("this one", "hi"),
            None,
            "a short keyword is not looked for inside words"
        );
        assert_eq!(m("hi!", "ho"), None);
        assert!(Mode::Exact < Mode::Word && Mode::Contains < Mode::Fuzzy);
    }
}
