//! RFC 6902 JSON Patch between two versions' content.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::model::RecordContent;

/// One RFC 6902 JSON Patch operation.
///
/// [`diff`] only produces `add`, `remove` and `replace`; the other operations (`move`,
/// `copy`, `test`) exist so a patch received from elsewhere deserialises into this type.
/// `path` and `from` are RFC 6901 JSON Pointers (`~` escaped as `~0`, `/` as `~1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    /// `add`, `remove`, `replace`, `move`, `copy` or `test`.
    pub op: String,
    /// The target location.
    pub path: String,
    /// The new value (`add`, `replace`, `test`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The source location (`move`, `copy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl PatchOperation {
    fn add(path: String, value: Value) -> Self {
        Self {
            op: "add".into(),
            path,
            value: Some(value),
            from: None,
        }
    }

    fn remove(path: String) -> Self {
        Self {
            op: "remove".into(),
            path,
            value: None,
            from: None,
        }
    }

    fn replace(path: String, value: Value) -> Self {
        Self {
            op: "replace".into(),
            path,
            value: Some(value),
            from: None,
        }
    }
}

/// The JSON Patch that turns `from` into `to`, computed over their serde JSON form (so paths
/// are the wire field names, e.g. `/description`; `/kind` for a change of kind).
///
/// Applied in order to `from`'s JSON, the operations yield exactly `to`'s JSON. Identical
/// contents give an empty patch. Changed scalars are `replace`d, absent-then-present fields
/// `add`ed and present-then-absent fields `remove`d; objects are compared key by key and arrays
/// index by index (extra trailing elements are added or removed, highest index first).
pub fn diff(from: &RecordContent, to: &RecordContent) -> Vec<PatchOperation> {
    match (serde_json::to_value(from), serde_json::to_value(to)) {
        (Ok(a), Ok(b)) => diff_json(&a, &b),
        // Content always serialises; should it ever not, a whole-document replace (or nothing
        // if even `to` fails) is still a truthful patch.
        (_, Ok(b)) => vec![PatchOperation::replace(String::new(), b)],
        (_, Err(_)) => Vec::new(),
    }
}

/// The JSON Patch that turns the JSON value `from` into `to` (see [`diff`]).
pub fn diff_json(from: &Value, to: &Value) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    walk(&mut ops, String::new(), from, to);
    ops
}

fn walk(ops: &mut Vec<PatchOperation>, path: String, from: &Value, to: &Value) {
    match (from, to) {
        _ if from == to => {}
        (Value::Object(a), Value::Object(b)) => objects(ops, &path, a, b),
        (Value::Array(a), Value::Array(b)) => arrays(ops, &path, a, b),
        _ => ops.push(PatchOperation::replace(path, to.clone())),
    }
}

fn objects(
    ops: &mut Vec<PatchOperation>,
    path: &str,
    a: &Map<String, Value>,
    b: &Map<String, Value>,
) {
    for (key, old) in a {
        let p = child(path, key);
        match b.get(key) {
            Some(new) => walk(ops, p, old, new),
            None => ops.push(PatchOperation::remove(p)),
        }
    }
    for (key, new) in b {
        if !a.contains_key(key) {
            ops.push(PatchOperation::add(child(path, key), new.clone()));
        }
    }
}

fn arrays(ops: &mut Vec<PatchOperation>, path: &str, a: &[Value], b: &[Value]) {
    for (i, (old, new)) in a.iter().zip(b).enumerate() {
        walk(ops, child(path, &i.to_string()), old, new);
    }
    for (i, new) in b.iter().enumerate().skip(a.len()) {
        ops.push(PatchOperation::add(
            child(path, &i.to_string()),
            new.clone(),
        ));
    }
    for i in (b.len()..a.len()).rev() {
        ops.push(PatchOperation::remove(child(path, &i.to_string())));
    }
}

