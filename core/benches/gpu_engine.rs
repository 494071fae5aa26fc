//! The GPU engine (feature `gpu`) against the CPU engine (one thread) on the bench models
//! of tests/data/bench (GBDT 100 trees depth 6, MLP 64-32), 10 k and 100 k rows; with
//! `LOCKSTEP_GPU_BENCH_1M=1`, also one timed run of each engine at 1 M rows (after a
//! warm-up run), printed as rows/s (too slow on a software adapter for criterion's ten
//! samples).
//!
//! Run: `cargo bench -p lockstep-core --features gpu --bench gpu_engine`
//! (1 M rows: `LOCKSTEP_GPU_BENCH_1M=1 cargo bench -p lockstep-core --features gpu --bench gpu_engine -- 1M`)
//!
//! Here the "GPU" is Mesa's lavapipe, a Vulkan driver that runs on the CPU: these figures
//! show the GPU path's overhead (upload, dispatch, readback), not GPU speed. Absolute GPU
//! figures need a machine with a real GPU; the same command runs there unchanged (wgpu
//! picks the high-performance Vulkan adapter).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lockstep_core::engine::Engine;
use lockstep_core::gpu::{GpuEngine, GpuOptions};
use lockstep_core::onnx::{DimInfo, Model, Tensor};

fn load(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/bench")
            .join(name),
    )
    .unwrap()
}

fn rows(n: usize, cols: usize) -> Vec<f32> {
    let mut s = 0x2545_f491u32;
    (0..n * cols)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / (1u32 << 24) as f32 * 4.0 - 2.0
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    for file in ["gbdt_100x6.onnx", "mlp_64x32.onnx"] {
        let bytes = load(file);
        let cpu = Model::from_bytes(&bytes).unwrap();
        let Some(gpu) =
            GpuEngine::connect_blocking(Model::from_bytes(&bytes).unwrap(), &GpuOptions::default())
                .ok()
        else {
            panic!("no GPU adapter: install mesa-vulkan-drivers (scripts/setup.sh)");
        };
        eprintln!("{file}: {}", gpu.summary());
        let input = cpu.inputs()[0].clone();
        let Some([_, DimInfo::Fixed(cols)]) = input.shape.as_deref() else {
            panic!("{file}: not a [N, k] input");
        };
        let mut group = c.benchmark_group(file.trim_end_matches(".onnx"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
        for n in [10_000, 100_000] {
            let x = Tensor::f32(vec![n, *cols], rows(n, *cols)).unwrap();
            let inputs = [(input.name.as_str(), &x)];
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::new("core", n), &n, |b, _| {
                b.iter(|| Engine::run(&cpu, &inputs).unwrap())
            });
            group.bench_with_input(BenchmarkId::new("gpu-lavapipe", n), &n, |b, _| {
                b.iter(|| gpu.run(&inputs).unwrap())
            });
        }
        group.finish();
        if std::env::var_os("LOCKSTEP_GPU_BENCH_1M").is_some() {
            let n = 1_000_000;
            let x = Tensor::f32(vec![n, *cols], rows(n, *cols)).unwrap();
            let inputs = [(input.name.as_str(), &x)];
            for (name, engine) in [("core", &cpu as &dyn Engine), ("gpu-lavapipe", &gpu)] {
                engine.run(&inputs[..]).unwrap();
                let t0 = std::time::Instant::now();
                engine.run(&inputs[..]).unwrap();
                let s = t0.elapsed().as_secs_f64();
                eprintln!(
                    "{file} 1M {name}: {s:.2} s, {:.0} rows/s ({})",
                    n as f64 / s,
                    engine.name()
                );
            }
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
