//! What the JSON targets share: the round-trip check and the "a newer peer added a field" input.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Serialising `value` and parsing the result gives `value` back.
pub fn assert_round_trips<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let json = serde_json::to_string(value).expect("a wire type always serialises");
    let back: T = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("{json} does not parse back: {e}\n(from {value:?})"));
    assert_eq!(&back, value, "changed on the way through {json}");
}

/// `json` with a field no version knows added to every object in it, as a peer one version
/// ahead might send it; `None` when a strict parse refuses `json`.
pub fn with_unknown_fields(json: &[u8]) -> Option<Vec<u8>> {
    let mut value: Value = serde_json::from_slice(json).ok()?;
    add_unknown_fields(&mut value);
    Some(serde_json::to_vec(&value).expect("a JSON value always serialises"))
}

/// Whether a strict parse refuses `json` only for its text encoding. A typed parse skips the
/// strings of fields its type ignores without checking them, so it accepts invalid UTF-8 or a
/// lone surrogate escape there; a strict parse (`Value`, or `RawValue`, which must be a `str`)
/// rightly refuses them: JSON is UTF-8.
pub fn refused_only_for_its_encoding(json: &[u8]) -> bool {
    match serde_json::from_slice::<Value>(json) {
        Ok(_) => false,
        // serde_json's words for bad UTF-8 and for a surrogate escape without its pair.
        Err(e) => ["unicode", "surrogate", "hex escape"]
            .iter()
            .any(|words| e.to_string().contains(words)),
    }
}

fn add_unknown_fields(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            fields.values_mut().for_each(add_unknown_fields);
            fields.insert("added_in_a_later_version".into(), Value::from([1, 2]));
        }
        Value::Array(items) => items.iter_mut().for_each(add_unknown_fields),
        _ => {}
    }
}
