// ai.onnx.ml Imputer on f32: a value equal to `replaced` (or any NaN, when `replaced` is
// NaN) becomes its column's imputed value. Compared on the bits (±0 equal, as the CPU's
// `==`), so the output is the CPU engine's bit for bit. One invocation per element.

// params: [len, cols, replaced (bits), 0]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<u32>;
// One imputed value per column (a single broadcast value expanded on the CPU).
@group(0) @binding(2) var<storage, read> imputed: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;

fn is_nan(v: u32) -> bool {
    return (v & 0x7fffffffu) > 0x7f800000u;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 64u;
    if (i >= params[0]) {
        return;
    }
    let v = x[i];
    let r = params[2];
    var hit = false;
    if (is_nan(r)) {
        hit = is_nan(v);
    } else {
        hit = !is_nan(v) && (v == r || ((v & 0x7fffffffu) == 0u && (r & 0x7fffffffu) == 0u));
    }
    if (hit) {
        y[i] = imputed[i % params[1]];
    } else {
        y[i] = v;
    }
}
