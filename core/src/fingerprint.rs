//! The one content hash of the crate: sha256 as 64 lowercase hex digits.
//!
//! Every artefact has exactly one fingerprint, computed here: data files and models
//! are hashed over their bytes; a fitted pipeline over its canonical encoding
//! ([`FittedPipeline::fingerprint`](crate::transform::FittedPipeline::fingerprint)),
//! which is what reports, prediction logs and skew reports all carry.

use sha2::{Digest, Sha256};

/// The sha256 of `bytes`, as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut hasher = Sha256Hex::new();
    hasher.update(bytes);
    hasher.finish()
}

/// [`sha256_hex`] over bytes that come in pieces (a file read in slices, so that it
/// never sits whole in memory): the same digits as over the pieces joined.
#[derive(Debug, Clone, Default)]
pub struct Sha256Hex(Sha256);

impl Sha256Hex {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The 64 lowercase hex digits.
    pub fn finish(self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digest = self.0.finalize();
        let mut out = String::with_capacity(64);
        for byte in digest {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_fips_180_2_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // FIPS 180-2's two-block message, in uneven pieces.
        let message = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        let mut pieces = Sha256Hex::new();
        for piece in message.chunks(7) {
            pieces.update(piece);
        }
        assert_eq!(
            pieces.finish(),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(
            sha256_hex(message),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }
}
