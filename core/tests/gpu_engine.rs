//! The GPU engine (feature `gpu`) against the CPU engine, under the tolerance tiers of
//! `lockstep_core::gpu` (module docs), on every ONNX fixture the CPU engine loads
//! (tests/data/onnx, from scripts/fixtures/gen_onnx_models.py) and on the bench forest
//! with random inputs, NaNs and forced chunking.
//!
//! Natively this needs a Vulkan adapter: Mesa's lavapipe (`mesa-vulkan-drivers`, installed
//! by scripts/setup.sh). Without one these tests fail loudly — CI must not pass by
//! skipping them. The product itself falls back to the CPU engine
//! (`no_adapter_falls_back_to_the_cpu_engine`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use lockstep_core::engine::{CORE, Engine, GPU};
use lockstep_core::gpu::{Backend, Gpu, GpuEngine, GpuOptions, load};
use lockstep_core::onnx::{Model, Tensor, TensorData};
use serde_json::Value;

mod onnx_fixture;
use onnx_fixture::inputs_of;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data")
}

fn connect(options: &GpuOptions) -> Gpu {
    pollster_block_on(Gpu::connect(options)).unwrap_or_else(|e| {
        panic!(
            "the GPU engine's tests need a working Vulkan adapter (Mesa's lavapipe: apt-get install \
             mesa-vulkan-drivers, which scripts/setup.sh does): {e}"
        )
    })
}

/// Drives a future to completion on this thread (natively the GPU engine's futures are
/// ready once polled: readback waits on the device).
fn pollster_block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

/// The tiers of `lockstep_core::gpu`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tier {
    /// Bit-identical: trees, labels, ml preprocessing.
    Exact,
    /// ≤ 4 ULP or 1e-6 relative: linear models.
    Linear,
    /// |Δ| ≤ 1e-5 + 1e-4·|x|: MLPs.
    Mlp,
}

fn tier_of(ops: &[&str]) -> Tier {
    // Sigmoid/Tanh use WGSL's exp/tanh; Softmax runs on the CPU but follows them.
    let dense = [
        "ai.onnx:MatMul",
        "ai.onnx:Gemm",
        "ai.onnx:Sigmoid",
        "ai.onnx:Tanh",
    ];
    let linear = ["ai.onnx.ml:LinearClassifier", "ai.onnx.ml:LinearRegressor"];
    if ops.iter().any(|o| dense.contains(o)) {
        Tier::Mlp
    } else if ops.iter().any(|o| linear.contains(o)) {
        Tier::Linear
    } else {
        Tier::Exact
    }
}

fn core_tier(tier: Tier) -> lockstep_core::gpu::Tier {
    match tier {
        Tier::Exact => lockstep_core::gpu::Tier::Exact,
        Tier::Linear => lockstep_core::gpu::Tier::Linear,
        Tier::Mlp => lockstep_core::gpu::Tier::Mlp,
    }
}

fn ulps(a: f32, b: f32) -> u64 {
    let key = |v: f32| {
        let b = v.to_bits() as i64;
        if b < 0x8000_0000 { b } else { 0x8000_0000 - b }
    };
    (key(a) - key(b)).unsigned_abs()
}

/// Compares the GPU engine's outputs with the CPU engine's under `tier`; returns the
/// largest absolute difference.
fn compare(what: &str, tier: Tier, cpu: &[(String, Tensor)], gpu: &[(String, Tensor)]) -> f64 {
    assert_eq!(cpu.len(), gpu.len(), "{what}: number of outputs");
    let mut worst = 0f64;
    for ((name_c, c), (name_g, g)) in cpu.iter().zip(gpu) {
        assert_eq!(name_c, name_g, "{what}: output order");
        assert_eq!(c.shape(), g.shape(), "{what}/{name_c}: shape");
        match (c.data(), g.data()) {
            (TensorData::F32(a), TensorData::F32(b)) => {
                for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
                    let same = x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
                    let diff = (f64::from(x) - f64::from(y)).abs();
                    if diff.is_finite() {
                        worst = worst.max(diff);
                    }
                    let ok = same
                        || match tier {
                            Tier::Exact => false,
                            Tier::Linear => ulps(x, y) <= 4 || diff <= 1e-6 * f64::from(x).abs(),
                            Tier::Mlp => diff <= 1e-5 + 1e-4 * f64::from(x).abs(),
                        };
                    assert!(
                        ok,
                        "{what}/{name_c}[{i}]: cpu {x:e}, gpu {y:e} ({tier:?} tier)"
                    );
                }
            }
            // Labels and every other type: equal.
            _ => assert_eq!(c, g, "{what}/{name_c}: values"),
        }
    }
    worst
}

