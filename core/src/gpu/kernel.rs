//! What the element-wise, linear and ml-preprocessing kernels share: building a pipeline
//! from a `.wgsl` file (with `softfloat.wgsl` before it when the kernel calls `sf_*`),
//! and one dispatch — a `params` word array at binding 0, inputs, outputs — read back
//! asynchronously. Dispatches wider than 65,535 workgroups use a second dimension
//! (kernels index by `gid.x + gid.y · num_workgroups.x · 64`).

use wgpu::util::DeviceExt;

use super::GpuError;
use super::device::Gpu;
use super::trees::{storage, words_to_bytes};

/// Invocations per workgroup (`@workgroup_size` in every kernel of this family).
pub(crate) const WORKGROUP: u32 = 64;

/// The correctly rounded f32 library the exact kernels call.
pub(crate) const SOFTFLOAT: &str = include_str!("softfloat.wgsl");

/// A kernel's full WGSL source: `softfloat.wgsl` first when it calls `sf_*`.
pub(crate) fn source(kernel: &str) -> String {
    if kernel.contains("sf_") {
        format!("{SOFTFLOAT}\n{kernel}")
    } else {
        kernel.to_owned()
    }
}

pub(crate) fn pipeline(device: &wgpu::Device, label: &str, kernel: &str) -> wgpu::ComputePipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source(kernel).into()),
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(label),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    })
}

/// f32 values as the little-endian bytes of their bits.
pub(crate) fn f32_bytes(v: &[f32]) -> Vec<u8> {
    let bits: Vec<u32> = v.iter().map(|x| x.to_bits()).collect();
    words_to_bytes(&bits)
}

/// Little-endian words back to f32 values.
pub(crate) fn bytes_f32(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|w| f32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect()
}

/// An input of a dispatch: uploaded bytes, or a buffer uploaded earlier.
pub(crate) enum Input<'a> {
    Bytes(&'a str, &'a [u8]),
    Buffer(&'a wgpu::Buffer),
}

/// Runs `pipeline` once: `params` at binding 0, then `inputs`, then one output buffer
/// per entry of `outputs` (bytes; zero-filled), over `invocations` invocations; returns
/// the outputs' bytes.
pub(crate) async fn dispatch(
    gpu: &Gpu,
    pipeline: &wgpu::ComputePipeline,
    label: &str,
    params: &[u32],
    inputs: &[Input<'_>],
    outputs: &[u64],
    invocations: u64,
) -> Result<Vec<Vec<u8>>, GpuError> {
    let groups = invocations.div_ceil(u64::from(WORKGROUP)).max(1);
    let x = groups.min(u64::from(gpu.max_groups));
    let y = groups.div_ceil(x);
    if y > u64::from(gpu.max_groups) {
        return Err(GpuError::TooLarge {
            what: format!("{label}'s dispatch of {invocations} invocations"),
            bytes: invocations,
            limit: u64::from(gpu.max_groups) * u64::from(gpu.max_groups) * u64::from(WORKGROUP),
        });
    }
    for &bytes in outputs {
        if bytes > gpu.max_binding {
            return Err(GpuError::TooLarge {
                what: format!("{label}'s output"),
                bytes,
                limit: gpu.max_binding,
            });
        }
    }
    let params = gpu
        .device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: &words_to_bytes(params),
            usage: wgpu::BufferUsages::STORAGE,
        });
    let mut owned = Vec::with_capacity(inputs.len());
    for input in inputs {
        if let Input::Bytes(what, bytes) = input {
            owned.push(storage(gpu, what, bytes)?);
        }
    }
    let outs: Vec<wgpu::Buffer> = outputs
        .iter()
        .map(|&bytes| {
            gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: bytes.max(4).next_multiple_of(4),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            })
        })
        .collect();
    let mut bound: Vec<&wgpu::Buffer> = vec![&params];
    let mut next_owned = owned.iter();
    for input in inputs {
        match input {
            Input::Buffer(b) => bound.push(b),
            Input::Bytes(..) => bound.extend(next_owned.next()),
        }
    }
    bound.extend(outs.iter());
    let layout = pipeline.get_bind_group_layout(0);
    let entries: Vec<wgpu::BindGroupEntry<'_>> = bound
        .iter()
        .enumerate()
        .map(|(b, buf)| wgpu::BindGroupEntry {
            binding: b as u32,
            resource: buf.as_entire_binding(),
        })
        .collect();
    let bind = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout: &layout,
        entries: &entries,
    });
    let mut encoder = gpu
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(label),
            timestamp_writes: None,
        });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &bind, &[]);
        pass.dispatch_workgroups(x as u32, y as u32, 1);
    }
    let reads: Vec<(&wgpu::Buffer, u64)> = outs
        .iter()
        .zip(outputs)
        .map(|(b, &n)| (b, n.max(4).next_multiple_of(4)))
        .collect();
    let mut back = gpu.read(encoder, &reads).await?;
    for (b, &n) in back.iter_mut().zip(outputs) {
        b.truncate(n as usize);
    }
    Ok(back)
}

/// Rows per chunk so that `bytes_per_row` (the widest binding's share of one row) stays
/// within the device's binding limit; a named error when not even one row fits.
pub(crate) fn rows_per_chunk(gpu: &Gpu, what: &str, bytes_per_row: u64) -> Result<usize, GpuError> {
    let per_row = bytes_per_row.max(1);
    let rows = gpu.max_binding / per_row;
    if rows == 0 {
        return Err(GpuError::TooLarge {
            what: format!("one row of {what}"),
            bytes: per_row,
            limit: gpu.max_binding,
        });
    }
    Ok(usize::try_from(rows).unwrap_or(usize::MAX))
}
