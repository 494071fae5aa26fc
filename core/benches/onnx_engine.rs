//! Throughput of the ONNX engine on 1M rows, single-threaded:
//! a 100-tree, depth-6 gradient-boosted binary classifier and a 2-hidden-layer MLP.
//! Both models are built in memory with fixed seeds (no fixture files needed).
//!
//! Run: `cargo bench -p lockstep-core --bench onnx_engine`

// Bench setup code panics on broken set-up, like a test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lockstep_core::onnx::proto::{
    AttributeProto, Dimension, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
};
use lockstep_core::onnx::{Model, Tensor};
use prost::Message;

const ROWS: usize = 1_000_000;
const FEATURES: usize = 30;

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32) / (1u64 << 24) as f32
    }
    fn normal(&mut self) -> f32 {
        (0..4).map(|_| self.next_f32()).sum::<f32>() - 2.0
    }
}

fn value(name: &str, dims: &[Option<i64>]) -> ValueInfoProto {
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type: 1,
                shape: Some(TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|&d| Dimension {
                            dim_value: d,
                            dim_param: None,
                            denotation: String::new(),
                        })
                        .collect(),
                }),
            }),
            denotation: String::new(),
        }),
        doc_string: String::new(),
    }
}

fn ints(name: &str, v: Vec<i64>) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 7,
        ints: v,
        ..Default::default()
    }
}

fn floats(name: &str, v: Vec<f32>) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 6,
        floats: v,
        ..Default::default()
    }
}

fn model(
    nodes: Vec<NodeProto>,
    initializer: Vec<TensorProto>,
    outputs: Vec<ValueInfoProto>,
) -> Model {
    let bytes = ModelProto {
        ir_version: 8,
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
            node: nodes,
            name: "bench".into(),
            initializer,
            input: vec![value("input", &[None, Some(FEATURES as i64)])],
            output: outputs,
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec();
    Model::from_bytes(&bytes).unwrap()
}

/// 100 complete trees of depth 6 (63 splits, 64 leaves each), binary, LOGISTIC.
fn boosted_trees(rng: &mut Rng) -> Model {
    let (trees, depth) = (100i64, 6u32);
    let internal = (1i64 << depth) - 1;
    let total = (1i64 << (depth + 1)) - 1;
    let mut a: Vec<(&str, Vec<i64>)> = [
        "nodes_treeids",
        "nodes_nodeids",
        "nodes_featureids",
        "nodes_truenodeids",
        "nodes_falsenodeids",
    ]
    .iter()
    .map(|n| (*n, Vec::new()))
    .collect();
    let (mut values, mut modes, mut leaf_nodes, mut leaf_trees, mut weights) =
        (vec![], vec![], vec![], vec![], vec![]);
    for t in 0..trees {
        for n in 0..total {
            let leaf = n >= internal;
            let row = [
                t,
                n,
                if leaf {
                    0
                } else {
                    (rng.next_f32() * FEATURES as f32) as i64 % FEATURES as i64
                },
                if leaf { 0 } else { 2 * n + 1 },
                if leaf { 0 } else { 2 * n + 2 },
            ];
            for (k, v) in row.into_iter().enumerate() {
                a[k].1.push(v);
            }
            values.push(if leaf { 0.0 } else { rng.normal() * 0.5 });
            modes.push(if leaf {
                b"LEAF".to_vec()
            } else {
                b"BRANCH_LEQ".to_vec()
            });
            if leaf {
                leaf_trees.push(t);
                leaf_nodes.push(n);
                weights.push(rng.normal() * 0.1);
            }
        }
    }
    let n_leaves = leaf_nodes.len();
    let mut attrs: Vec<AttributeProto> = a.into_iter().map(|(n, v)| ints(n, v)).collect();
    attrs.extend([
        floats("nodes_values", values),
        AttributeProto {
            name: "nodes_modes".into(),
            r#type: 8,
            strings: modes,
            ..Default::default()
        },
        ints("class_treeids", leaf_trees),
        ints("class_nodeids", leaf_nodes),
        ints("class_ids", vec![0; n_leaves]),
        floats("class_weights", weights),
        ints("classlabels_int64s", vec![0, 1]),
        floats("base_values", vec![0.3]),
        AttributeProto {
            name: "post_transform".into(),
            r#type: 3,
            s: b"LOGISTIC".to_vec(),
            ..Default::default()
        },
    ]);
    let node = NodeProto {
        input: vec!["input".into()],
        output: vec!["label".into(), "probabilities".into()],
        name: "trees".into(),
        op_type: "TreeEnsembleClassifier".into(),
        domain: "ai.onnx.ml".into(),
        attribute: attrs,
        doc_string: String::new(),
    };
    model(
        vec![node],
        vec![],
        vec![
            value("label", &[None]),
            value("probabilities", &[None, Some(2)]),
        ],
    )
}

/// 30 -> 64 (ReLU) -> 32 (ReLU) -> 2 (softmax), as skl2onnx exports an MLPClassifier.
fn mlp(rng: &mut Rng) -> Model {
    let sizes = [FEATURES, 64, 32, 2];
    let mut init = Vec::new();
    let mut nodes = Vec::new();
    let mut x = "input".to_string();
    let node = |op: &str, i: Vec<String>, o: &str| NodeProto {
        input: i,
        output: vec![o.into()],
        name: o.into(),
        op_type: op.into(),
        ..Default::default()
    };
    for l in 0..3 {
        let (k, n) = (sizes[l], sizes[l + 1]);
        let scale = (2.0 / k as f32).sqrt();
        init.push(TensorProto {
            name: format!("w{l}"),
            dims: vec![k as i64, n as i64],
            data_type: 1,
            float_data: (0..k * n).map(|_| rng.normal() * scale).collect(),
            ..Default::default()
        });
        init.push(TensorProto {
            name: format!("b{l}"),
            dims: vec![1, n as i64],
            data_type: 1,
            float_data: (0..n).map(|_| rng.normal() * 0.1).collect(),
            ..Default::default()
        });
        nodes.push(node(
            "MatMul",
            vec![x.clone(), format!("w{l}")],
            &format!("mm{l}"),
        ));
        nodes.push(node(
            "Add",
            vec![format!("mm{l}"), format!("b{l}")],
            &format!("add{l}"),
        ));
        x = format!("add{l}");
        if l < 2 {
            nodes.push(node("Relu", vec![x.clone()], &format!("relu{l}")));
            x = format!("relu{l}");
        }
    }
    nodes.push(node("Softmax", vec![x], "probabilities"));
    model(nodes, init, vec![value("probabilities", &[None, Some(2)])])
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let data: Vec<f32> = (0..ROWS * FEATURES).map(|_| rng.normal()).collect();
    let input = Tensor::f32(vec![ROWS, FEATURES], data).unwrap();
    let trees = boosted_trees(&mut rng);
    let net = mlp(&mut rng);

    let mut group = c.benchmark_group("onnx_engine_1M_rows");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("gbdt_100_trees_depth_6", |b| {
        b.iter(|| trees.run(&[("input", &input)]).unwrap())
    });
    group.bench_function("mlp_30_64_32_2", |b| {
        b.iter(|| net.run(&[("input", &input)]).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