#[test]
fn every_onnx_fixture_runs_on_the_gpu_within_its_tier() {
    let gpu_options = GpuOptions::default();
    let dir = data_dir().join("onnx");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    let (mut checked, mut lowered) = (0, 0);
    for path in names {
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let Some(model_file) = fixture["model"].as_str() else {
            continue;
        };
        let what = path.file_stem().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(dir.join(model_file)).unwrap();
        let Ok(cpu) = Model::from_bytes(&bytes) else {
            continue; // not a model the CPU engine supports
        };
        let ops: Vec<&str> = fixture["ops"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap())
            .collect();
        let gpu = GpuEngine::new(Model::from_bytes(&bytes).unwrap(), connect(&gpu_options));
        let inputs = inputs_of(&fixture);
        let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let want = cpu.run(&refs).unwrap();
        let got = gpu
            .run(&refs)
            .unwrap_or_else(|e| panic!("{what}: the GPU run failed: {e}"));
        // The async entry point (what the browser awaits) gives the same outputs.
        let got_async = pollster_block_on(Engine::run_async(&gpu, &refs)).unwrap();
        assert_eq!(got, got_async, "{what}: run_async differs from run");
        let worst = compare(&what, tier_of(&ops), &want, &got);
        // Core's own tier (what the page's check and parity view hold a run to) is the
        // one stated here from the fixture's ops, and its check passes the same run.
        assert_eq!(
            lockstep_core::gpu::Tier::of(&cpu),
            core_tier(tier_of(&ops)),
            "{what}"
        );
        let checked_by_core = lockstep_core::parity::compare_outputs(
            &got,
            &want,
            lockstep_core::gpu::Tier::of(&cpu).tolerance(),
        );
        assert!(
            checked_by_core.iter().all(|c| c.comparison.passed()),
            "{what}: {checked_by_core:?}"
        );
        assert!(gpu.notes().is_empty(), "{what}: {:?}", gpu.notes());
        let on_gpu = gpu.lowering().iter().filter(|p| p.engine == GPU).count();
        if ops.iter().any(|o| o.contains("TreeEnsemble")) {
            assert!(on_gpu > 0, "{what}: the forest did not run on the GPU");
        }
        lowered += on_gpu;
        checked += 1;
        eprintln!("{what}: {} (max |Δ| {worst:e})", gpu.summary());
    }
    assert!(checked >= 40, "only {checked} fixtures found");
    assert!(lowered >= 25, "only {lowered} ops ran on the GPU");
}

