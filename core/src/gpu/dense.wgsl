// One dense layer: y = act(alpha · (x · W) + beta · c), one invocation per output element
// (row, feature). The dot product accumulates in f32 in feature order from 0, as the CPU
// engine's kernel does; WGSL lets a compiler fuse the multiply and add and its `exp` and
// `tanh` are not correctly rounded, so MLP outputs are held to the MLP tolerance tier,
// not bit identity. A stack of layers runs with its activations kept on the device.

struct Params {
    rows: u32,
    k: u32,
    n: u32,
    // 0 none, 1 relu, 2 sigmoid, 3 tanh
    activation: u32,
    // 0 none, 1 one value for every feature, 2 one per feature
    bias_mode: u32,
    // 1 when alpha != 1 (the CPU engine skips the multiply by one)
    scaled: u32,
    alpha: f32,
    beta: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
// Row-major k × n.
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

fn logistic(v: f32) -> f32 {
    let s = 1.0 / (1.0 + exp(-abs(v)));
    return select(s, 1.0 - s, v < 0.0);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.rows * params.n) {
        return;
    }
    let r = i / params.n;
    let j = i % params.n;
    var acc = 0.0;
    for (var p = 0u; p < params.k; p = p + 1u) {
        acc = acc + x[r * params.k + p] * w[p * params.n + j];
    }
    if (params.scaled != 0u) {
        acc = acc * params.alpha;
    }
    if (params.bias_mode == 1u) {
        acc = acc + params.beta * bias[0];
    } else if (params.bias_mode == 2u) {
        acc = acc + params.beta * bias[j];
    }
    switch params.activation {
        case 1u: { acc = select(0.0, acc, acc > 0.0); }
        case 2u: { acc = logistic(acc); }
        case 3u: { acc = tanh(acc); }
        default: {}
    }
    y[i] = acc;
}
