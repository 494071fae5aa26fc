//! Version `s1` of the link format, released with the first share links. Kept as is
//! for as long as links of this version may exist: a new format is a new module
//! (`v2.rs`, prefix `s2`) beside this one, never an edit of it.
//!
//! `s1.` + base64url (RFC 4648 §5, no padding, trailing bits zero) of
//! `crc32(deflated) as 4 big-endian bytes ‖ deflated`, where `deflated` is raw
//! DEFLATE (RFC 1951, no zlib header) of the state's canonical JSON
//! ([`super::canonical`]). The checksum (CRC-32/ISO-HDLC, as zlib's `crc32`) is checked
//! before anything is inflated, and inflating stops at [`MAX_JSON_BYTES`].

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_with_limit};

use super::canonical::to_canonical_json;
use super::{LinkError, MAX_JSON_BYTES, NotebookState};

/// The level trades a little encoding time for shorter links (measured in
/// docs/share-links.md). Decoding does not depend on it.
const DEFLATE_LEVEL: u8 = 9;

/// The part after `s1.`.
pub(super) fn encode_payload(state: &NotebookState) -> String {
    let json = to_canonical_json(state);
    let deflated = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), DEFLATE_LEVEL);
    let mut bytes = Vec::with_capacity(4 + deflated.len());
    bytes.extend_from_slice(&crc32fast::hash(&deflated).to_be_bytes());
    bytes.extend_from_slice(&deflated);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The state from the part after `s1.`; `offset` is where that part starts in the
/// text the caller gave, so errors point into it.
pub(super) fn decode_payload(payload: &str, offset: usize) -> Result<NotebookState, LinkError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|e| base64_error(&e, payload, offset))?;
    if bytes.len() < 4 {
        return Err(LinkError::Truncated { bytes: bytes.len() });
    }
    let (checksum, deflated) = bytes.split_at(4);
    let stored = u32::from_be_bytes([checksum[0], checksum[1], checksum[2], checksum[3]]);
    let computed = crc32fast::hash(deflated);
    if stored != computed {
        return Err(LinkError::ChecksumMismatch { stored, computed });
    }
    let json =
        decompress_to_vec_with_limit(deflated, MAX_JSON_BYTES).map_err(|e| match e.status {
            TINFLStatus::HasMoreOutput => LinkError::TooLargeDecompressed,
            status => LinkError::Corrupt {
                reason: format!("{status:?}"),
            },
        })?;
    parse_json(&json)
}

/// The state from its JSON, naming the path of a bad field.
pub(super) fn parse_json(json: &[u8]) -> Result<NotebookState, LinkError> {
    if let Err(e) = std::str::from_utf8(json) {
        return Err(LinkError::NotUtf8 {
            offset: e.valid_up_to(),
        });
    }
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let state: NotebookState =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| LinkError::Json {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
    deserializer.end().map_err(|e| LinkError::Json {
        path: ".".to_owned(),
        message: e.to_string(),
    })?;
    Ok(state)
}

fn base64_error(error: &base64::DecodeError, payload: &str, offset: usize) -> LinkError {
    let describe = |at: usize, byte: u8| {
        if byte.is_ascii_graphic() {
            format!("`{}` is not a base64url character", byte as char)
        } else if byte.is_ascii() {
            format!("byte 0x{byte:02x} is not a base64url character")
        } else {
            // The character (not one byte of it) that starts there.
            let ch = payload
                .get(at..)
                .and_then(|s| s.chars().next())
                .map_or_else(|| format!("byte 0x{byte:02x}"), |c| format!("`{c}`"));
            format!("{ch} is not a base64url character")
        }
    };
    let (at, what) = match *error {
        base64::DecodeError::InvalidByte(at, byte) => (at, describe(at, byte)),
        base64::DecodeError::InvalidLastSymbol(at, byte) => (
            at,
            format!(
                "`{}` cannot end a link: characters are missing or changed",
                byte as char
            ),
        ),
        base64::DecodeError::InvalidLength(len) => (
            len,
            format!("{len} characters cannot be base64: the link is truncated"),
        ),
        base64::DecodeError::InvalidPadding => (payload.len(), "padding".to_owned()),
    };
    LinkError::BadBase64 {
        offset: offset + at,
        what,
    }
}
