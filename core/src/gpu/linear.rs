//! Linear models' scores on the GPU (`linear.wgsl`): LinearClassifier and
//! LinearRegressor (the op's own finish — labels, post transform — on the CPU). The
//! coefficients go up once per model; inputs run in chunks of rows. Lone MatMul/Gemm
//! nodes (not fused into a dense stack) run on the same kernel with their epilogue.

use super::GpuError;
use super::device::Gpu;
use super::kernel::{self, Input, bytes_f32, f32_bytes};
use super::trees::storage;
use crate::onnx::ops::linear::LinearOp;

pub(crate) fn pipeline(device: &wgpu::Device) -> wgpu::ComputePipeline {
    kernel::pipeline(device, "linear.wgsl", include_str!("linear.wgsl"))
}

/// A linear model's coefficients and intercepts in device memory.
#[derive(Debug)]
pub(crate) struct LinearBuffers {
    weights: wgpu::Buffer,
    bias: wgpu::Buffer,
    targets: usize,
}

pub(crate) fn upload(gpu: &Gpu, op: &dyn LinearOp) -> Result<LinearBuffers, GpuError> {
    Ok(LinearBuffers {
        weights: storage(gpu, "linear coefficients", &f32_bytes(op.coefficients()))?,
        bias: storage(gpu, "linear intercepts", &f32_bytes(&op.intercepts()))?,
        targets: op.targets(),
    })
}

/// Raw scores (`rows × targets`) of `x` (`rows × cols`).
pub(crate) async fn scores(
    gpu: &Gpu,
    model: &LinearBuffers,
    x: &[f32],
    rows: usize,
    cols: usize,
) -> Result<Vec<f32>, GpuError> {
    let targets = model.targets;
    let per_row = (cols.max(targets).max(1) * 4) as u64;
    let step = kernel::rows_per_chunk(gpu, "a linear model's input", per_row)?;
    let mut out = Vec::with_capacity(rows * targets);
    let mut r0 = 0;
    while r0 < rows {
        let r1 = (r0 + step).min(rows);
        let n = r1 - r0;
        let part = f32_bytes(&x[r0 * cols..r1 * cols]);
        let back = kernel::dispatch(
            gpu,
            &gpu.more.linear,
            "linear",
            &[n as u32, cols as u32, targets as u32, 1, 0, 0, 0, 0],
            &[
                Input::Bytes("linear input", &part),
                Input::Buffer(&model.weights),
                Input::Buffer(&model.bias),
            ],
            &[(n * targets * 4) as u64],
            (n * targets) as u64,
        )
        .await?;
        out.extend(bytes_f32(&back[0]));
        r0 = r1;
    }
    Ok(out)
}

/// A lone MatMul/Gemm: `alpha · (a · b) + beta · C` (`a`: `rows × k`; `w`: B transposed,
/// `n × k`; C: `c_rows × c_cols`, each 1 or the full size), chunked by rows of `a`.
pub(crate) async fn product(
    gpu: &Gpu,
    p: &crate::onnx::ops::matmul::Product<'_>,
) -> Result<Vec<f32>, GpuError> {
    let (m, k, n) = (p.m, p.k, p.n);
    let c_row_bytes =
        p.c.as_ref()
            .map_or(0, |c| if c.rows > 1 { c.cols } else { 0 });
    let per_row = (k.max(n).max(c_row_bytes).max(1) * 4) as u64;
    let step = kernel::rows_per_chunk(gpu, "a MatMul/Gemm input", per_row)?;
    let weights = f32_bytes(&p.w);
    let whole_c =
        p.c.as_ref()
            .map_or_else(|| f32_bytes(&[]), |c| f32_bytes(c.data));
    let mut out = Vec::with_capacity(m * n);
    let mut r0 = 0;
    while r0 < m {
        let r1 = (r0 + step).min(m);
        let rows = r1 - r0;
        let part = f32_bytes(&p.a[r0 * k..r1 * k]);
        let c_part = match &p.c {
            Some(c) if c.rows > 1 => f32_bytes(&c.data[r0 * c.cols..r1 * c.cols]),
            _ => whole_c.clone(),
        };
        let (c_rows, c_cols, beta) = p.c.as_ref().map_or((0, 0, 0), |c| {
            (c.rows as u32, c.cols as u32, c.beta.to_bits())
        });
        let back = kernel::dispatch(
            gpu,
            &gpu.more.linear,
            "matmul",
            &[
                rows as u32,
                k as u32,
                n as u32,
                2,
                p.alpha.to_bits(),
                c_rows,
                c_cols,
                beta,
            ],
            &[
                Input::Bytes("matmul input", &part),
                Input::Bytes("matmul weights", &weights),
                Input::Bytes("matmul addend", &c_part),
            ],
            &[(rows * n * 4) as u64],
            (rows * n) as u64,
        )
        .await?;
        out.extend(bytes_f32(&back[0]));
        r0 = r1;
    }
    Ok(out)
}
