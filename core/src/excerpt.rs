//! [`excerpt`]: a value quoted in an error message, cut to a readable length so a
//! 2 GB field is not copied into (and printed with) the error.

/// Characters of a value an error message quotes.
pub const EXCERPT_CHARS: usize = 64;

/// `text` whole when it has at most [`EXCERPT_CHARS`] characters, else its first
/// [`EXCERPT_CHARS`] characters, then `… (N bytes)`.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], text.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn short_values_are_whole_long_ones_cut_with_their_size() {
        assert_eq!(excerpt("abc"), "abc");
        let long = "é".repeat(100);
        let cut = excerpt(&long);
        assert!(cut.starts_with(&"é".repeat(64)));
        assert!(cut.ends_with("… (200 bytes)"), "{cut}");
    }
}
