//! A string that never prints itself.

use std::fmt;

/// An API key or token. `Debug` and `Display` print `***`; only [`Secret::expose`] gives the
/// value, and only adapters building a request header should call it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// A masked form for `gpu config check`: the last four characters of a long key, else `***`.
    pub fn masked(&self) -> String {
        let n = self.0.chars().count();
        if n >= 16 {
            let tail: String = self.0.chars().skip(n - 4).collect();
            format!("***{tail}")
        } else {
            "***".to_string()
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("sk-live-SENTINEL-123456789");
        assert!(!format!("{s:?}").contains("SENTINEL"));
        assert!(!format!("{s}").contains("SENTINEL"));
        assert_eq!(s.masked(), "***6789");
        assert_eq!(Secret::new("short").masked(), "***");
        assert_eq!(s.expose(), "sk-live-SENTINEL-123456789");
    }
}
