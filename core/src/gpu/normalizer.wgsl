// ai.onnx.ml Normalizer: each row divided by its MAX, L1 or L2 norm (rows whose norm is
// zero unchanged). One invocation per row, in the CPU engine's order: the max on integer
// keys of the bits (NaNs skipped, as f32::max skips them), the L1/L2 sums with the
// device's correctly rounded addition of softfloat.wgsl's products, NaNs and infinities
// tracked on the bits, and the divisions and square roots correctly rounded
// (`sf_div`, `sf_sqrt`), so the output is the CPU engine's bit for bit.
// Needs softfloat.wgsl before it.

// params: [rows, cols, norm (0 MAX, 1 L1, 2 L2), 0]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

// An order-preserving integer key of a non-NaN f32.
fn key(v: u32) -> u32 {
    if ((v & SF_SIGN) != 0u) {
        return ~v;
    }
    return v | SF_SIGN;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let r = gid.x + gid.y * groups.x * 64u;
    let rows = params[0];
    let cols = params[1];
    let norm = params[2];
    if (r >= rows) {
        return;
    }
    let start = r * cols;
    var div = 0u;
    if (norm == 0u) {
        // f32::MIN, then the largest non-NaN value.
        var best = 0xff7fffffu;
        for (var k = 0u; k < cols; k = k + 1u) {
            let v = x[start + k];
            if (!sf_is_nan(v) && key(v) > key(best)) {
                best = v;
            }
        }
        div = best;
    } else {
        var sum = 0u;
        for (var k = 0u; k < cols; k = k + 1u) {
            let v = x[start + k];
            var term = v & SF_ABS;
            if (norm == 2u) {
                term = sf_mul(v, v);
            }
            sum = sf_add(sum, term);
        }
        div = sum;
    }
    let zero = (div & SF_ABS) == 0u;
    for (var k = 0u; k < cols; k = k + 1u) {
        let v = x[start + k];
        var out = v;
        if (!zero) {
            if (norm == 2u) {
                let root = sf_sqrt(sf_div(sf_mul(v, v), div));
                // -r when v < 0 (not for -0 or NaN).
                if ((v & SF_SIGN) != 0u && (v & SF_ABS) != 0u && !sf_is_nan(v)) {
                    out = root ^ SF_SIGN;
                } else {
                    out = root;
                }
            } else {
                out = sf_div(v, div);
            }
        }
        y[start + k] = out;
    }
}