/// Every other ONNX model under tests/data (bench, behaviour, compare, serving: no JSON
/// fixture with inputs) that the CPU engine loads runs on the GPU engine within its tier,
/// on generated inputs of the model's declared types and widths (NaNs included where the
/// model takes floats), whole and in chunks.
#[test]
fn every_other_onnx_model_under_tests_data_runs_on_the_gpu_within_its_tier() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "onnx") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&data_dir(), &mut paths);
    paths.retain(|p| {
        !p.starts_with(data_dir().join("onnx")) && !p.starts_with(data_dir().join("fuzz"))
    });
    paths.sort();
    let mut checked = 0;
    for path in paths {
        let what = path.strip_prefix(data_dir()).unwrap().display().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let Ok(cpu) = Model::from_bytes(&bytes) else {
            continue; // not a model the CPU engine supports
        };
        let rows = 777;
        let mut inputs = Vec::new();
        for (i, info) in cpu.inputs().iter().enumerate() {
            use lockstep_core::onnx::{DType, DimInfo};
            let width = match info.shape.as_deref() {
                Some([_, DimInfo::Fixed(c)]) => Some(*c),
                Some([_]) => None,
                other => panic!("{what}: input {} of shape {other:?}", info.name),
            };
            let shape = width.map_or(vec![rows], |c| vec![rows, c]);
            let n = rows * width.unwrap_or(1);
            let seed = 17 + i as u32;
            let t = match info.dtype {
                Some(DType::F32) => Tensor::f32(shape, random_rows(n, 1, seed)).unwrap(),
                Some(DType::F64) => Tensor::f64(
                    shape,
                    random_rows(n, 1, seed).into_iter().map(f64::from).collect(),
                )
                .unwrap(),
                Some(DType::I64) => {
                    Tensor::i64(shape, (0..n as i64).map(|v| v % 5).collect()).unwrap()
                }
                Some(DType::Str) => Tensor::strings(
                    shape,
                    (0..n).map(|v| ["a", "b", "c"][v % 3].to_string()).collect(),
                )
                .unwrap(),
                None => panic!("{what}: input {} of unknown type", info.name),
            };
            inputs.push((info.name.clone(), t));
        }
        let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let want = cpu.run(&refs);
        for max_binding_bytes in [None, Some(4096)] {
            let options = GpuOptions {
                max_binding_bytes,
                ..GpuOptions::default()
            };
            let gpu = GpuEngine::new(Model::from_bytes(&bytes).unwrap(), connect(&options));
            let ops: Vec<String> = gpu
                .lowering()
                .iter()
                .map(|p| {
                    format!("ai.onnx:{}", p.op_type).replace("ai.onnx:Linear", "ai.onnx.ml:Linear")
                })
                .collect();
            let ops: Vec<&str> = ops.iter().map(String::as_str).collect();
            let got = gpu.run(&refs);
            match (&want, got) {
                (Ok(w), Ok(g)) => {
                    let worst = compare(&what, tier_of(&ops), w, &g);
                    eprintln!("{what}: {} (max |Δ| {worst:e})", gpu.summary());
                }
                (Err(w), Err(g)) => assert_eq!(g, w.clone().into(), "{what}"),
                (w, g) => panic!("{what}: cpu {w:?}, gpu {g:?}"),
            }
            assert!(gpu.notes().is_empty(), "{what}: {:?}", gpu.notes());
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} models found");
}

/// xorshift32 in [-2, 2), every 17th value NaN.
fn random_rows(rows: usize, cols: usize, seed: u32) -> Vec<f32> {
    let mut s = seed;
    (0..rows * cols)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            if i % 17 == 3 {
                f32::NAN
            } else {
                (s >> 8) as f32 / (1u32 << 24) as f32 * 4.0 - 2.0
            }
        })
        .collect()
}

fn bench_forest() -> Vec<u8> {
    std::fs::read(data_dir().join("bench/gbdt_100x6.onnx")).unwrap()
}

#[test]
fn a_large_forest_is_exact_on_random_rows_with_missing_values_and_in_chunks() {
    let bytes = bench_forest();
    let cpu = Model::from_bytes(&bytes).unwrap();
    let input = &cpu.inputs()[0];
    let cols = match input.shape.as_deref() {
        Some([_, lockstep_core::onnx::DimInfo::Fixed(c)]) => *c,
        other => panic!("unexpected input shape {other:?}"),
    };
    let rows = 20_000;
    let x = Tensor::f32(vec![rows, cols], random_rows(rows, cols, 7)).unwrap();
    let refs = [(input.name.as_str(), &x)];
    let want = cpu.run(&refs).unwrap();
    // Whole batch in one dispatch, then chunks of 1,000 rows (a 4 KiB-per-row binding
    // limit forces them: cols × 4 bytes per row).
    for max_binding_bytes in [None, Some((cols * 4 * 1000) as u64)] {
        let options = GpuOptions {
            max_binding_bytes,
            ..GpuOptions::default()
        };
        let gpu = GpuEngine::new(Model::from_bytes(&bytes).unwrap(), connect(&options));
        let got = gpu.run(&refs).unwrap();
        compare("gbdt_100x6", Tier::Exact, &want, &got);
        assert!(gpu.notes().is_empty(), "{:?}", gpu.notes());
    }
}

