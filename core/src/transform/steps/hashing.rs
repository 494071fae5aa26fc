//! Feature hashing with scikit-learn's hash: MurmurHash3 x86 32-bit
//! (`sklearn.utils.murmurhash3_32(key, seed=0, positive=False)`), read as a signed
//! 32-bit integer.

/// MurmurHash3 x86_32 of `data` with `seed` (Austin Appleby's reference algorithm).
pub fn murmurhash3_x86_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    let mut k: u32 = 0;
    for (i, byte) in tail.iter().enumerate() {
        k |= u32::from(*byte) << (8 * i);
    }
    if !tail.is_empty() {
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// The feature index and sign `FeatureHasher(n_features, alternate_sign)` gives the
/// string `text` (`n_features >= 1`).
pub(crate) fn hash_index_sign(text: &str, n_features: u32, alternate_sign: bool) -> (usize, f64) {
    let h = murmurhash3_x86_32(text.as_bytes(), 0) as i32;
    let n = i64::from(n_features);
    let index = if h == i32::MIN {
        // scikit-learn's definition of abs(-2**31) % n_features.
        (2_147_483_647 - (n - 1)) % n
    } else {
        i64::from(h).abs() % n
    };
    let sign = if alternate_sign && h < 0 { -1.0 } else { 1.0 };
    (index as usize, sign)
}
