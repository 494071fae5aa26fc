// ai.onnx.ml Scaler: y = (x - offset[j]) * scale[j], one invocation per element, on the
// input's bits: a NaN passes through as the CPU's subtract and multiply pass it (quieted),
// since WGSL implementations may assume no NaN; `-` and `*` are correctly rounded in WGSL,
// so the result is the CPU engine's bit for bit.

struct Params {
    len: u32,
    cols: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
// Per column (broadcast values expanded on the CPU).
@group(0) @binding(2) var<storage, read> offset: array<f32>;
@group(0) @binding(3) var<storage, read> scale: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.len) {
        return;
    }
    let bits = x[i];
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        y[i] = bits | 0x00400000u;
        return;
    }
    let j = i % params.cols;
    y[i] = bitcast<u32>((bitcast<f32>(bits) - offset[j]) * scale[j]);
}
