//! Stacks of dense layers (MLPs) on the GPU (`dense.wgsl`): each layer's weights and bias
//! uploaded once per model; per run, chunks of rows go through every layer with the
//! activations kept on the device, and only the last layer's output is read back.

use wgpu::util::DeviceExt;

use super::GpuError;
use super::device::Gpu;
use super::trees::{storage, words_to_bytes};
use crate::onnx::ops::dense_stack::DenseStack;
use crate::onnx::ops::elementwise::UnaryKind;

/// Invocations per workgroup (`@workgroup_size` in `dense.wgsl`).
const WORKGROUP: u32 = 64;

pub(crate) fn pipeline(device: &wgpu::Device) -> wgpu::ComputePipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("dense.wgsl"),
        source: wgpu::ShaderSource::Wgsl(include_str!("dense.wgsl").into()),
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("dense"),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    })
}

#[derive(Debug)]
struct LayerBuffers {
    k: usize,
    n: usize,
    weights: wgpu::Buffer,
    bias: wgpu::Buffer,
    /// `Params` after `rows`: k, n, activation, bias mode, scaled, alpha, beta.
    params: [u32; 7],
}

/// A dense stack in device memory.
#[derive(Debug)]
pub(crate) struct StackBuffers {
    layers: Vec<LayerBuffers>,
    /// The widest activation (input included), in features.
    widest: usize,
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    let bits: Vec<u32> = v.iter().map(|x| x.to_bits()).collect();
    words_to_bytes(&bits)
}

impl StackBuffers {
    /// The last layer's width.
    pub(crate) fn n_out(&self) -> usize {
        self.layers.last().map_or(0, |l| l.n)
    }
}

/// Uploads a stack's weights (once, when the engine is built).
pub(crate) fn upload(gpu: &Gpu, stack: &DenseStack) -> Result<StackBuffers, GpuError> {
    let mut layers = Vec::new();
    let mut widest = 0;
    for l in stack.plain() {
        widest = widest.max(l.k).max(l.n);
        let (mode, beta, bias) = match &l.bias {
            None => (0u32, 0.0f32, vec![0.0]),
            Some((beta, c)) if c.len() == 1 => (1, *beta, c.clone()),
            Some((beta, c)) => (2, *beta, c.clone()),
        };
        let activation = match l.activation {
            None => 0u32,
            Some(UnaryKind::Relu) => 1,
            Some(UnaryKind::Sigmoid) => 2,
            Some(UnaryKind::Tanh) => 3,
        };
        layers.push(LayerBuffers {
            k: l.k,
            n: l.n,
            weights: storage(gpu, "dense weights", &f32_bytes(&l.weights))?,
            bias: storage(gpu, "dense bias", &f32_bytes(&bias))?,
            params: [
                l.k as u32,
                l.n as u32,
                activation,
                mode,
                u32::from(l.alpha != 1.0),
                l.alpha.to_bits(),
                beta.to_bits(),
            ],
        });
    }
    Ok(StackBuffers { layers, widest })
}

/// The stack's output for `x` (`rows` × the first layer's k, row-major): `rows` × the
/// last layer's n.
pub(crate) async fn run(
    gpu: &Gpu,
    stack: &StackBuffers,
    x: &[f32],
    rows: usize,
) -> Result<Vec<f32>, GpuError> {
    let (Some(first), Some(last)) = (stack.layers.first(), stack.layers.last()) else {
        return Ok(Vec::new());
    };
    let (k, n) = (first.k, last.n);
    let per_row = (stack.widest.max(1) * 4) as u64;
    let by_binding = gpu.max_binding / per_row;
    let by_groups = u64::from(gpu.max_groups) * u64::from(WORKGROUP) / stack.widest.max(1) as u64;
    let step = by_binding.min(by_groups) as usize;
    if step == 0 {
        return Err(GpuError::TooLarge {
            what: "one row of the dense layers' activations".into(),
            bytes: per_row,
            limit: gpu.max_binding,
        });
    }
    let mut out = Vec::with_capacity(rows * n);
    let layout = gpu.dense.get_bind_group_layout(0);
    for start in (0..rows).step_by(step) {
        let end = (start + step).min(rows);
        let m = end - start;
        let input = storage(gpu, "dense input", &f32_bytes(&x[start * k..end * k]))?;
        let act = |label: &str| {
            gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: (m * stack.widest * 4).max(4) as u64,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            })
        };
        let ping = [act("dense activations a"), act("dense activations b")];
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("dense"),
            });
        for (i, layer) in stack.layers.iter().enumerate() {
            let mut words = vec![m as u32];
            words.extend(layer.params);
            let params = gpu
                .device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("dense params"),
                    contents: &words_to_bytes(&words),
                    usage: wgpu::BufferUsages::UNIFORM,
                });
            let src = if i == 0 { &input } else { &ping[(i + 1) % 2] };
            let dst = &ping[i % 2];
            let entries: Vec<wgpu::BindGroupEntry<'_>> =
                [&params, src, &layer.weights, &layer.bias, dst]
                    .iter()
                    .enumerate()
                    .map(|(b, buf)| wgpu::BindGroupEntry {
                        binding: b as u32,
                        resource: buf.as_entire_binding(),
                    })
                    .collect();
            let bind = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("dense"),
                layout: &layout,
                entries: &entries,
            });
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("dense"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&gpu.dense);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(((m * layer.n) as u32).div_ceil(WORKGROUP), 1, 1);
        }
        let result = &ping[(stack.layers.len() - 1) % 2];
        let bytes = (m * n * 4) as u64;
        let back = gpu.read(encoder, &[(result, bytes)]).await?;
        out.extend(
            back[0]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
    }
    Ok(out)
}