#[test]
fn the_bench_mlp_is_within_the_mlp_tier_whole_and_in_chunks() {
    let bytes = std::fs::read(data_dir().join("bench/mlp_64x32.onnx")).unwrap();
    let cpu = Model::from_bytes(&bytes).unwrap();
    let input = &cpu.inputs()[0];
    let cols = match input.shape.as_deref() {
        Some([_, lockstep_core::onnx::DimInfo::Fixed(c)]) => *c,
        other => panic!("unexpected input shape {other:?}"),
    };
    let rows = 5_000;
    // No NaN: WGSL does not promise NaN propagation through arithmetic.
    let data: Vec<f32> = random_rows(rows, cols, 11)
        .into_iter()
        .map(|v| if v.is_nan() { 0.5 } else { v })
        .collect();
    let x = Tensor::f32(vec![rows, cols], data).unwrap();
    let refs = [(input.name.as_str(), &x)];
    let want = cpu.run(&refs).unwrap();
    // 64 features × 4 bytes × 700 rows: several chunks.
    for max_binding_bytes in [None, Some(64 * 4 * 700)] {
        let options = GpuOptions {
            max_binding_bytes,
            ..GpuOptions::default()
        };
        let gpu = GpuEngine::new(Model::from_bytes(&bytes).unwrap(), connect(&options));
        assert!(
            gpu.lowering()
                .iter()
                .any(|p| p.engine == GPU && p.why.contains("dense.wgsl")),
            "{:?}",
            gpu.lowering()
        );
        let got = gpu.run(&refs).unwrap();
        compare("mlp_64x32", Tier::Mlp, &want, &got);
        assert!(gpu.notes().is_empty(), "{:?}", gpu.notes());
    }
}

#[test]
fn no_adapter_falls_back_to_the_cpu_engine() {
    let bytes = bench_forest();
    let options = GpuOptions {
        backends: lockstep_core::gpu::wgpu::Backends::empty(),
        ..GpuOptions::default()
    };
    let clock = || 0.0;
    for backend in [Backend::Gpu, Backend::Auto] {
        let loaded = load(
            Model::from_bytes(&bytes).unwrap(),
            backend,
            &options,
            &clock,
        );
        assert_eq!(loaded.backend, CORE, "{backend:?}");
        assert!(
            loaded.why.contains("no GPU adapter") && loaded.why.contains("CPU engine"),
            "{}",
            loaded.why
        );
        let engine = loaded.into_engine();
        assert_eq!(engine.name(), CORE);
        let input = &engine.inputs()[0];
        let cols = match input.shape.as_deref() {
            Some([_, lockstep_core::onnx::DimInfo::Fixed(c)]) => *c,
            other => panic!("unexpected input shape {other:?}"),
        };
        let x = Tensor::f32(vec![3, cols], random_rows(3, cols, 1)).unwrap();
        engine.run(&[(input.name.as_str(), &x)]).unwrap();
    }
    let loaded = load(
        Model::from_bytes(&bytes).unwrap(),
        Backend::Core,
        &options,
        &clock,
    );
    assert_eq!(loaded.backend, CORE);
}

#[test]
fn gpu_and_auto_pick_the_device_when_there_is_one_and_say_why() {
    let bytes = bench_forest();
    let loaded = load(
        Model::from_bytes(&bytes).unwrap(),
        Backend::Gpu,
        &GpuOptions::default(),
        &|| 0.0,
    );
    assert_eq!(loaded.backend, GPU, "{}", loaded.why);
    assert!(loaded.why.contains("TreeEnsemble"), "{}", loaded.why);
    assert_eq!(loaded.into_engine().name(), GPU);
    // Auto times both on a sample batch: a clock that charges the GPU nothing picks it.
    let ticks = std::cell::Cell::new(0.0);
    let clock = || {
        ticks.set(ticks.get() + 1.0);
        ticks.get()
    };
    let loaded = load(
        Model::from_bytes(&bytes).unwrap(),
        Backend::Auto,
        &GpuOptions::default(),
        &clock,
    );
    assert!(loaded.why.starts_with("auto:"), "{}", loaded.why);
}

