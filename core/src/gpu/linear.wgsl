// Dot products of rows with weight rows: `y[r, t] = x[r, :] · w[t, :]`, accumulated from 0
// in feature order as the CPU engine does, then the op's epilogue: LinearClassifier and
// LinearRegressor add their intercept; a lone MatMul/Gemm scales by alpha (when it is not
// 1) and adds beta · C (C broadcast from [1 or rows, 1 or targets]), in the order of the
// CPU engine's `gemm_kernel` epilogue. One invocation per output value. Products are
// softfloat.wgsl's correctly rounded `sf_mul` (never fused into an add) and sums the
// device's correctly rounded addition, so on a device that keeps subnormals the result
// equals the CPU engine's bit for bit; the promise is the linear tier.
// Needs softfloat.wgsl before it.

// params: [rows, cols, targets, bias_mode, alpha (bits), c_rows, c_cols, beta (bits)]
// bias_mode 0: none; 1: + c[t] (intercepts); 2: Gemm's alpha and beta · C.
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
            if (params[4] != 0x3f800000u) {
                acc = sf_mul(acc, params[4]);
            }
            let c_rows = params[5];
            let c_cols = params[6];
            if (c_rows != 0u) {
                let at = select(0u, r, c_rows > 1u) * c_cols + select(0u, t, c_cols > 1u);
                acc = sf_add(acc, sf_mul(params[7], c[at]));
            }
        }
        default: {}
    }
    y[i] = acc;
}
