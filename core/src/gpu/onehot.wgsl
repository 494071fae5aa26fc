// ai.onnx.ml OneHotEncoder on numeric inputs: one invocation per input element writes its
// row of `n` outputs (1.0 at the category's position, zeros elsewhere). A float input is
// truncated towards zero and saturated at ±2^63, as the CPU's `as i64`, and compared
// with the categories that an f32 can equal; an int64 input is compared word by word.
// NaNs and unknown categories (with zeros=0) are flagged for the CPU engine, which then
// reports its own named error. Exact.

// params: [len, n (categories), kind (0: f32, 1: int64 as two words), zeros (1/0)]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<u32>;
// Per category: f32 kind: its value as f32 bits, or 0xffffffff (a NaN, never equal)
// when no f32 truncates to it; int64 kind: low word, high word.
@group(0) @binding(2) var<storage, read> cats: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;
// Set to 1 by an element the CPU engine must judge (NaN, unknown with zeros=0).
@group(0) @binding(4) var<storage, read_write> flag: array<atomic<u32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 64u;
    let len = params[0];
    let n = params[1];
    if (i >= len) {
        return;
    }
    var hit = n;
    if (params[2] == 0u) {
        let v = x[i];
        if ((v & 0x7fffffffu) > 0x7f800000u) {
            atomicStore(&flag[0], 1u);
        } else {
            // Truncation towards zero on the bits: clear the fraction bits below the
            // binary point; |v| < 1 becomes ±0 (compared as 0).
            let e = i32((v >> 23u) & 0xffu) - 127;
            var t = v;
            if (e < 0) {
                t = 0u;
            } else if (e < 23) {
                t = v & ~((1u << u32(23 - e)) - 1u);
            } else if (e >= 63) {
                // Saturates at i64::MIN / i64::MAX, whose f32 values are ∓2^63.
                t = (v & 0x80000000u) | 0x5f000000u;
            }
            for (var k = 0u; k < n; k = k + 1u) {
                let c = cats[k];
                if (t == c || ((t & 0x7fffffffu) == 0u && c == 0u)) {
                    hit = k;
                }
            }
        }
    } else {
        let lo = x[2u * i];
        let hi = x[2u * i + 1u];
        for (var k = 0u; k < n; k = k + 1u) {
            if (cats[2u * k] == lo && cats[2u * k + 1u] == hi) {
                hit = k;
            }
        }
    }
    if (hit == n && params[3] == 0u) {
        atomicStore(&flag[0], 1u);
    }
    for (var k = 0u; k < n; k = k + 1u) {
        y[i * n + k] = select(0u, 0x3f800000u, k == hit);
    }
}
