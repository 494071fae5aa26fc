//! ONNX element-wise ops on the GPU (`elementwise.wgsl`): Add, Sub, Mul, Div with
//! multidirectional broadcasting, and Relu, Sigmoid, Tanh, on f32 tensors (other element
//! types run on the CPU engine). Chunked along the output's first dimension: an input
//! that is not broadcast along it is cut with the output, one that is goes whole with
//! every chunk.

use super::GpuError;
use super::device::Gpu;
use super::kernel::{self, Input, bytes_f32, f32_bytes};
use crate::onnx::ops::elementwise::{BinaryKind, UnaryKind};

pub(crate) fn pipeline(device: &wgpu::Device) -> wgpu::ComputePipeline {
    kernel::pipeline(device, "elementwise.wgsl", include_str!("elementwise.wgsl"))
}

/// The kernel's op code.
pub(crate) fn binary_code(kind: BinaryKind) -> u32 {
    match kind {
        BinaryKind::Add => 0,
        BinaryKind::Sub => 1,
        BinaryKind::Mul => 2,
        BinaryKind::Div => 3,
    }
}

pub(crate) fn unary_code(kind: UnaryKind) -> u32 {
    match kind {
        UnaryKind::Relu => 4,
        UnaryKind::Sigmoid => 5,
        UnaryKind::Tanh => 6,
    }
}

/// Strides of `shape` aligned to the right of `out` (0 along broadcast dimensions).
fn aligned_strides(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let mut strides = vec![0; out.len()];
    let offset = out.len() - shape.len();
    let mut s = 1;
    for i in (0..shape.len()).rev() {
        strides[offset + i] = if shape[i] == 1 { 0 } else { s };
        s *= shape[i];
    }
    strides
}

/// `op` over `a` (and `b` for binary ops), broadcast to `out_shape` (already checked by
/// the CPU op's rules); the output's values.
pub(crate) async fn run(
    gpu: &Gpu,
    op: u32,
    (a, a_shape): (&[f32], &[usize]),
    b: Option<(&[f32], &[usize])>,
    out_shape: &[usize],
) -> Result<Vec<f32>, GpuError> {
    let total: usize = out_shape.iter().product();
    if total == 0 {
        return Ok(Vec::new());
    }
    // A rank-0 output is one element of rank 1.
    let out_shape: Vec<usize> = if out_shape.is_empty() {
        vec![1]
    } else {
        out_shape.to_vec()
    };
    let rank = out_shape.len();
    let (b, b_shape) = b.unwrap_or((&[0.0], &[]));
    let sa = aligned_strides(a_shape, &out_shape);
    let sb = aligned_strides(b_shape, &out_shape);
    let inner: usize = out_shape[1..].iter().product();
    // Per row of the output: its share of the output and of each cut input.
    let cut_a = sa[0] != 0;
    let cut_b = sb[0] != 0;
    let widest = inner.max(1) as u64 * 4;
    let mut step = kernel::rows_per_chunk(gpu, "an element-wise op's output", widest)?;
    // Whole (broadcast) inputs must fit as they are.
    let a_bytes = f32_bytes(a);
    let b_bytes = f32_bytes(b);
    if !cut_a && a_bytes.len() as u64 > gpu.max_binding
        || !cut_b && b_bytes.len() as u64 > gpu.max_binding
    {
        return Err(GpuError::TooLarge {
            what: "a broadcast input of an element-wise op".into(),
            bytes: a_bytes.len().max(b_bytes.len()) as u64,
            limit: gpu.max_binding,
        });
    }
    step = step.max(1);
    let rows = out_shape[0];
    let mut out = Vec::with_capacity(total);
    let mut r0 = 0;
    while r0 < rows {
        let r1 = (r0 + step).min(rows);
        let n = (r1 - r0) * inner;
        let mut shape = out_shape.clone();
        shape[0] = r1 - r0;
        let mut params = vec![n as u32, op, rank as u32, 0];
        params.extend(shape.iter().map(|&d| d as u32));
        params.extend(sa.iter().map(|&s| s as u32));
        params.extend(sb.iter().map(|&s| s as u32));
        let a_part: &[u8] = if cut_a {
            &a_bytes[r0 * sa[0] * 4..r1 * sa[0] * 4]
        } else {
            &a_bytes
        };
        let b_part: &[u8] = if cut_b {
            &b_bytes[r0 * sb[0] * 4..r1 * sb[0] * 4]
        } else {
            &b_bytes
        };
        let back = kernel::dispatch(
            gpu,
            &gpu.more.elementwise,
            "elementwise",
            &params,
            &[
                Input::Bytes("element-wise input A", a_part),
                Input::Bytes("element-wise input B", b_part),
            ],
            &[(n * 4) as u64],
            n as u64,
        )
        .await?;
        out.extend(bytes_f32(&back[0]));
        r0 = r1;
    }
    Ok(out)
}
