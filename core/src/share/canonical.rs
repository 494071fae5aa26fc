//! Canonical JSON: object keys sorted (by their UTF-8 bytes, as Python's
//! `sort_keys=True` and a `BTreeMap` order them), no whitespace, numbers as serde_json
//! writes them (the shortest text that reads back to the same f64). The same state
//! always gives the same bytes, whichever order its maps were built in, and whatever
//! serde_json features other crates of the build turn on.

use serde::Serialize;
use serde_json::Value;

/// The canonical JSON text of `value`. Non-finite floats are written as `null`.
pub fn to_canonical_json<T: Serialize>(value: &T) -> String {
    // A state is plain data (strings, numbers, maps with string keys), so turning it
    // into a `Value` cannot fail; `Null` covers the impossible case.
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    let mut out = String::new();
    write_value(&value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    // serde_json's escaping: `"` `\` and control characters; everything else as is.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sorted_at_every_depth_no_whitespace() {
        let value = serde_json::json!({"b": {"z": 1, "a": [true, null]}, "a": "x\"y", "é": 0.5});
        assert_eq!(
            to_canonical_json(&value),
            r#"{"a":"x\"y","b":{"a":[true,null],"z":1},"é":0.5}"#
        );
    }

    #[test]
    fn non_finite_floats_become_null() {
        assert_eq!(to_canonical_json(&vec![f64::NAN, 1.0]), "[null,1.0]");
    }
}
