//! Tree ensembles on the GPU (`trees.wgsl`): the forest flattened into storage buffers
//! once per model, then per run one invocation per row computing the leaf sums that the
//! CPU engine's `tree_ensemble::accumulate` computes — same trees, same order, same f32
//! adds — in chunks of rows that fit the device's limits. The finish (base values,
//! averaging, post transform, labels) stays on the CPU, in the op's own code.

use wgpu::util::DeviceExt;

use super::GpuError;
use super::device::Gpu;
use crate::onnx::ops::tree_ensemble::Aggregate;
use crate::onnx::ops::tree_layout::{Forest, Mode};

/// Invocations per workgroup (`@workgroup_size` in `trees.wgsl`).
const WORKGROUP: u32 = 64;

pub(crate) fn pipeline(device: &wgpu::Device) -> wgpu::ComputePipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("trees.wgsl"),
        source: wgpu::ShaderSource::Wgsl(include_str!("trees.wgsl").into()),
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("trees"),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    })
}

/// An integer whose unsigned order is the float order of non-NaN values, with -0 == +0
/// (the kernel's `order_key`).
pub(crate) fn order_key(v: f32) -> u32 {
    let b = if v == 0.0 { 0 } else { v.to_bits() };
    if b & 0x8000_0000 != 0 {
        !b
    } else {
        b | 0x8000_0000
    }
}

/// A forest in device memory.
#[derive(Debug)]
pub(crate) struct ForestBuffers {
    nodes: wgpu::Buffer,
    roots: wgpu::Buffer,
    weights: wgpu::Buffer,
    set_offsets: wgpu::Buffer,
    set_keys: wgpu::Buffer,
    n_roots: u32,
}

pub(crate) fn words_to_bytes(words: &[u32]) -> Vec<u8> {
    // Storage buffers cannot be empty: an unused one holds a single zero.
    let words = if words.is_empty() { &[0u32][..] } else { words };
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

pub(crate) fn storage(gpu: &Gpu, label: &str, bytes: &[u8]) -> Result<wgpu::Buffer, GpuError> {
    if bytes.len() as u64 > gpu.max_binding {
        return Err(GpuError::TooLarge {
            what: label.to_owned(),
            bytes: bytes.len() as u64,
            limit: gpu.max_binding,
        });
    }
    Ok(gpu
        .device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytes,
            usage: wgpu::BufferUsages::STORAGE,
        }))
}

/// Flattens and uploads a forest (once, when the engine is built).
pub(crate) fn upload(gpu: &Gpu, forest: &Forest) -> Result<ForestBuffers, GpuError> {
    let parts = forest.parts();
    let (nodes, roots, weights, sets) = (parts.nodes, parts.roots, parts.weights, parts.sets);
    let mut words = Vec::with_capacity(nodes.len() * 5);
    for n in nodes {
        let nan = n.threshold.is_nan();
        let (code, key) = match n.mode {
            Mode::Leq | Mode::Lt | Mode::Gte | Mode::Gt | Mode::Eq if nan => (8, 0),
            Mode::Neq if nan => (9, 0),
            Mode::Leq => (0, order_key(n.threshold)),
            Mode::Lt => (1, order_key(n.threshold)),
            Mode::Gte => (2, order_key(n.threshold)),
            Mode::Gt => (3, order_key(n.threshold)),
            Mode::Eq => (4, order_key(n.threshold)),
            Mode::Neq => (5, order_key(n.threshold)),
            Mode::Member => (6, n.set),
            Mode::Leaf => (7, 0),
        };
        words.extend([
            key,
            n.feature,
            n.true_next,
            n.false_next,
            code | u32::from(n.missing_true) << 4,
        ]);
    }
    let mut offsets = vec![0u32];
    let mut keys = Vec::new();
    for set in sets {
        // A NaN member never matches (the CPU's `contains` compares with `==`).
        keys.extend(set.iter().filter(|v| !v.is_nan()).map(|&v| order_key(v)));
        offsets.push(keys.len() as u32);
    }
    let weight_words: Vec<u32> = weights
        .iter()
        .flat_map(|w| [w.target, w.value.to_bits()])
        .collect();
    Ok(ForestBuffers {
        nodes: storage(gpu, "tree nodes", &words_to_bytes(&words))?,
        roots: storage(gpu, "tree roots", &words_to_bytes(roots))?,
        weights: storage(gpu, "leaf weights", &words_to_bytes(&weight_words))?,
        set_offsets: storage(gpu, "value set offsets", &words_to_bytes(&offsets))?,
        set_keys: storage(gpu, "value sets", &words_to_bytes(&keys))?,
        n_roots: roots.len() as u32,
    })
}

