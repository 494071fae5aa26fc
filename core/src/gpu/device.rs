//! The device: adapter and device requests, the limits the kernels chunk their inputs
//! by, and asynchronous readback.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use super::GpuError;

/// What [`Gpu::connect`] asks for.
#[derive(Debug, Clone)]
pub struct GpuOptions {
    /// The wgpu backends to look for an adapter on: Vulkan natively, the browser's WebGPU
    /// on wasm32 ([`GpuOptions::default`]). An empty set finds no adapter, which is how
    /// tests exercise the fallback to the CPU engine.
    pub backends: wgpu::Backends,
    /// An upper bound, in bytes, on any one storage binding (input chunk, scores), below
    /// the device's own limit: tests set it small to exercise chunking.
    pub max_binding_bytes: Option<u64>,
}

impl Default for GpuOptions {
    fn default() -> Self {
        GpuOptions {
            backends: if cfg!(target_arch = "wasm32") {
                wgpu::Backends::BROWSER_WEBGPU
            } else {
                wgpu::Backends::VULKAN
            },
            max_binding_bytes: None,
        }
    }
}

/// A connected device and its queue, with the kernels' pipelines.
#[derive(Debug)]
pub struct Gpu {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    /// "llvmpipe (Vulkan, Cpu)" and the like.
    adapter: String,
    /// Bytes per storage binding the kernels may use (≤ the device's limits).
    pub(crate) max_binding: u64,
    /// Workgroups per dispatch dimension.
    pub(crate) max_groups: u32,
    /// Validation and out-of-memory errors the device reported outside any scope.
    errors: Arc<Mutex<Vec<String>>>,
    pub(crate) trees: wgpu::ComputePipeline,
    pub(crate) dense: wgpu::ComputePipeline,
    pub(crate) scaler: wgpu::ComputePipeline,
    /// The element-wise, linear and ml-preprocessing kernels (boxed: the engine stays
    /// small beside the CPU engine in `Picked`).
    pub(crate) more: Box<MoreKernels>,
}

/// Pipelines of `elementwise.wgsl`, `linear.wgsl` and `gpu::ml`'s kernels.
#[derive(Debug)]
pub(crate) struct MoreKernels {
    pub(crate) elementwise: wgpu::ComputePipeline,
    pub(crate) linear: wgpu::ComputePipeline,
    /// Imputer, Normalizer, OneHotEncoder (`gpu::ml`).
    pub(crate) ml: [wgpu::ComputePipeline; 3],
}

impl Gpu {
    /// Finds an adapter and opens a device with WebGPU's default limits (so that what
    /// runs here runs in a browser), and compiles the kernels.
    pub async fn connect(options: &GpuOptions) -> Result<Gpu, GpuError> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = options.backends;
        let instance = wgpu::Instance::new(desc);
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::NoAdapter {
                message: e.to_string(),
            })?;
        let info = adapter.get_info();
        let limits = wgpu::Limits::default();
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("lockstep"),
                required_limits: limits.clone(),
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::Device {
                message: e.to_string(),
            })?;
        let errors: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = Arc::clone(&errors);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut v) = sink.lock() {
                v.push(e.to_string());
            }
        }));
        let max_binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            .min(options.max_binding_bytes.unwrap_or(u64::MAX))
            .max(4);
        let trees = super::trees::pipeline(&device);
        let dense = super::dense::pipeline(&device);
        let scaler = super::scaler::pipeline(&device);
        let elementwise = super::elementwise::pipeline(&device);
        let linear = super::linear::pipeline(&device);
        let ml = super::ml::pipelines(&device);
        let gpu = Gpu {
            device,
            queue,
            adapter: adapter_name(&info),
            max_binding,
            max_groups: limits.max_compute_workgroups_per_dimension.max(1),
            errors,
            trees,
            dense,
            scaler,
            more: Box::new(MoreKernels {
                elementwise,
                linear,
                ml,
            }),
        };
        gpu.check()?;
        Ok(gpu)
    }

    /// The adapter's name, backend and kind, for messages.
    pub fn adapter(&self) -> &str {
        &self.adapter
    }

    /// Fails with the first error the device reported since the last check.
    pub(crate) fn check(&self) -> Result<(), GpuError> {
        let mut errors = self.errors.lock().map_err(|_| GpuError::Device {
            message: "the device's error log was poisoned".into(),
        })?;
        match errors.drain(..).next() {
            Some(message) => Err(GpuError::Device { message }),
            None => Ok(()),
        }
    }

    /// Copies each `(buffer, size)` (buffers with `COPY_SRC`) back to the CPU after the
    /// work recorded in `encoder`. The future resolves when the device has mapped the
    /// copies; natively this call waits on the device, on wasm32 the browser's event loop
    /// completes it (never blocking the tab).
    pub(crate) async fn read(
        &self,
        mut encoder: wgpu::CommandEncoder,
        buffers: &[(&wgpu::Buffer, u64)],
    ) -> Result<Vec<Vec<u8>>, GpuError> {
        let total: u64 = buffers.iter().map(|(_, n)| n).sum();
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("lockstep readback"),
            size: total.max(4),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut at = 0;
        for &(buffer, size) in buffers {
            encoder.copy_buffer_to_buffer(buffer, 0, &staging, at, size);
            at += size;
        }
        self.queue.submit([encoder.finish()]);
        let slot = Oneshot::default();
        let done = slot.clone();
        staging.map_async(wgpu::MapMode::Read, .., move |r| done.set(r));
        #[cfg(not(target_arch = "wasm32"))]
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Device {
                message: e.to_string(),
            })?;
        slot.await.map_err(|e| GpuError::Device {
            message: format!("reading results back failed: {e}"),
        })?;
        self.check()?;
        let mut out = Vec::with_capacity(buffers.len());
        {
            let view = staging.get_mapped_range(..).map_err(|e| GpuError::Device {
                message: format!("reading results back failed: {e}"),
            })?;
            let mut at = 0usize;
            for &(_, size) in buffers {
                out.push(view[at..at + size as usize].to_vec());
                at += size as usize;
            }
        }
        staging.unmap();
        Ok(out)
    }
}

/// A one-shot slot a wgpu callback fills and a future waits on (no executor needed).
#[derive(Clone, Default)]
struct Oneshot(Arc<Mutex<OneshotState>>);

#[derive(Default)]
struct OneshotState {
    value: Option<Result<(), wgpu::BufferAsyncError>>,
    waker: Option<Waker>,
}

impl Oneshot {
    fn set(&self, value: Result<(), wgpu::BufferAsyncError>) {
        if let Ok(mut s) = self.0.lock() {
            s.value = Some(value);
            if let Some(w) = s.waker.take() {
                w.wake();
            }
        }
    }
}

impl Future for Oneshot {
    type Output = Result<(), wgpu::BufferAsyncError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Ok(mut s) = self.0.lock() else {
            return Poll::Ready(Err(wgpu::BufferAsyncError));
        };
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// How reports name an adapter: its name (or its vendor and device ids, where the
/// browser's WebGPU hides the name), backend and device type.
fn adapter_name(info: &wgpu::AdapterInfo) -> String {
    let name = if info.name.trim().is_empty() {
        format!("adapter {:04x}:{:04x}", info.vendor, info.device)
    } else {
        info.name.clone()
    };
    format!("{name} ({:?}, {:?})", info.backend, info.device_type)
}
