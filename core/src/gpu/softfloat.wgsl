// Correctly rounded f32 arithmetic (round to nearest, ties to even) on bit patterns, in
// integer operations only: WGSL promises `/` only to 2.5 ULP and `sqrt` less, lets a
// compiler fuse a multiply into an add, may flush subnormals and may assume there are no
// NaNs or infinities. Kernels that must equal the CPU engine bit for bit (Div, Mul,
// Normalizer, linear scores) build their results from these. A library, not a kernel:
// the Rust side prepends it to the kernels that call `sf_*`.

const SF_SIGN: u32 = 0x80000000u;
const SF_ABS: u32 = 0x7fffffffu;
const SF_INF: u32 = 0x7f800000u;
const SF_QNAN: u32 = 0x7fc00000u;

fn sf_is_nan(a: u32) -> bool {
    return (a & SF_ABS) > SF_INF;
}

fn sf_is_inf(a: u32) -> bool {
    return (a & SF_ABS) == SF_INF;
}

// A finite non-zero magnitude as m · 2^(e - 150), the leading 1 of m at bit 23
// (subnormals normalised, their exponent below 1).
struct SfUnpacked {
    m: u32,
    e: i32,
}

fn sf_unpack(a: u32) -> SfUnpacked {
    let ex = i32((a >> 23u) & 0xffu);
    let m = a & 0x7fffffu;
    if (ex == 0) {
        let shift = countLeadingZeros(m) - 8u;
        return SfUnpacked(m << shift, 1 - i32(shift));
    }
    return SfUnpacked(m | 0x800000u, ex);
}

// Rounds m · 2^(e - 153) (the leading 1 of m at bit 26, anything below bit 0 ORed into
// it) to the nearest f32, ties to even, with overflow to infinity and gradual underflow.
fn sf_pack(sign: u32, e_in: i32, m_in: u32) -> u32 {
    var e = e_in;
    var m = m_in;
    if (e >= 255) {
        return sign | SF_INF;
    }
    if (e <= 0) {
        let sh = u32(1 - e);
        if (sh >= 27u) {
            m = select(0u, 1u, m != 0u);
        } else {
            let lost = m & ((1u << sh) - 1u);
            m = (m >> sh) | select(0u, 1u, lost != 0u);
        }
        e = 0;
    }
    let low = m & 7u;
    m = m >> 3u;
    if (low > 4u || (low == 4u && (m & 1u) == 1u)) {
        m = m + 1u;
    }
    if (e == 0) {
        // A subnormal (or, rounded up, the smallest normal: the same bits).
        return sign | m;
    }
    // The leading 1 of m (bit 23, or 24 after a carry) adds to the exponent field.
    let bits = (u32(e - 1) << 23u) + m;
    if (bits >= SF_INF) {
        return sign | SF_INF;
    }
    return sign | bits;
}

// The 64-bit product of two u32, as (low word, high word).
fn sf_mul_wide(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    let lo = (p00 & 0xffffu) | (mid << 16u);
    let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
    return vec2<u32>(lo, hi);
}

// a · b, as the CPU's f32 multiply rounds it (NaNs come out as the quiet NaN).
fn sf_mul(a: u32, b: u32) -> u32 {
    let sign = (a ^ b) & SF_SIGN;
    let aa = a & SF_ABS;
    let ab = b & SF_ABS;
    if (aa > SF_INF || ab > SF_INF) {
        return SF_QNAN;
    }
    if (aa == SF_INF || ab == SF_INF) {
        if (aa == 0u || ab == 0u) {
            return SF_QNAN;
        }
        return sign | SF_INF;
    }
    if (aa == 0u || ab == 0u) {
        return sign;
    }
    let ua = sf_unpack(aa);
    let ub = sf_unpack(ab);
    // The product of two 24-bit mantissas: its leading 1 at bit 46 or 47.
    let p = sf_mul_wide(ua.m, ub.m);
    var s = 20u;
    if ((p.y & 0x8000u) != 0u) {
        s = 21u;
    }
    let m = (p.y << (32u - s)) | (p.x >> s);
    let sticky = select(0u, 1u, (p.x & ((1u << s) - 1u)) != 0u);
    return sf_pack(sign, ua.e + ub.e - 147 + i32(s), m | sticky);
}

