//! Each GPU kernel beside its CPU twin, one op at a time, on inputs chosen to break
//! them: random bit patterns (NaNs, infinities, subnormals, signed zeros), broadcasting,
//! awkward widths and forced chunking. Tiers as in `lockstep_core::gpu`'s module docs:
//! Add/Sub/Mul/Div/Relu, Imputer, Normalizer and OneHotEncoder exact; linear scores
//! ≤ 4 ULP or 1e-6 relative; Sigmoid/Tanh the MLP tier. The references are the CPU
//! engine's own ops (which `onnx_parity.rs` holds to ONNX Runtime).
//!
//! Needs a Vulkan adapter (Mesa's lavapipe, installed by scripts/setup.sh), as
//! `gpu_engine.rs` does; without one these tests fail loudly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lockstep_core::engine::{Engine, GPU};
use lockstep_core::gpu::{Gpu, GpuEngine, GpuOptions};
use lockstep_core::onnx::proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TypeProto,
    TypeProtoTensor, ValueInfoProto,
};
use lockstep_core::onnx::{Model, Tensor, TensorData};
use prost::Message;

fn unshaped(name: &str, elem_type: i32) -> ValueInfoProto {
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type,
                shape: None,
            }),
            denotation: String::new(),
        }),
        doc_string: String::new(),
    }
}

fn attr_floats(name: &str, v: &[f32]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 6,
        floats: v.to_vec(),
        ..Default::default()
    }
}

fn attr_float(name: &str, f: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 1,
        f,
        ..Default::default()
    }
}

fn attr_ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 7,
        ints: v.to_vec(),
        ..Default::default()
    }
}

fn attr_int(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 2,
        i,
        ..Default::default()
    }
}

fn attr_string(name: &str, s: &str) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 3,
        s: s.as_bytes().to_vec(),
        ..Default::default()
    }
}

