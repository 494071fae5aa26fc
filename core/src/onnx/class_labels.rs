//! The class labels a classifier model declares, in the order of its probability
//! columns.

use prost::Message;

use super::proto::ModelProto;

/// Ops whose `classlabels_*` attribute lists the classes in probability-column order.
const CLASSIFIER_OPS: &[&str] = &[
    "LinearClassifier",
    "TreeEnsembleClassifier",
    "SVMClassifier",
];

/// The class labels of the model's classifier op, as text (`"0"`, `"setosa"`), or
/// `None` when the model declares none (regressors, or networks that carry their
/// classes in an initializer).
pub fn class_labels(model_bytes: &[u8]) -> Option<Vec<String>> {
    let model = ModelProto::decode(model_bytes).ok()?;
    let graph = model.graph?;
    graph
        .node
        .iter()
        .filter(|node| CLASSIFIER_OPS.contains(&node.op_type.as_str()))
        .find_map(|node| {
            node.attribute.iter().find_map(|a| match a.name.as_str() {
                "classlabels_strings" if !a.strings.is_empty() => Some(
                    a.strings
                        .iter()
                        .map(|s| String::from_utf8_lossy(s).into_owned())
                        .collect(),
                ),
                "classlabels_ints" | "classlabels_int64s" if !a.ints.is_empty() => {
                    Some(a.ints.iter().map(i64::to_string).collect())
                }
                _ => None,
            })
        })
}