// a / b, as the CPU's f32 division rounds it.
fn sf_div(a: u32, b: u32) -> u32 {
    let sign = (a ^ b) & SF_SIGN;
    let aa = a & SF_ABS;
    let ab = b & SF_ABS;
    if (aa > SF_INF || ab > SF_INF) {
        return SF_QNAN;
    }
    if (aa == SF_INF) {
        if (ab == SF_INF) {
            return SF_QNAN;
        }
        return sign | SF_INF;
    }
    if (ab == SF_INF) {
        return sign;
    }
    if (ab == 0u) {
        if (aa == 0u) {
            return SF_QNAN;
        }
        return sign | SF_INF;
    }
    if (aa == 0u) {
        return sign;
    }
    let ua = sf_unpack(aa);
    let ub = sf_unpack(ab);
    var e = ua.e - ub.e + 127;
    var r = ua.m;
    if (r < ub.m) {
        r = r << 1u;
        e = e - 1;
    }
    // 27 quotient bits by long division, the remainder's trace as the sticky bit.
    var q = 0u;
    for (var i = 0u; i < 27u; i = i + 1u) {
        q = q << 1u;
        if (r >= ub.m) {
            r = r - ub.m;
            q = q | 1u;
        }
        r = r << 1u;
    }
    return sf_pack(sign, e, q | select(0u, 1u, r != 0u));
}

// sqrt(a), correctly rounded (negative inputs give the quiet NaN, -0 gives -0).
fn sf_sqrt(a: u32) -> u32 {
    let aa = a & SF_ABS;
    if (aa > SF_INF) {
        return SF_QNAN;
    }
    if (aa == 0u) {
        return a;
    }
    if ((a & SF_SIGN) != 0u) {
        return SF_QNAN;
    }
    if (aa == SF_INF) {
        return SF_INF;
    }
    let u = sf_unpack(aa);
    // a = m · 2^x; the radicand m · 2^k, k chosen so that x - k is even and the root's
    // leading 1 lands on bit 26.
    let x = u.e - 150;
    var k = 29u;
    if ((x & 1) == 0) {
        k = 30u;
    }
    let hi = u.m >> (32u - k);
    let lo = u.m << k;
    var rem = 0u;
    var root = 0u;
    for (var i = 0u; i < 32u; i = i + 1u) {
        let at = 62u - 2u * i;
        var pair = 0u;
        if (at >= 32u) {
            pair = (hi >> (at - 32u)) & 3u;
        } else {
            pair = (lo >> at) & 3u;
        }
        rem = (rem << 2u) | pair;
        let trial = (root << 2u) | 1u;
        root = root << 1u;
        if (rem >= trial) {
            rem = rem - trial;
            root = root | 1u;
        }
    }
    return sf_pack(0u, (x - i32(k)) / 2 + 153, root | select(0u, 1u, rem != 0u));
}

// a + b with the device's own (correctly rounded) addition for finite values, and NaNs
// and infinities handled on the bits, since WGSL may assume there are none.
fn sf_add(a: u32, b: u32) -> u32 {
    if (sf_is_nan(a) || sf_is_nan(b)) {
        return SF_QNAN;
    }
    if (sf_is_inf(a)) {
        if (sf_is_inf(b) && ((a ^ b) & SF_SIGN) != 0u) {
            return SF_QNAN;
        }
        return a;
    }
    if (sf_is_inf(b)) {
        return b;
    }
    return bitcast<u32>(bitcast<f32>(a) + bitcast<f32>(b));
}

fn sf_sub(a: u32, b: u32) -> u32 {
    if (sf_is_nan(b)) {
        return SF_QNAN;
    }
    return sf_add(a, b ^ SF_SIGN);
}