/// A one-node model: inputs `a` (and `b`), element type 1 (f32) or 7 (int64).
fn one_op(
    op: &str,
    domain: &str,
    inputs: &[(&str, i32)],
    attrs: Vec<AttributeProto>,
    outputs: usize,
) -> Vec<u8> {
    let outs: Vec<String> = (0..outputs).map(|k| format!("y{k}")).collect();
    ModelProto {
        ir_version: 10,
        opset_import: vec![
            OperatorSetIdProto {
                domain: String::new(),
                version: 17,
            },
            OperatorSetIdProto {
                domain: "ai.onnx.ml".into(),
                version: 3,
            },
        ],
        graph: Some(GraphProto {
            node: vec![NodeProto {
                input: inputs.iter().map(|(n, _)| (*n).to_string()).collect(),
                output: outs.clone(),
                name: op.into(),
                op_type: op.into(),
                domain: domain.into(),
                attribute: attrs,
                doc_string: String::new(),
            }],
            name: "g".into(),
            input: inputs.iter().map(|(n, t)| unshaped(n, *t)).collect(),
            output: outs.iter().map(|o| unshaped(o, 0)).collect(),
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

/// The device (lavapipe in CI), with an optional binding limit to force chunks.
fn gpu(max_binding_bytes: Option<u64>) -> Gpu {
    block_on(Gpu::connect(&GpuOptions {
        max_binding_bytes,
        ..GpuOptions::default()
    }))
    .unwrap_or_else(|e| panic!("these tests need a Vulkan adapter (mesa-vulkan-drivers): {e}"))
}

/// xorshift32.
struct Rng(u32);
impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    /// Values that break float kernels: raw bit patterns (every class), specials,
    /// subnormals, and ordinary numbers.
    fn nasty(&mut self) -> f32 {
        const SPECIAL: [f32; 12] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MIN_POSITIVE,
            1e-45,
            -3e-39,
            f32::MAX,
            f32::MIN,
        ];
        match self.next() % 4 {
            0 => f32::from_bits(self.next()),
            1 => SPECIAL[(self.next() % 12) as usize],
            2 => f32::from_bits(self.next() & 0x807f_ffff), // subnormals and zeros
            _ => (self.next() >> 8) as f32 / (1u32 << 20) as f32 - 8.0,
        }
    }
    fn plain(&mut self) -> f32 {
        (self.next() >> 8) as f32 / (1u32 << 22) as f32 - 2.0
    }
}

fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn ulps(a: f32, b: f32) -> u64 {
    let key = |v: f32| {
        let b = v.to_bits() as i64;
        if b < 0x8000_0000 { b } else { 0x8000_0000 - b }
    };
    (key(a) - key(b)).unsigned_abs()
}

#[derive(Clone, Copy, Debug)]
enum Tier {
    Exact,
    Linear,
    Mlp,
}

/// Runs `bytes` on the CPU engine and on the GPU engine (whole, then with a binding
/// limit of `chunk_bytes`), asserting every op ran on the GPU and the outputs agree
/// under `tier`.
fn twin(what: &str, bytes: &[u8], inputs: &[(&str, &Tensor)], tier: Tier, chunk_bytes: u64) {
    let cpu = Model::from_bytes(bytes).unwrap();
    let want = cpu.run(inputs).unwrap();
    for limit in [None, Some(chunk_bytes)] {
        let engine = GpuEngine::new(Model::from_bytes(bytes).unwrap(), gpu(limit));
        assert!(
            engine.lowering().iter().all(|p| p.engine == GPU),
            "{what}: {:?}",
            engine.lowering()
        );
        let got = engine.run(inputs).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(engine.notes().is_empty(), "{what}: {:?}", engine.notes());
        assert_eq!(want.len(), got.len());
        for ((n, w), (_, g)) in want.iter().zip(&got) {
            assert_eq!(w.shape(), g.shape(), "{what}/{n}");
            match (w.data(), g.data()) {
                (TensorData::F32(a), TensorData::F32(b)) => {
                    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
                        let diff = (f64::from(x) - f64::from(y)).abs();
                        let ok = same(x, y)
                            || match tier {
                                Tier::Exact => false,
                                Tier::Linear => {
                                    ulps(x, y) <= 4 || diff <= 1e-6 * f64::from(x).abs()
                                }
                                Tier::Mlp => diff <= 1e-5 + 1e-4 * f64::from(x).abs(),
                            };
                        assert!(
                            ok,
                            "{what}/{n}[{i}] (limit {limit:?}): cpu {x:e} ({:#010x}), gpu {y:e} ({:#010x})",
                            x.to_bits(),
                            y.to_bits()
                        );
                    }
                }
                _ => assert_eq!(w, g, "{what}/{n}"),
            }
        }
    }
}

#[test]
fn binary_ops_are_exact_on_every_kind_of_float_and_broadcast() {
    let mut rng = Rng(0x1234_5678);
    // (a shape, b shape): equal, trailing, column, scalar, both-sided broadcast.
    let shapes: [(&[usize], &[usize]); 6] = [
        (&[3000, 7], &[3000, 7]),
        (&[3000, 7], &[7]),
        (&[3000, 7], &[3000, 1]),
        (&[3000, 7], &[]),
        (&[3000, 1, 7], &[5, 1]),
        (&[1], &[2000, 3]),
    ];
    for (op, domain) in [("Add", ""), ("Sub", ""), ("Mul", ""), ("Div", "")] {
        let bytes = one_op(op, domain, &[("a", 1), ("b", 1)], vec![], 1);
        for (sa, sb) in shapes {
            let na: usize = sa.iter().product();
            let nb: usize = sb.iter().product();
            let a = Tensor::f32(sa.to_vec(), (0..na).map(|_| rng.nasty()).collect()).unwrap();
            let b = Tensor::f32(sb.to_vec(), (0..nb).map(|_| rng.nasty()).collect()).unwrap();
            twin(
                &format!("{op} {sa:?} {sb:?}"),
                &bytes,
                &[("a", &a), ("b", &b)],
                Tier::Exact,
                7 * 4 * 100,
            );
        }
    }
}

#[test]
fn unary_ops_hold_their_tiers() {
    let mut rng = Rng(99);
    let n = 20_000;
    let nasty = Tensor::f32(vec![n / 4, 4], (0..n).map(|_| rng.nasty()).collect()).unwrap();
    let bytes = one_op("Relu", "", &[("a", 1)], vec![], 1);
    twin("Relu", &bytes, &[("a", &nasty)], Tier::Exact, 4 * 4 * 333);
    // WGSL promises exp/tanh only to a few ULP: the MLP tier, on the values an MLP sees
    // (and NaN, ±inf, large magnitudes).
    let mut values: Vec<f32> = (0..n).map(|_| rng.plain() * 20.0).collect();
    values.extend([
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e30,
        -1e30,
        0.0,
        -0.0,
        88.0,
        -88.0,
        104.0,
        -104.0,
        9.5,
        -9.5,
    ]);
    while !values.len().is_multiple_of(4) {
        values.push(0.25);
    }
    let x = Tensor::f32(vec![values.len() / 4, 4], values).unwrap();
    for op in ["Sigmoid", "Tanh"] {
        let bytes = one_op(op, "", &[("a", 1)], vec![], 1);
        twin(op, &bytes, &[("a", &x)], Tier::Mlp, 4 * 4 * 333);
    }
}

#[test]
fn normalizer_is_exact_for_every_norm() {
    let mut rng = Rng(7);
    for cols in [1usize, 3, 17] {
        let rows = 2000;
        // Half the rows nasty (NaN, inf, subnormal rows), half ordinary.
        let data: Vec<f32> = (0..rows * cols)
            .map(|i| {
                if (i / cols) % 2 == 0 {
                    rng.nasty()
                } else {
                    rng.plain()
                }
            })
            .collect();
        let mut data = data;
        // A row of zeros, a row of -0, a row of subnormals only.
        for (r, v) in [(0, 0.0f32), (2, -0.0), (4, 1e-44)] {
            data[r * cols..(r + 1) * cols].fill(v);
        }
        let x = Tensor::f32(vec![rows, cols], data).unwrap();
        for norm in ["MAX", "L1", "L2"] {
            let bytes = one_op(
                "Normalizer",
                "ai.onnx.ml",
                &[("a", 1)],
                vec![attr_string("norm", norm)],
                1,
            );
            twin(
                &format!("Normalizer {norm} ×{cols}"),
                &bytes,
                &[("a", &x)],
                Tier::Exact,
                (cols * 4 * 150) as u64,
            );
        }
    }
}

#[test]
fn imputer_is_exact_for_nan_and_value_replacement() {
    let mut rng = Rng(3);
    let rows = 3000;
    let cols = 5;
    let mut data: Vec<f32> = (0..rows * cols).map(|_| rng.nasty()).collect();
    for v in data.iter_mut().step_by(7) {
        *v = 2.5;
    }
    let x = Tensor::f32(vec![rows, cols], data).unwrap();
    let per_column = [1.0f32, -2.0, 3.5, f32::MAX, -0.0];
    for (what, replaced, imputed) in [
        ("NaN, per column", f32::NAN, &per_column[..]),
        ("2.5, broadcast", 2.5, &[9.0f32][..]),
        ("0 (matches -0), per column", 0.0, &per_column[..]),
    ] {
        let bytes = one_op(
            "Imputer",
            "ai.onnx.ml",
            &[("a", 1)],
            vec![
                attr_floats("imputed_value_floats", imputed),
                attr_float("replaced_value_float", replaced),
            ],
            1,
        );
        twin(
            &format!("Imputer {what}"),
            &bytes,
            &[("a", &x)],
            Tier::Exact,
            (cols * 4 * 200) as u64,
        );
    }
}

#[test]
fn one_hot_encoder_is_exact_on_floats_and_int64s_and_leaves_errors_to_the_cpu_op() {
    let cats = [0i64, 1, -3, 7, 1 << 40, i64::MAX, i64::MIN, (1 << 40) + 1];
    let bytes = one_op(
        "OneHotEncoder",
        "ai.onnx.ml",
        &[("a", 1)],
        vec![attr_ints("cats_int64s", &cats)],
        1,
    );
    let floats = vec![
        0.0f32,
        -0.0,
        0.9,
        -0.9,
        1.0,
        1.99,
        -3.0,
        -3.7,
        7.0,
        7.5,
        2.0,
        1e12,
        1_099_511_627_776.0, // 2^40
        9.223_372e18,        // 2^63: saturates to i64::MAX
        -9.223_372e18,       // -2^63 = i64::MIN
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e-40,
        -1e-40,
        f32::MAX,
    ];
    let mut rng = Rng(5);
    let mut values = floats.clone();
    values
        .extend((0..3000).map(|_| (rng.next() % 21) as f32 - 10.5 + (rng.next() % 3) as f32 * 0.5));
    while !values.len().is_multiple_of(2) {
        values.push(1.0);
    }
    let x = Tensor::f32(vec![values.len() / 2, 2], values).unwrap();
    twin(
        "OneHotEncoder f32",
        &bytes,
        &[("a", &x)],
        Tier::Exact,
        8 * 4 * 100,
    );

    let bytes_i = one_op(
        "OneHotEncoder",
        "ai.onnx.ml",
        &[("a", 7)],
        vec![attr_ints("cats_int64s", &cats)],
        1,
    );
    let mut ints = vec![
        0i64,
        1,
        -3,
        7,
        1 << 40,
        (1 << 40) + 1,
        i64::MAX,
        i64::MIN,
        2,
        -1,
        1 << 32,
    ];
    ints.extend((0..3000).map(|_| i64::from(rng.next() % 12) - 4));
    let xi = Tensor::i64(vec![ints.len()], ints).unwrap();
    twin(
        "OneHotEncoder int64",
        &bytes_i,
        &[("a", &xi)],
        Tier::Exact,
        8 * 4 * 100,
    );

    // A NaN, and (zeros=0) an unknown category: the CPU op's named errors.
    let strict = one_op(
        "OneHotEncoder",
        "ai.onnx.ml",
        &[("a", 1)],
        vec![attr_ints("cats_int64s", &cats), attr_int("zeros", 0)],
        1,
    );
    for (bytes, bad) in [(&bytes, f32::NAN), (&strict, 4.0)] {
        let x = Tensor::f32(vec![2], vec![1.0, bad]).unwrap();
        let want = Model::from_bytes(bytes)
            .unwrap()
            .run(&[("a", &x)])
            .unwrap_err();
        let engine = GpuEngine::new(Model::from_bytes(bytes).unwrap(), gpu(None));
        let got = engine.run(&[("a", &x)]).unwrap_err();
        assert_eq!(got, want.into());
    }
}

#[test]
fn linear_models_hold_the_linear_tier() {
    let mut rng = Rng(11);
    for (cols, targets) in [(1usize, 1usize), (30, 1), (13, 3), (64, 5)] {
        let coefficients: Vec<f32> = (0..cols * targets).map(|_| rng.plain()).collect();
        let intercepts: Vec<f32> = (0..targets).map(|_| rng.plain()).collect();
        let rows = 3000;
        let x = Tensor::f32(
            vec![rows, cols],
            (0..rows * cols).map(|_| rng.plain() * 10.0).collect(),
        )
        .unwrap();
        let regressor = one_op(
            "LinearRegressor",
            "ai.onnx.ml",
            &[("a", 1)],
            vec![
                attr_floats("coefficients", &coefficients),
                attr_floats("intercepts", &intercepts),
                attr_int("targets", targets as i64),
            ],
            1,
        );
        twin(
            &format!("LinearRegressor {cols}×{targets}"),
            &regressor,
            &[("a", &x)],
            Tier::Linear,
            (cols * 4 * 250) as u64,
        );
        let labels: Vec<i64> = (0..targets.max(2) as i64).collect();
        let classifier = one_op(
            "LinearClassifier",
            "ai.onnx.ml",
            &[("a", 1)],
            vec![
                attr_floats("coefficients", &coefficients),
                attr_floats("intercepts", &intercepts),
                attr_ints("classlabels_ints", &labels),
                attr_string(
                    "post_transform",
                    if targets > 1 { "SOFTMAX" } else { "NONE" },
                ),
            ],
            2,
        );
        twin(
            &format!("LinearClassifier {cols}×{targets}"),
            &classifier,
            &[("a", &x)],
            Tier::Linear,
            (cols * 4 * 250) as u64,
        );
    }
}

#[test]
fn bad_inputs_get_the_cpu_ops_named_errors() {
    // An Imputer with 2 values for a 3-column input; a linear model of the wrong width;
    // Add with shapes that do not broadcast.
    let imputer = one_op(
        "Imputer",
        "ai.onnx.ml",
        &[("a", 1)],
        vec![attr_floats("imputed_value_floats", &[1.0, 2.0])],
        1,
    );
    let linear = one_op(
        "LinearRegressor",
        "ai.onnx.ml",
        &[("a", 1)],
        vec![attr_floats("coefficients", &[1.0, 2.0])],
        1,
    );
    let add = one_op("Add", "", &[("a", 1), ("b", 1)], vec![], 1);
    let x = Tensor::f32(vec![2, 3], vec![0.0; 6]).unwrap();
    let y = Tensor::f32(vec![4], vec![0.0; 4]).unwrap();
    for (what, bytes, inputs) in [
        ("imputer", &imputer, vec![("a", &x)]),
        ("linear", &linear, vec![("a", &x)]),
        ("add", &add, vec![("a", &x), ("b", &y)]),
    ] {
        let want = Model::from_bytes(bytes).unwrap().run(&inputs).unwrap_err();
        let engine = GpuEngine::new(Model::from_bytes(bytes).unwrap(), gpu(None));
        assert_eq!(engine.run(&inputs).unwrap_err(), want.into(), "{what}");
        assert!(engine.notes().is_empty(), "{what}: {:?}", engine.notes());
    }
}

fn attr_f(name: &str, f: f32) -> AttributeProto {
    attr_float(name, f)
}

#[test]
fn lone_matmul_and_gemm_hold_the_linear_tier() {
    let mut rng = Rng(21);
    let mut t = |shape: &[usize]| {
        let n: usize = shape.iter().product();
        Tensor::f32(shape.to_vec(), (0..n).map(|_| rng.plain() * 3.0).collect()).unwrap()
    };
    let matmul = one_op("MatMul", "", &[("a", 1), ("b", 1)], vec![], 1);
    for (sa, sb) in [
        (&[3000usize, 13][..], &[13usize, 5][..]),
        (&[2, 700, 13], &[13, 3]),
        (&[900, 13], &[13]),
        (&[13], &[13, 4]),
    ] {
        let (a, b) = (t(sa), t(sb));
        twin(
            &format!("MatMul {sa:?} {sb:?}"),
            &matmul,
            &[("a", &a), ("b", &b)],
            Tier::Linear,
            13 * 4 * 100,
        );
    }
    let (m, k, n) = (2500usize, 11usize, 6usize);
    for (trans_a, trans_b, alpha, beta, c_shape) in [
        (0, 0, 1.0f32, 1.0f32, Some(vec![n])),
        (0, 1, 0.5, 2.0, Some(vec![m, n])),
        (1, 0, 1.0, -1.5, Some(vec![m, 1])),
        (1, 1, 3.0, 1.0, Some(vec![])),
        (0, 0, 1.0, 1.0, None),
    ] {
        let sa = if trans_a == 1 { vec![k, m] } else { vec![m, k] };
        let sb = if trans_b == 1 { vec![n, k] } else { vec![k, n] };
        let (a, b) = (t(&sa), t(&sb));
        let attrs = vec![
            attr_int("transA", trans_a),
            attr_int("transB", trans_b),
            attr_f("alpha", alpha),
            attr_f("beta", beta),
        ];
        let what = format!("Gemm tA={trans_a} tB={trans_b} α={alpha} β={beta} C={c_shape:?}");
        match c_shape {
            Some(cs) => {
                let c = t(&cs);
                let bytes = one_op("Gemm", "", &[("a", 1), ("b", 1), ("c", 1)], attrs, 1);
                twin(
                    &what,
                    &bytes,
                    &[("a", &a), ("b", &b), ("c", &c)],
                    Tier::Linear,
                    11 * 4 * 300,
                );
            }
            None => {
                let bytes = one_op("Gemm", "", &[("a", 1), ("b", 1)], attrs, 1);
                twin(
                    &what,
                    &bytes,
                    &[("a", &a), ("b", &b)],
                    Tier::Linear,
                    11 * 4 * 300,
                );
            }
        }
    }
}
