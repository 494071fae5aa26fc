// ONNX element-wise ops on f32 (Add, Sub, Mul, Div with multidirectional broadcasting;
// Relu, Sigmoid, Tanh), one invocation per output element, on the inputs' bits.
// Add/Sub/Mul/Div/Relu are bit-identical to the CPU engine (softfloat.wgsl's correctly
// rounded `sf_*`, NaNs and infinities handled on the bits); Sigmoid and Tanh use WGSL's
// `exp` and `tanh` (a few ULP, 1e-5 absolute): the MLP tier.
// Needs softfloat.wgsl before it.

// params: [len, op, rank, 0, shape[rank], a_strides[rank], b_strides[rank]] (strides 0
// along broadcast dimensions).
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;

fn sigmoid(bits: u32) -> u32 {
    if (sf_is_nan(bits)) {
        return SF_QNAN;
    }
    let x = bitcast<f32>(bits);
    let v = 1.0 / (1.0 + exp(-abs(x)));
    if (x < 0.0) {
        return bitcast<u32>(1.0 - v);
    }
    return bitcast<u32>(v);
}

fn tanh_bits(bits: u32) -> u32 {
    if (sf_is_nan(bits)) {
        return SF_QNAN;
    }
    // tanh is ±1 in f32 beyond |x| = 10; clamping keeps exp-based tanh from inf/inf.
    let x = clamp(bitcast<f32>(bits), -10.0, 10.0);
    if (abs(x) >= 10.0) {
        return bitcast<u32>(sign(x));
    }
    return bitcast<u32>(tanh(x));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 64u;
    let len = params[0];
    if (i >= len) {
        return;
    }
    let op = params[1];
    let rank = params[2];
    var rest = i;
    var ia = 0u;
    var ib = 0u;
    for (var k = 0u; k < rank; k = k + 1u) {
        let d = rank - 1u - k;
        let n = params[4u + d];
        let at = rest % n;
        rest = rest / n;
        ia = ia + at * params[4u + rank + d];
        ib = ib + at * params[4u + 2u * rank + d];
    }
    let x = a[ia];
    var out = 0u;
    switch op {
        case 0u: {
            out = sf_add(x, b[ib]);
        }
        case 1u: {
            out = sf_sub(x, b[ib]);
        }
        case 2u: {
            out = sf_mul(x, b[ib]);
        }
        case 3u: {
            out = sf_div(x, b[ib]);
        }
        case 4u: {
            // Relu: x when x > 0, else +0 (NaN included, as the CPU's `x > 0.0`).
            if (!sf_is_nan(x) && (x & SF_SIGN) == 0u && x != 0u) {
                out = x;
            }
        }
        case 5u: {
            out = sigmoid(x);
        }
        default: {
            out = tanh_bits(x);
        }
    }
    y[i] = out;
}
