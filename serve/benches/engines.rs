//! The core ONNX engine against ONNX Runtime, in the same run, on 1 M rows × 30 features:
//! a 100-tree depth-6 gradient-boosted classifier and a (64, 32) MLP classifier, both real
//! scikit-learn exports (`scripts/bench/gen_bench_models.py` → `tests/data/bench/`).
//!
//!     cargo bench -p lockstep-serve --bench engines
//!
//! ONNX Runtime's library: `$ORT_DYLIB_PATH` (relative to the repository root), else the
//! `onnxruntime` wheel in the root's `.venv` (what `scripts/setup.sh` installs).
//! `LOCKSTEP_BENCH_REPS` (default 3) sets the timed runs per cell; the median is reported.
//! The two engines' runs alternate, so that a drifting load on a shared machine hits both.
//! Single-threaded: one core `Model::run` call (which runs the batch in 512-row chunks) /
//! ONNX Runtime with one intra-op thread. Multi-threaded (T = available cores): core's
//! `Model::run_parallel` (T contiguous row ranges on `std::thread::scope` threads, each in
//! chunks, outputs concatenated); ONNX Runtime runs the whole batch with T intra-op threads. Before any timing, both engines must agree on the first
//! 1 000 rows (labels equal, probabilities within 1e-5), so the bench cannot compare two
//! different computations. ONNX Runtime's figures include the wrapper's copies of the input
//! into and the outputs out of ONNX Runtime; the core figures include the copy of each
//! chunk of rows into its own tensor and the concatenation of the outputs.

// Bench set-up panics on broken set-up, like a test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Instant;

use lockstep_core::onnx::{Model, Tensor, TensorData};
use lockstep_serve::ort_engine::{self, OrtEngine};

const ROWS: usize = 1_000_000;
const FEATURES: usize = 30;
const CHECK_ROWS: usize = 1_000;
const PROB_TOLERANCE: f32 = 1e-5;

/// xorshift64*: deterministic and dependency-free (the same generator as core's benches).
struct Rng(u64);

impl Rng {
    fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32) / (1u64 << 24) as f32
    }
    /// Approximately N(0, 1): Irwin–Hall with 12 terms.
    fn normal(&mut self) -> f32 {
        (0..12).map(|_| self.next_f32()).sum::<f32>() - 6.0
    }
}

fn rows(n: usize) -> Vec<f32> {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    (0..n * FEATURES).map(|_| rng.normal()).collect()
}

type Outputs = Vec<(String, Tensor)>;

fn core_run(model: &Model, input: &Tensor) -> Outputs {
    model.run(&[("input", input)]).unwrap()
}

/// The core engine on `threads` threads (`Model::run_parallel`: contiguous row ranges,
/// each run in chunks, outputs concatenated).
fn core_run_parallel(model: &Model, input: &Tensor, threads: usize) -> Outputs {
    model.run_parallel(&[("input", input)], threads).unwrap()
}

/// Labels (int64) must be equal, float outputs within PROB_TOLERANCE.
fn assert_agree(model: &str, core: &Outputs, ort: &Outputs) {
    assert_eq!(core.len(), ort.len(), "{model}: output count");
    for ((name, c), (ort_name, o)) in core.iter().zip(ort) {
        assert_eq!(name, ort_name, "{model}: output order");
        assert_eq!(c.shape(), o.shape(), "{model}: `{name}` shape");
        match (c.data(), o.data()) {
            (TensorData::I64(a), TensorData::I64(b)) => {
                let bad = a.iter().zip(b).filter(|(x, y)| x != y).count();
                assert_eq!(bad, 0, "{model}: `{name}` differs on {bad} rows");
            }
            (TensorData::F32(a), TensorData::F32(b)) => {
                let worst = a
                    .iter()
                    .zip(b)
                    .map(|(x, y)| (x - y).abs())
                    .fold(0.0_f32, f32::max);
                assert!(
                    worst <= PROB_TOLERANCE,
                    "{model}: `{name}` differs by {worst:e} > {PROB_TOLERANCE:e}"
                );
            }
            (a, b) => panic!("{model}: `{name}` types {:?} / {:?}", a.dtype(), b.dtype()),
        }
    }
}

/// Median seconds of `reps` timed runs of each of `a` and `b`, after one untimed warm-up
/// run of each. The runs alternate (a, b, a, b, …) so that both see the same load: on a
/// shared machine the load drifts, and timing all of one engine first would bias the ratio.
fn time_pair(
    reps: usize,
    mut a: impl FnMut() -> Outputs,
    mut b: impl FnMut() -> Outputs,
) -> (f64, f64) {
    std::hint::black_box(a());
    std::hint::black_box(b());
    let timed = |f: &mut dyn FnMut() -> Outputs| {
        let start = Instant::now();
        std::hint::black_box(f());
        start.elapsed().as_secs_f64()
    };
    let (mut sa, mut sb): (Vec<f64>, Vec<f64>) =
        (0..reps).map(|_| (timed(&mut a), timed(&mut b))).unzip();
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut sa), median(&mut sb))
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments.
    let reps: usize = std::env::var("LOCKSTEP_BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // cargo runs benches from `serve/`: a relative ORT_DYLIB_PATH means the repository
    // root's, and without one the `.venv` wheel there is used.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let library = std::env::var_os("ORT_DYLIB_PATH")
        .map(|p| root.join(p))
        .or_else(|| ort_engine::find_in_venv(&root));
    ort_engine::init(library.as_deref())
        .expect("ONNX Runtime: set ORT_DYLIB_PATH or run scripts/setup.sh");
    let dir = root.join("tests/data/bench");

    let data = rows(ROWS);
    let input = Tensor::f32(vec![ROWS, FEATURES], data.clone()).unwrap();
    let check = Tensor::f32(
        vec![CHECK_ROWS, FEATURES],
        data[..CHECK_ROWS * FEATURES].to_vec(),
    )
    .unwrap();

    println!(
        "{ROWS} rows x {FEATURES} features, {threads} threads when multi-threaded, median of {reps}"
    );
    println!("| model | threads | core rows/s | ONNX Runtime rows/s | core / ORT |");
    println!("|---|---|---|---|---|");
    for (name, file) in [
        ("GBDT 100 trees depth 6", "gbdt_100x6.onnx"),
        ("MLP 30-64-32-2", "mlp_64x32.onnx"),
    ] {
        let bytes = std::fs::read(dir.join(file)).expect("run scripts/bench/gen_bench_models.py");
        let core = Model::from_bytes(&bytes).unwrap();
        for t in [1, threads] {
            let ort = OrtEngine::from_bytes(&bytes, t).unwrap();
            let ort_check = ort.run(&[("input", &check)]).unwrap();
            assert_agree(name, &core_run(&core, &check), &ort_check);
            assert_agree(name, &core_run_parallel(&core, &check, t), &ort_check);
            let ort_run = || ort.run(&[("input", &input)]).unwrap();
            let (core_s, ort_s) = if t == 1 {
                time_pair(reps, || core_run(&core, &input), ort_run)
            } else {
                time_pair(reps, || core_run_parallel(&core, &input, t), ort_run)
            };
            let (core_rps, ort_rps) = (ROWS as f64 / core_s, ROWS as f64 / ort_s);
            println!(
                "| {name} | {t} | {core_rps:.0} | {ort_rps:.0} | {:.2} |",
                core_rps / ort_rps
            );
            if threads == 1 {
                break;
            }
        }
    }
}
