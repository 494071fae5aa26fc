// Dot products of rows with weight rows, plus a bias: `y[r, t] = x[r, :] · w[t, :] + c[t]`,
// accumulated from 0 in feature order as the CPU engine does (LinearClassifier and
// LinearRegressor scores; a lone Gemm/MatMul). One invocation per output value. Products
// are softfloat.wgsl's correctly rounded `sf_mul` (no fused multiply-add) and sums the
// device's correctly rounded addition, so on a device that keeps subnormals the scores
// equal the CPU engine's bit for bit; the promise is the linear tier.
// Needs softfloat.wgsl before it.

// params: [rows, cols, targets, bias_mode] (bias_mode 0: none, 1: one per target,
// 2: one per output value, i.e. y[r, t] + c[r * targets + t]).
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read> c: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 64u;
    let rows = params[0];
    let cols = params[1];
    let targets = params[2];
    if (i >= rows * targets) {
        return;
    }
    let r = i / targets;
    let t = i % targets;
    var acc = 0u;
    for (var k = 0u; k < cols; k = k + 1u) {
        acc = sf_add(acc, sf_mul(x[r * cols + k], w[t * cols + k]));
    }
    switch params[3] {
        case 1u: {
            acc = sf_add(acc, c[t]);
        }
        case 2u: {
            acc = sf_add(acc, c[i]);
        }
        default: {}
    }
    y[i] = acc;
}