#[test]
fn bad_inputs_get_the_cpu_engines_named_errors() {
    let bytes = bench_forest();
    let cpu = Model::from_bytes(&bytes).unwrap();
    let gpu = GpuEngine::new(
        Model::from_bytes(&bytes).unwrap(),
        connect(&GpuOptions::default()),
    );
    let name = cpu.inputs()[0].name.clone();
    let wrong = Tensor::f32(vec![2, 3], vec![0.0; 6]).unwrap();
    let want = Engine::run(&cpu, &[(name.as_str(), &wrong)]).unwrap_err();
    let got = gpu.run(&[(name.as_str(), &wrong)]).unwrap_err();
    assert_eq!(got, want);
    let got = gpu.run(&[("nope", &wrong)]).unwrap_err();
    assert_eq!(got, Engine::run(&cpu, &[("nope", &wrong)]).unwrap_err());
}

#[test]
fn every_gpu_run_can_be_checked_on_a_cpu_sample() {
    use lockstep_core::gpu::{SAMPLE_ROWS, check_sample};
    let bytes = std::fs::read(data_dir().join("bench/mlp_64x32.onnx")).unwrap();
    let gpu = GpuEngine::new(
        Model::from_bytes(&bytes).unwrap(),
        connect(&GpuOptions::default()),
    );
    let name = gpu.inputs()[0].name.clone();
    let cols = match gpu.inputs()[0].shape.as_deref() {
        Some([_, lockstep_core::onnx::DimInfo::Fixed(c)]) => *c,
        other => panic!("unexpected input shape {other:?}"),
    };
    let rows = 3000;
    let data: Vec<f32> = random_rows(rows, cols, 5)
        .into_iter()
        .map(|v| if v.is_nan() { 0.0 } else { v })
        .collect();
    let x = Tensor::f32(vec![rows, cols], data).unwrap();
    let inputs = [(name.as_str(), &x)];
    let out = gpu.run(&inputs).unwrap();
    let check = pollster_block_on(check_sample(gpu.model(), &inputs, &out)).unwrap();
    assert_eq!(check.rows, SAMPLE_ROWS);
    assert!(check.passed(), "{check:?}");
    assert!(check.max_abs_diff < 1e-4, "{check:?}");
    // A tampered output is caught: the check compares, it does not trust.
    let mut bad = out.clone();
    let (n, t) = &bad[bad.len() - 1];
    if let TensorData::F32(v) = t.data() {
        let mut v = v.clone();
        v[7] += 0.5;
        bad.last_mut().unwrap().1 = Tensor::f32(t.shape().to_vec(), v).unwrap();
    } else {
        panic!("{n}: expected the probabilities last");
    }
    let check = pollster_block_on(check_sample(gpu.model(), &inputs, &bad)).unwrap();
    assert!(!check.passed());
    assert!(check.max_abs_diff >= 0.49, "{check:?}");
}

#[test]
fn the_parity_check_compares_every_row_under_the_model_s_tier() {
    use lockstep_core::gpu::{Tier, parity};
    let clock = {
        let start = std::time::Instant::now();
        move || start.elapsed().as_secs_f64()
    };
    for (file, tier) in [
        ("bench/gbdt_100x6.onnx", Tier::Exact),
        ("bench/mlp_64x32.onnx", Tier::Mlp),
    ] {
        let bytes = std::fs::read(data_dir().join(file)).unwrap();
        let gpu = GpuEngine::new(
            Model::from_bytes(&bytes).unwrap(),
            connect(&GpuOptions::default()),
        );
        let input = gpu.inputs()[0].clone();
        let cols = match input.shape.as_deref() {
            Some([_, lockstep_core::onnx::DimInfo::Fixed(c)]) => *c,
            other => panic!("unexpected input shape {other:?}"),
        };
        let rows = 2500;
        let x = Tensor::f32(vec![rows, cols], random_rows(rows, cols, 11)).unwrap();
        let inputs = [(input.name.as_str(), &x)];
        let p = pollster_block_on(parity(&gpu, &inputs, &clock)).unwrap();
        assert_eq!(p.tier, tier, "{file}");
        assert_eq!(p.rows, rows, "{file}");
        assert!(p.passed(), "{file}: {p:?}");
        assert_eq!(p.outputs.len(), gpu.model().outputs().len(), "{file}");
        // Every value of every output was compared, not a sample.
        for o in &p.outputs {
            let values = match &o.comparison {
                lockstep_core::parity::OutputComparison::Float { values, .. }
                | lockstep_core::parity::OutputComparison::Labels { values, .. } => *values,
                other => panic!("{file}/{}: {other:?}", o.output),
            };
            assert_eq!(values % rows, 0, "{file}/{}", o.output);
            assert!(values >= rows, "{file}/{}", o.output);
        }
        if tier == Tier::Exact {
            assert_eq!(p.max_abs_diff, 0.0, "{file}: {p:?}");
        }
        let summary = p.summary();
        assert!(summary.contains(&format!("on {rows} rows")), "{summary}");
        assert!(summary.contains(": PASS;"), "{summary}");
        assert!(summary.contains(tier.describe()), "{summary}");
    }
}

