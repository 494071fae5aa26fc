// Tree ensembles: one invocation per row walks every tree in model order and adds each
// reached leaf's weights into the row's scores, exactly as the CPU engine's
// `Forest::for_each_leaf` + `tree_ensemble::accumulate` do (f32 adds in the same order).
//
// Inputs arrive as raw f32 bits (`array<u32>`): WGSL implementations may assume that no
// value is NaN, so a missing value is detected from its bits, and every comparison is made
// on an order-preserving integer key of the value (see `order_key`), computed for the
// thresholds on the CPU, so that comparisons do not depend on the device's handling of
// NaN, signed zeros or subnormals.

struct Params {
    rows: u32,
    cols: u32,
    width: u32,
    n_roots: u32,
    // 0 sum, 1 average (summed here, divided on the CPU), 2 min, 3 max
    aggregate: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// One node. `info` bits 0..3: the mode (0 LEQ, 1 LT, 2 GTE, 3 GT, 4 EQ, 5 NEQ, 6 MEMBER,
// 7 LEAF, 8 never true, 9 always true — the last two for NaN thresholds); bit 4: a missing
// value goes to the true child. For MEMBER, `key` is the index of the value set. For a
// leaf, `next_true..next_false` is its range in `weights`.
struct Node {
    key: u32,
    feature: u32,
    next_true: u32,
    next_false: u32,
    info: u32,
}

struct Weight {
    index: u32,
    value: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> nodes: array<Node>;
@group(0) @binding(2) var<storage, read> roots: array<u32>;
@group(0) @binding(3) var<storage, read> weights: array<Weight>;
// Value sets of MEMBER nodes: set `s` is `set_keys[set_offsets[s]..set_offsets[s + 1]]`.
@group(0) @binding(4) var<storage, read> set_offsets: array<u32>;
@group(0) @binding(5) var<storage, read> set_keys: array<u32>;
@group(0) @binding(6) var<storage, read> x: array<u32>;
@group(0) @binding(7) var<storage, read_write> scores: array<f32>;
@group(0) @binding(8) var<storage, read_write> has: array<u32>;

// An integer whose unsigned order is the float order of non-NaN values, with -0 == +0.
fn order_key(bits: u32) -> u32 {
    var b = bits;
    if (b == 0x80000000u) {
        b = 0u;
    }
    if ((b & 0x80000000u) != 0u) {
        return ~b;
    }
    return b | 0x80000000u;
}

fn is_member(s: u32, k: u32) -> bool {
    for (var i = set_offsets[s]; i < set_offsets[s + 1u]; i = i + 1u) {
        if (set_keys[i] == k) {
            return true;
        }
    }
    return false;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = gid.x;
    if (r >= params.rows) {
        return;
    }
    let base = r * params.cols;
    let out = r * params.width;
    for (var t = 0u; t < params.n_roots; t = t + 1u) {
        var i = roots[t];
        loop {
            let n = nodes[i];
            let mode = n.info & 15u;
            if (mode == 7u) {
                break;
            }
            let bits = x[base + n.feature];
            let nan = (bits & 0x7fffffffu) > 0x7f800000u;
            let k = order_key(bits);
            var go = false;
            switch mode {
                case 0u: { go = k <= n.key; }
                case 1u: { go = k < n.key; }
                case 2u: { go = k >= n.key; }
                case 3u: { go = k > n.key; }
                case 4u: { go = k == n.key; }
                case 5u: { go = k != n.key; }
                case 6u: { go = is_member(n.key, k); }
                case 9u: { go = true; }
                default: { go = false; }
            }
            if (nan) {
                // Every comparison with NaN is false except `!=`; then the missing track.
                go = mode == 5u || mode == 9u || (n.info & 16u) != 0u;
            }
            i = select(n.next_false, n.next_true, go);
        }
        let leaf = nodes[i];
        for (var w = leaf.next_true; w < leaf.next_false; w = w + 1u) {
            let wt = weights[w];
            let o = out + wt.index;
            switch params.aggregate {
                case 2u: {
                    if (has[o] == 0u || wt.value < scores[o]) {
                        scores[o] = wt.value;
                    }
                }
                case 3u: {
                    if (has[o] == 0u || wt.value > scores[o]) {
                        scores[o] = wt.value;
                    }
                }
                default: {
                    scores[o] = scores[o] + wt.value;
                }
            }
            has[o] = 1u;
        }
    }
}
