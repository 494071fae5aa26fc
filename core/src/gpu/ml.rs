//! ai.onnx.ml preprocessing on the GPU, exact (bit-identical to the CPU engine):
//! Imputer (`imputer.wgsl`, f32 inputs), Normalizer (`normalizer.wgsl`, one invocation per
//! row) and OneHotEncoder (`onehot.wgsl`, f32 and int64 inputs; a NaN or, with zeros=0,
//! an unknown category is left to the CPU op, which reports its named error). Chunks of
//! rows (of elements for OneHotEncoder) within the device's binding limit.

use super::GpuError;
use super::device::Gpu;
use super::kernel::{self, Input, bytes_f32, f32_bytes};
use super::trees::words_to_bytes;

pub(crate) fn pipelines(device: &wgpu::Device) -> [wgpu::ComputePipeline; 3] {
    [
        kernel::pipeline(device, "imputer.wgsl", include_str!("imputer.wgsl")),
        kernel::pipeline(device, "normalizer.wgsl", include_str!("normalizer.wgsl")),
        kernel::pipeline(device, "onehot.wgsl", include_str!("onehot.wgsl")),
    ]
}

/// Imputer on `x` (rows of `cols` values).
pub(crate) async fn impute(
    gpu: &Gpu,
    x: &[f32],
    cols: usize,
    replaced: f32,
    imputed: &[f32],
) -> Result<Vec<f32>, GpuError> {
    let cols = cols.max(1);
    let step = kernel::rows_per_chunk(gpu, "the Imputer's input", (cols * 4) as u64)? * cols;
    let table = f32_bytes(imputed);
    let mut out = Vec::with_capacity(x.len());
    for chunk in x.chunks(step) {
        let part = f32_bytes(chunk);
        let back = kernel::dispatch(
            gpu,
            &gpu.more.ml[0],
            "imputer",
            &[chunk.len() as u32, cols as u32, replaced.to_bits(), 0],
            &[
                Input::Bytes("imputer input", &part),
                Input::Bytes("imputer values", &table),
            ],
            &[(chunk.len() * 4) as u64],
            chunk.len() as u64,
        )
        .await?;
        out.extend(bytes_f32(&back[0]));
    }
    Ok(out)
}

/// Normalizer (`norm`: 0 MAX, 1 L1, 2 L2) on `x` (rows of `cols` values).
pub(crate) async fn normalize(
    gpu: &Gpu,
    x: &[f32],
    cols: usize,
    norm: u32,
) -> Result<Vec<f32>, GpuError> {
    if cols == 0 {
        return Ok(x.to_vec());
    }
    let step = kernel::rows_per_chunk(gpu, "the Normalizer's input", (cols * 4) as u64)? * cols;
    let mut out = Vec::with_capacity(x.len());
    for chunk in x.chunks(step) {
        let part = f32_bytes(chunk);
        let rows = chunk.len() / cols;
        let back = kernel::dispatch(
            gpu,
            &gpu.more.ml[1],
            "normalizer",
            &[rows as u32, cols as u32, norm, 0],
            &[Input::Bytes("normalizer input", &part)],
            &[(chunk.len() * 4) as u64],
            rows as u64,
        )
        .await?;
        out.extend(bytes_f32(&back[0]));
    }
    Ok(out)
}

/// OneHotEncoder's input, as the kernel reads it.
pub(crate) enum OneHotInput<'a> {
    F32(&'a [f32]),
    I64(&'a [i64]),
}

/// The f32 a category can be equal to after truncation (`None`: no f32 truncates to it).
fn category_f32(c: i64) -> Option<f32> {
    let f = c as f32;
    (f as i64 == c).then_some(f)
}

/// OneHotEncoder: `len × n` values, or `None` when an element needs the CPU op's
/// judgement (a NaN, or an unknown category with zeros=0).
pub(crate) async fn one_hot(
    gpu: &Gpu,
    x: OneHotInput<'_>,
    cats: &[i64],
    zeros: bool,
) -> Result<Option<Vec<f32>>, GpuError> {
    let n = cats.len();
    let (len, kind, table): (usize, u32, Vec<u32>) = match x {
        OneHotInput::F32(v) => (
            v.len(),
            0,
            cats.iter()
                .map(|&c| {
                    category_f32(c).map_or(u32::MAX, |f| if f == 0.0 { 0 } else { f.to_bits() })
                })
                .collect(),
        ),
        OneHotInput::I64(v) => (
            v.len(),
            1,
            cats.iter()
                .flat_map(|&c| [c as u64 as u32, ((c as u64) >> 32) as u32])
                .collect(),
        ),
    };
    let table = words_to_bytes(&table);
    let per_element = (n.max(2) * 4) as u64;
    let step = kernel::rows_per_chunk(gpu, "the OneHotEncoder's output", per_element)?;
    let mut out = Vec::with_capacity(len * n);
    let mut at = 0;
    while at < len {
        let end = (at + step).min(len);
        let words: Vec<u32> = match x {
            OneHotInput::F32(v) => v[at..end].iter().map(|f| f.to_bits()).collect(),
            OneHotInput::I64(v) => v[at..end]
                .iter()
                .flat_map(|&c| [c as u64 as u32, ((c as u64) >> 32) as u32])
                .collect(),
        };
        let part = words_to_bytes(&words);
        let count = end - at;
        let back = kernel::dispatch(
            gpu,
            &gpu.more.ml[2],
            "onehot",
            &[count as u32, n as u32, kind, u32::from(zeros)],
            &[
                Input::Bytes("onehot input", &part),
                Input::Bytes("onehot categories", &table),
            ],
            &[(count * n * 4) as u64, 4],
            count as u64,
        )
        .await?;
        if back[1] != [0, 0, 0, 0] {
            return Ok(None);
        }
        out.extend(bytes_f32(&back[0]));
        at = end;
    }
    Ok(Some(out))
}
