//! ai.onnx.ml Scaler on the GPU (`scaler.wgsl`), one invocation per element, in chunks of
//! whole rows; exact (bit-identical to the CPU engine).

use wgpu::util::DeviceExt;

use super::GpuError;
use super::device::Gpu;
use super::trees::{storage, words_to_bytes};

/// Invocations per workgroup (`@workgroup_size` in `scaler.wgsl`).
const WORKGROUP: u32 = 64;

pub(crate) fn pipeline(device: &wgpu::Device) -> wgpu::ComputePipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("scaler.wgsl"),
        source: wgpu::ShaderSource::Wgsl(include_str!("scaler.wgsl").into()),
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("scaler"),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    })
}

fn bits(v: &[f32]) -> Vec<u8> {
    let words: Vec<u32> = v.iter().map(|x| x.to_bits()).collect();
    words_to_bytes(&words)
}

/// `(x - offset[j]) * scale[j]` for `x` (rows of `cols` values).
pub(crate) async fn run(
    gpu: &Gpu,
    x: &[f32],
    cols: usize,
    (offset, scale): (&[f32], &[f32]),
) -> Result<Vec<f32>, GpuError> {
    let cols = cols.max(1);
    let per_row = (cols * 4) as u64;
    let by_binding = gpu.max_binding / per_row;
    let by_groups = u64::from(gpu.max_groups) * u64::from(WORKGROUP) / cols as u64;
    let step = by_binding.min(by_groups) as usize * cols;
    if step == 0 {
        return Err(GpuError::TooLarge {
            what: "one row of the Scaler's input".into(),
            bytes: per_row,
            limit: gpu.max_binding,
        });
    }
    let offset = storage(gpu, "scaler offset", &bits(offset))?;
    let scale = storage(gpu, "scaler scale", &bits(scale))?;
    let layout = gpu.scaler.get_bind_group_layout(0);
    let mut out = Vec::with_capacity(x.len());
    for chunk in x.chunks(step) {
        let input = storage(gpu, "scaler input", &bits(chunk))?;
        let bytes = (chunk.len() * 4) as u64;
        let y = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("scaler output"),
            size: bytes.max(4),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let params = gpu
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("scaler params"),
                contents: &words_to_bytes(&[chunk.len() as u32, cols as u32, 0, 0]),
                usage: wgpu::BufferUsages::UNIFORM,
            });
        let entries: Vec<wgpu::BindGroupEntry<'_>> = [&params, &input, &offset, &scale, &y]
            .iter()
            .enumerate()
            .map(|(b, buf)| wgpu::BindGroupEntry {
                binding: b as u32,
                resource: buf.as_entire_binding(),
            })
            .collect();
        let bind = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("scaler"),
            layout: &layout,
            entries: &entries,
        });
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("scaler"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("scaler"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&gpu.scaler);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups((chunk.len() as u32).div_ceil(WORKGROUP), 1, 1);
        }
        let back = gpu.read(encoder, &[(&y, bytes)]).await?;
        out.extend(
            back[0]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
    }
    Ok(out)
}