/// `path` extended by one RFC 6901 reference token.
fn child(path: &str, token: &str) -> String {
    format!("{path}/{}", token.replace('~', "~0").replace('/', "~1"))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::records::{AllergySeverity, DiagnosisStatus};

    /// A minimal RFC 6902 applier for add/remove/replace, to check patches round-trip.
    fn apply(doc: &mut Value, ops: &[PatchOperation]) {
        for op in ops {
            if op.path.is_empty() {
                *doc = op.value.clone().unwrap();
                continue;
            }
            let (parent, last) = op.path.rsplit_once('/').unwrap();
            let last = last.replace("~1", "/").replace("~0", "~");
            let target = doc.pointer_mut(parent).unwrap();
            match (target, op.op.as_str()) {
                (Value::Object(m), "remove") => {
                    m.remove(&last).unwrap();
                }
                (Value::Object(m), "add" | "replace") => {
                    m.insert(last, op.value.clone().unwrap());
                }
                (Value::Array(v), "remove") => {
                    v.remove(last.parse::<usize>().unwrap());
                }
                (Value::Array(v), "add") => {
                    v.insert(last.parse::<usize>().unwrap(), op.value.clone().unwrap());
                }
                (Value::Array(v), "replace") => {
                    v[last.parse::<usize>().unwrap()] = op.value.clone().unwrap();
                }
                (t, o) => panic!("cannot {o} at {} in {t}", op.path),
            }
        }
    }

    fn diagnosis(description: &str, status: DiagnosisStatus, code: Option<&str>) -> RecordContent {
        RecordContent::Diagnosis {
            code: code.map(str::to_owned),
            description: description.into(),
            status,
            onset: None,
        }
    }

    #[test]
    fn identical_content_has_an_empty_patch() {
        let d = diagnosis("Asthma", DiagnosisStatus::Active, None);
        assert!(diff(&d, &d.clone()).is_empty());
    }

    #[test]
    fn changed_fields_are_replaced() {
        let a = diagnosis("Asthma", DiagnosisStatus::Active, None);
        let b = diagnosis("Mild asthma", DiagnosisStatus::Resolved, Some("J45.20"));
        let ops = diff(&a, &b);
        assert_eq!(
            serde_json::to_value(&ops).unwrap(),
            json!([
                {"op": "replace", "path": "/code", "value": "J45.20"},
                {"op": "replace", "path": "/description", "value": "Mild asthma"},
                {"op": "replace", "path": "/status", "value": "resolved"},
            ])
        );
    }

    #[test]
    fn kind_change_touches_kind_and_adds_and_removes_fields() {
        let a = RecordContent::ClinicalNote {
            title: "t".into(),
            text: "x".into(),
        };
        let b = RecordContent::Allergy {
            substance: "latex".into(),
            reaction: None,
            severity: AllergySeverity::Mild,
        };
        let ops = diff(&a, &b);
        let mut doc = serde_json::to_value(&a).unwrap();
        apply(&mut doc, &ops);
        assert_eq!(doc, serde_json::to_value(&b).unwrap());
        assert!(ops.iter().any(|o| o.op == "replace" && o.path == "/kind"));
        assert!(ops.iter().any(|o| o.op == "remove" && o.path == "/text"));
        assert!(ops.iter().any(|o| o.op == "add" && o.path == "/substance"));
    }

    #[test]
    fn nested_values_arrays_and_escaping() {
        // Keys in sorted order, so the expectation holds with or without `preserve_order`.
        let a = json!({"v": {"a/b": 1, "c~d": [1, 2, 3]}, "w": true});
        let b = json!({"v": {"a/b": 2, "c~d": [1, 5]}, "x": null});
        let ops = diff_json(&a, &b);
        assert_eq!(
            serde_json::to_value(&ops).unwrap(),
            json!([
                {"op": "replace", "path": "/v/a~1b", "value": 2},
                {"op": "replace", "path": "/v/c~0d/1", "value": 5},
                {"op": "remove", "path": "/v/c~0d/2"},
                {"op": "remove", "path": "/w"},
                {"op": "add", "path": "/x", "value": null},
            ])
        );
        let mut doc = a.clone();
        apply(&mut doc, &ops);
        assert_eq!(doc, b);
        assert_eq!(
            diff_json(&json!(1), &json!([1])),
            vec![PatchOperation::replace(String::new(), json!([1]))]
        );
    }

    #[test]
    fn operations_round_trip_through_serde() {
        let text = r#"[{"op":"move","path":"/a","from":"/b"},{"op":"test","path":"/c","value":1}]"#;
        let ops: Vec<PatchOperation> = serde_json::from_str(text).unwrap();
        assert_eq!(ops[0].from.as_deref(), Some("/b"));
        assert_eq!(serde_json::to_string(&ops).unwrap(), text);
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-5i64..5).prop_map(Value::from),
            "[a-c/~]{0,2}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-c/~]{0,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn applying_the_diff_yields_the_target(a in json_value(), b in json_value()) {
            let ops = diff_json(&a, &b);
            let mut doc = a.clone();
            apply(&mut doc, &ops);
            prop_assert_eq!(doc, b.clone());
            prop_assert_eq!(ops.is_empty(), a == b);
        }
    }
}