/// Rows per dispatch: each chunk's input and scores fit one storage binding, and its
/// workgroups one dispatch dimension.
pub(crate) fn chunk_rows(gpu: &Gpu, cols: usize, width: usize) -> Result<usize, GpuError> {
    let per_row = (cols.max(width).max(1) * 4) as u64;
    let by_binding = gpu.max_binding / per_row;
    let by_groups = u64::from(gpu.max_groups) * u64::from(WORKGROUP);
    let rows = by_binding.min(by_groups);
    if rows == 0 {
        return Err(GpuError::TooLarge {
            what: "one row of the input or of the scores".into(),
            bytes: per_row,
            limit: gpu.max_binding,
        });
    }
    Ok(rows as usize)
}

/// The leaf sums of `x` (`rows` x `cols`, row-major) and which scores any leaf reached,
/// `rows` x `width`, as `tree_ensemble::accumulate` computes them.
pub(crate) async fn accumulate(
    gpu: &Gpu,
    forest: &ForestBuffers,
    aggregate: Aggregate,
    (x, rows, cols): (&[f32], usize, usize),
    width: usize,
) -> Result<(Vec<f32>, Vec<bool>), GpuError> {
    let mut scores = Vec::with_capacity(rows * width);
    let mut has = Vec::with_capacity(rows * width);
    let step = chunk_rows(gpu, cols, width)?;
    let agg = match aggregate {
        Aggregate::Sum => 0u32,
        Aggregate::Average => 1,
        Aggregate::Min => 2,
        Aggregate::Max => 3,
    };
    for start in (0..rows).step_by(step.max(1)) {
        let end = (start + step).min(rows);
        let n = end - start;
        let input: Vec<u8> = x[start * cols..end * cols]
            .iter()
            .flat_map(|v| v.to_bits().to_le_bytes())
            .collect();
        let input = storage(gpu, "tree input", &words_or_pad(input))?;
        let out_bytes = (n * width * 4) as u64;
        let out = |label: &str| {
            gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: out_bytes.max(4),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            })
        };
        let (score_buf, has_buf) = (out("tree scores"), out("tree reached"));
        let params: Vec<u32> = vec![
            n as u32,
            cols as u32,
            width as u32,
            forest.n_roots,
            agg,
            0,
            0,
            0,
        ];
        let params = gpu
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("tree params"),
                contents: &words_to_bytes(&params),
                usage: wgpu::BufferUsages::UNIFORM,
            });
        let layout = gpu.trees.get_bind_group_layout(0);
        let entries: Vec<wgpu::BindGroupEntry<'_>> = [
            &params,
            &forest.nodes,
            &forest.roots,
            &forest.weights,
            &forest.set_offsets,
            &forest.set_keys,
            &input,
            &score_buf,
            &has_buf,
        ]
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry {
            binding: i as u32,
            resource: b.as_entire_binding(),
        })
        .collect();
        let bind = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("trees"),
            layout: &layout,
            entries: &entries,
        });
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("trees"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("trees"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&gpu.trees);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups((n as u32).div_ceil(WORKGROUP), 1, 1);
        }
        let back = gpu
            .read(encoder, &[(&score_buf, out_bytes), (&has_buf, out_bytes)])
            .await?;
        scores.extend(
            back[0]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        has.extend(back[1].chunks_exact(4).map(|b| b != [0, 0, 0, 0]));
    }
    Ok((scores, has))
}

/// Storage buffers cannot be empty (a zero-column input).
fn words_or_pad(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.is_empty() {
        bytes.extend([0; 4]);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::order_key;

    #[test]
    fn order_keys_sort_like_floats_and_equate_signed_zeros() {
        let values = [
            f32::NEG_INFINITY,
            -3.5,
            -1e-40,
            -0.0,
            0.0,
            1e-40,
            f32::MIN_POSITIVE,
            2.0,
            f32::INFINITY,
        ];
        for a in values {
            for b in values {
                assert_eq!(a <= b, order_key(a) <= order_key(b), "{a} <= {b}");
                assert_eq!(a < b, order_key(a) < order_key(b), "{a} < {b}");
                assert_eq!(a == b, order_key(a) == order_key(b), "{a} == {b}");
            }
        }
    }
}
