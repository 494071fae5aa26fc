//! Linear models' scores on the GPU (`linear.wgsl`): LinearClassifier and
//! LinearRegressor (the op's own finish — labels, post transform — on the CPU). The
//! coefficients go up once per model; inputs run in chunks of rows.

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
            &gpu.linear,
            "linear",
            &[n as u32, cols as u32, targets as u32, 1],
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
