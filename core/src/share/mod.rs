//! Share links: a whole notebook's state in a URL fragment, never any data row.
//!
//! A link is `BASE_URL#s1.<payload>`: a versioned prefix, then base64url of the
//! deflated canonical JSON of a [`NotebookState`] with a CRC-32 (the format of each
//! version is in its module: [`v1`]). The fragment is never sent to a server; whoever
//! opens the link provides their own copy of the files, which the page checks against
//! the fingerprints in [`NotebookState::files`] before re-running.
//!
//! ## Data flow
//!
//! ```text
//! NotebookState ─ canonical JSON (sorted keys, no whitespace) ─ deflate ─ crc32 ‖ bytes ─ base64url ─ "#s1.…"
//! "…#s1.…" ─ length cap ─ version match ─ base64url ─ crc32 check ─ inflate (capped) ─ JSON (path of a bad field) ─ NotebookState
//! ```
//!
//! * The same state always gives the same link ([`canonical`]).
//! * [`decode`] is all-or-nothing: a damaged, truncated or tampered link is an error
//!   naming what is wrong ([`LinkError`]), never a partly filled state. The checksum
//!   makes an edited link decode to the state it was made from, or fail.
//! * Budgets ([`LinkBudget`]): links up to [`TYPICAL_LINK_CHARS`] paste anywhere;
//!   above [`OFFER_FILE_ABOVE_CHARS`] the caller should offer a file instead; links
//!   over [`MAX_LINK_CHARS`], or whose state inflates past [`MAX_JSON_BYTES`], are
//!   refused (inflating stops at the cap: no zip bomb). docs/share-links.md gives
//!   the figures.
//! * Every released version keeps its decoder: [`decode`] matches on the prefix.

pub mod canonical;
mod error;
mod state;
pub mod v1;

pub use error::LinkError;
pub use state::{
    Cell, EvalSettings, FileKind, HumanLevel, Note, NotebookState, Prediction, RoleFile,
    SettingsText, Summary, SummaryMetric, Tag, TextFormat,
};

/// Every version this code decodes, oldest first; the last one is what [`encode`] writes.
pub const KNOWN_VERSIONS: &[&str] = &["s1"];
/// Links up to this many characters fit a chat message or a CI summary comfortably.
pub const TYPICAL_LINK_CHARS: usize = 2_000;
/// Above this many characters the caller should offer a file (holding the same link
/// text) instead of a link: some browsers and chat tools cut URLs near this length.
pub const OFFER_FILE_ABOVE_CHARS: usize = 8_000;
/// The longest link (the text after `#`) that [`decode`] reads: 64 KiB.
pub const MAX_LINK_CHARS: usize = 64 * 1024;
/// The largest state JSON that [`decode`] inflates: 1 MiB.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// The link fragment of `state`, `#s1.…`: append it to the page's URL.
pub fn encode(state: &NotebookState) -> String {
    format!("#s1.{}", v1::encode_payload(state))
}

/// The state a link carries. Accepts a whole URL (the text after its first `#`), a
/// fragment (`#s1.…`) or the bare `s1.…`.
pub fn decode(link: &str) -> Result<NotebookState, LinkError> {
    let start = link.find('#').map_or(0, |i| i + 1);
    let fragment = &link[start..];
    if fragment.len() > MAX_LINK_CHARS {
        return Err(LinkError::TooLong {
            bytes: fragment.len(),
        });
    }
    let Some((version, payload)) = fragment.split_once('.') else {
        return Err(LinkError::NotALink);
    };
    let offset = start + version.len() + 1;
    match version {
        "s1" => v1::decode_payload(payload, offset),
        // `s` and digits: a version, maybe one a newer Lockstep writes.
        other if looks_like_version(other) => Err(LinkError::UnknownVersion {
            version: other.to_owned(),
        }),
        _ => Err(LinkError::NotALink),
    }
}

fn looks_like_version(text: &str) -> bool {
    text.strip_prefix('s').is_some_and(|digits| {
        (1..=6).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The summary's numbers are rounded to this many significant digits: what a summary
/// shows, and full-precision digits do not compress (the re-run computes them exactly).
pub const SUMMARY_DIGITS: i32 = 4;

/// `value` rounded to [`SUMMARY_DIGITS`] significant digits (non-finite values as is).
pub fn summary_number(value: f64) -> f64 {
    if !value.is_finite() || value == 0.0 {
        return value;
    }
    let magnitude = value.abs().log10().floor() as i32;
    let scale = 10f64.powi(SUMMARY_DIGITS - 1 - magnitude);
    let rounded = (value * scale).round() / scale;
    // Dividing can leave a long tail (0.30000000000000004); the shortest text of
    // the rounded decimal is what we mean.
    format!("{rounded:.prec$e}", prec = (SUMMARY_DIGITS - 1) as usize)
        .parse()
        .unwrap_or(rounded)
}

/// What a caller should do with a link of a given length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkBudget {
    /// Up to [`TYPICAL_LINK_CHARS`]: paste it anywhere.
    Typical,
    /// Up to [`OFFER_FILE_ABOVE_CHARS`]: a link still, but long.
    Long,
    /// Up to [`MAX_LINK_CHARS`]: offer a file instead (a link still decodes).
    OfferFile,
    /// Over [`MAX_LINK_CHARS`]: [`decode`] refuses it; only a file will do.
    TooLarge,
}

impl LinkBudget {
    /// The budget of `link` (a fragment from [`encode`] or a whole URL), counted on
    /// the text after `#` (ASCII in a link from [`encode`]), which is what [`decode`]
    /// limits.
    pub fn of(link: &str) -> Self {
        let start = link.find('#').map_or(0, |i| i + 1);
        match link.len() - start {
            n if n <= TYPICAL_LINK_CHARS => Self::Typical,
            n if n <= OFFER_FILE_ABOVE_CHARS => Self::Long,
            n if n <= MAX_LINK_CHARS => Self::OfferFile,
            _ => Self::TooLarge,
        }
    }
}
