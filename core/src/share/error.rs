//! Why a link was refused. Each message says what is wrong and where, so the page
//! can show it as is and stay as it was.

use thiserror::Error;

use super::{KNOWN_VERSIONS, MAX_JSON_BYTES, MAX_LINK_CHARS};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LinkError {
    #[error(
        "not a Lockstep link: expected `#{}.` and the encoded state after it",
        KNOWN_VERSIONS[KNOWN_VERSIONS.len() - 1]
    )]
    NotALink,
    #[error(
        "unknown link version \"{version}\" (this Lockstep reads {}); a newer Lockstep may have made it",
        KNOWN_VERSIONS.join(", ")
    )]
    UnknownVersion { version: String },
    #[error("the link is too large: {bytes} bytes after `#` (the limit is {MAX_LINK_CHARS})")]
    TooLong { bytes: usize },
    #[error("the link is damaged: bad base64 at offset {offset} ({what})")]
    BadBase64 { offset: usize, what: String },
    #[error("the link is truncated: {bytes} bytes of state, fewer than its 4-byte checksum")]
    Truncated { bytes: usize },
    #[error(
        "the link is damaged or truncated: checksum mismatch (stored {stored:08x}, computed {computed:08x})"
    )]
    ChecksumMismatch { stored: u32, computed: u32 },
    #[error("the link's state decompresses to more than {MAX_JSON_BYTES} bytes; refused")]
    TooLargeDecompressed,
    #[error("the link's compressed state is corrupt ({reason})")]
    Corrupt { reason: String },
    #[error("the link's state is not valid UTF-8 (at byte {offset})")]
    NotUtf8 { offset: usize },
    #[error("the link's state is invalid at `{path}`: {message}")]
    Json { path: String, message: String },
}
