//! A wrapper that keeps credentials out of logs and API responses.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A credential (app secret, access token, verify token). `Debug` and `Display` print a mask, so a
/// stray `?account` in a log line cannot leak it; the clear value is reachable only through
/// [`Secret::expose`], which makes every use greppable.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// What an API response or an operator listing may show: the last four characters at most,
    /// and nothing at all for short values.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 12 {
            "****".to_string()
        } else {
            let tail: String = chars[chars.len() - 4..].iter().collect();
            format!("****{tail}")
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("super-secret-app-secret");
        assert!(!format!("{secret:?}").contains("super"));
        assert!(!format!("{secret}").contains("super"));
        assert_eq!(secret.expose(), "super-secret-app-secret");
    }

    #[test]
    fn masked_keeps_at_most_the_last_four_characters() {
        assert_eq!(Secret::new("abcdefghijklmnop").masked(), "****mnop");
        assert_eq!(Secret::new("short").masked(), "****");
    }
}