/// 10 M rows (issue 18: "10 M rows must work"): more rows than one dispatch addresses
/// (65,535 workgroups per dimension, at the default limits), so the run is cut into
/// chunks; every output equals the CPU engine's (the exact tier), on inputs with NaNs.
#[test]
fn ten_million_rows_run_in_chunks_and_equal_the_cpu_engine() {
    let bytes =
        std::fs::read(data_dir().join("onnx/synth_tree_binary_mixed_logistic.onnx")).unwrap();
    let cpu = Model::from_bytes(&bytes).unwrap();
    let input = cpu.inputs()[0].clone();
    let rows = 10_000_000;
    let cols = 3;
    let x = Tensor::f32(vec![rows, cols], random_rows(rows, cols, 29)).unwrap();
    let refs = [(input.name.as_str(), &x)];
    let gpu = GpuEngine::new(
        Model::from_bytes(&bytes).unwrap(),
        connect(&GpuOptions::default()),
    );
    let got = gpu.run(&refs).unwrap();
    let want = cpu.run(&refs).unwrap();
    assert_eq!(got.len(), want.len());
    for ((name, g), (_, w)) in got.iter().zip(&want) {
        assert_eq!(g.shape()[0], rows, "{name}");
        assert!(
            g == w,
            "{name}: the GPU's 10 M rows differ from the CPU engine's"
        );
    }
    assert!(gpu.notes().is_empty(), "{:?}", gpu.notes());
}

/// The MLP tier lets a label flip only where the CPU's top two scores are a near-tie
/// (`gpu::NEAR_TIE`); every other flip fails, and the exact tier excuses none.
#[test]
fn in_the_mlp_tier_only_a_near_tie_may_flip_a_label() {
    use lockstep_core::gpu::{Tier, compare_under_tier};
    let probabilities = |v: Vec<f32>| Tensor::f32(vec![3, 2], v).unwrap();
    let labels = |v: Vec<i64>| Tensor::new(vec![3], TensorData::I64(v)).unwrap();
    let outputs = |l: Vec<i64>, p: Vec<f32>| {
        vec![
            ("label".to_owned(), labels(l)),
            ("probabilities".to_owned(), probabilities(p)),
        ]
    };
    // The CPU's row 0 is a near-tie (0.50004 against 0.49996); rows 1 and 2 are not.
    let cpu = outputs(vec![0, 1, 0], vec![0.50004, 0.49996, 0.2, 0.8, 0.9, 0.1]);
    let tie_flipped = outputs(vec![1, 1, 0], vec![0.49999, 0.50001, 0.2, 0.8, 0.9, 0.1]);
    let passed =
        |c: &[lockstep_core::parity::NamedComparison]| c.iter().all(|o| o.comparison.passed());
    assert!(passed(&compare_under_tier(&tie_flipped, &cpu, Tier::Mlp)));
    assert!(!passed(&compare_under_tier(
        &tie_flipped,
        &cpu,
        Tier::Exact
    )));
    let clear_flipped = outputs(vec![0, 0, 0], vec![0.50004, 0.49996, 0.2, 0.8, 0.9, 0.1]);
    let compared = compare_under_tier(&clear_flipped, &cpu, Tier::Mlp);
    assert!(!passed(&compared));
    assert!(
        compared.iter().any(|o| matches!(
            o.comparison,
            lockstep_core::parity::OutputComparison::Labels {
                disagreements: 1,
                first_disagreement_row: Some(1),
                ..
            }
        )),
        "{compared:?}"
    );
}
