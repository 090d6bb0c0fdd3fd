//! Which keyword scenario a customer's text starts, decided without I/O. Text and keywords are
//! folded alike (Unicode NFKC, case-folded, accents removed, other scripts' digits made ASCII,
//! punctuation read as a space), then matched by the best mode: exact, then whole words, prefix,
//! contains, and last fuzzy (a normalized Damerau-Levenshtein similarity, the optimal string
//! alignment variant, of at least 0.85).

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

/// A customer's text folded once, with what every keyword's match needs of it.
pub struct Folded {
    text: String,
    /// The text between spaces, for whole-word matches.
    padded: String,
    /// Each word's byte range and length in characters, for fuzzy runs of words.
    words: Vec<(usize, usize, usize)>,
}

impl Folded {
    pub fn new(text: &str) -> Self {
        let text = normalize(text);
        let mut words = Vec::new();
        let mut at = 0;
        for word in text.split(' ') {
            words.push((at, at + word.len(), word.chars().count()));
            at += word.len() + 1;
        }
        Self {
            padded: format!(" {text} "),
            text,
            words,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// How the folded `keyword` matches the folded text, if it does.
pub fn mode_of(text: &Folded, keyword: &str) -> Option<Mode> {
    strict_mode(text, keyword).or_else(|| fuzzy(text, keyword).then_some(Mode::Fuzzy))
}

/// How `keyword` matches exactly, as a word, a prefix or inside the text (fuzzy not tried).
pub fn strict_mode(text: &Folded, keyword: &str) -> Option<Mode> {
    if keyword.is_empty() || text.is_empty() {
        return None;
    }
    if text.text == keyword {
        return Some(Mode::Exact);
    }
    let (padded, keyword_chars) = (&text.padded, keyword.chars().count());
    let whole_word = padded
        .match_indices(keyword)
        .any(|(at, _)| padded[..at].ends_with(' ') && padded[at + keyword.len()..].starts_with(' '));
    if whole_word {
        return Some(Mode::Word);
    }
    if text.text.starts_with(keyword) {
        return Some(Mode::Prefix);
    }
    if keyword_chars < MIN_LOOSE_CHARS {
        return None;
    }
    text.text.contains(keyword).then_some(Mode::Contains)
}

/// Whether `keyword` is like the whole text, or like a run of as many words as it has (only runs
/// whose length could be near enough are compared).
pub fn fuzzy(text: &Folded, keyword: &str) -> bool {
    let keyword_chars = keyword.chars().count();
    if keyword_chars < MIN_LOOSE_CHARS || text.is_empty() {
        return false;
    }
    if similar(&text.text, keyword) {
        return true;
    }
    let span = keyword.split(' ').count();
    span <= text.words.len()
        && text.words.windows(span).any(|run| {
            let chars = run.iter().map(|w| w.2).sum::<usize>() + span - 1;
            within_reach(chars, keyword_chars) && similar(&text.text[run[0].0..run[span - 1].1], keyword)
        })
}

/// How many edits the threshold allows between texts of these lengths.
fn allowed_edits(a: usize, b: usize) -> usize {
    ((1.0 - FUZZY_THRESHOLD) * a.max(b) as f64).floor() as usize
}

/// The bag distance: characters one has beyond the other's, the larger side. It never exceeds
/// the edit distance, so a bag distance past the allowance rules a pair out cheaply.
fn bag_distance(a: &str, b: &str) -> usize {
    let mut counts: std::collections::HashMap<char, i32> = std::collections::HashMap::new();
    for c in a.chars() {
        *counts.entry(c).or_default() += 1;
    }
    for c in b.chars() {
        *counts.entry(c).or_default() -= 1;
    }
    let (more, fewer) = counts.values().fold((0, 0), |(more, fewer), n| match *n {
        n if n > 0 => (more + n as usize, fewer),
        n => (more, fewer + (-n) as usize),
    });
    more.max(fewer)
}

/// Whether lengths `a` and `b` are near enough for the threshold to be reached at all.
fn within_reach(a: usize, b: usize) -> bool {
    let longest = a.max(b);
    longest > 0 && (a.abs_diff(b) as f64) <= (1.0 - FUZZY_THRESHOLD) * longest as f64
}

/// Whether two folded texts are at least [`FUZZY_THRESHOLD`] alike. Lengths further apart than
/// the threshold allows are told apart without computing the distance (most candidates).
fn similar(candidate: &str, keyword: &str) -> bool {
    let (a, b) = (candidate.chars().count(), keyword.chars().count());
    within_reach(a, b)
        && bag_distance(candidate, keyword) <= allowed_edits(a, b)
        && 1.0 - strsim::osa_distance(candidate, keyword) as f64 / a.max(b) as f64 >= FUZZY_THRESHOLD
}

/// Keywords folded once per warm Lambda (scenarios change rarely; the fold is the dear part of a
/// match); bounded, and emptied whole when full.
const FOLDED_KEYWORDS: usize = 20_000;

static FOLDED: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<str>>>> =
    std::sync::LazyLock::new(Default::default);

/// `keyword` folded as [`normalize`] folds, from the cache.
pub fn folded_keyword(keyword: &str) -> std::sync::Arc<str> {
    let mut cache = FOLDED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(found) = cache.get(keyword) {
        return found.clone();
    }
    if cache.len() >= FOLDED_KEYWORDS {
        cache.clear();
    }
    let folded: std::sync::Arc<str> = normalize(keyword).into();
    cache.insert(keyword.to_string(), folded.clone());
    folded
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
        let m = |text: &str, keyword: &str| mode_of(&Folded::new(text), &normalize(keyword));
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
