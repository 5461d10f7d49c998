//! PRelu as `Max(x, slope · x)`, rewritten in the model's bytes before ONNX Runtime sees them.
//!
//! Why: MiniFASNet has 33 PRelu nodes with per-channel slopes on small odd-width tensors, and ONNX
//! Runtime's CPU PRelu runs about half of each model's time there (measured with its profiler:
//! 52 %); `Mul` and `Max` run on its vectorised element-wise kernels. The two are the same
//! function whenever every slope is at most 1 (for x < 0, s·x ≥ x exactly when s ≤ 1; for x ≥ 0,
//! s·x ≤ x), and IEEE multiplication and maximum give bit-identical outputs, so the model
//! computes exactly what its file says. A node is rewritten only when its slope is a float
//! initializer of the graph with every value finite and at most 1; anything else (another
//! domain, a slope computed at run time, external data, a value above 1) keeps its PRelu.
//!
//! The rewrite works on the protobuf wire format: the model's fields, the graph's fields and
//! every other node are copied byte for byte; only `ModelProto.graph` (field 7) and the PRelu
//! entries of `GraphProto.node` (field 1) are rebuilt. Bytes that do not parse as a model give
//! `None` (ONNX Runtime then reports the real problem), never a panic.

use std::collections::HashMap;

// Field numbers from onnx.proto.
const MODEL_GRAPH: u64 = 7;
const GRAPH_NODE: u64 = 1;
const GRAPH_INITIALIZER: u64 = 5;
const NODE_INPUT: u64 = 1;
const NODE_OUTPUT: u64 = 2;
const NODE_NAME: u64 = 3;
const NODE_OP_TYPE: u64 = 4;
const NODE_DOMAIN: u64 = 7;
const TENSOR_DATA_TYPE: u64 = 2;
const TENSOR_FLOAT_DATA: u64 = 4;
const TENSOR_NAME: u64 = 8;
const TENSOR_RAW_DATA: u64 = 9;
const TENSOR_DATA_LOCATION: u64 = 14;
const FLOAT: u64 = 1;

const LEN: u8 = 2;

/// One field as it sits in the message: its number, wire type, value (the payload of a
/// length-delimited or fixed-size field, or the varint's value) and the whole encoding.
struct Field<'a> {
    number: u64,
    wire: u8,
    payload: &'a [u8],
    varint: u64,
    bytes: &'a [u8],
}

fn varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn fields(message: &[u8]) -> Option<Vec<Field<'_>>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < message.len() {
        let start = at;
        let key = varint(message, &mut at)?;
        let (number, wire) = (key >> 3, (key & 7) as u8);
        let (mut payload, mut value) = (&message[0..0], 0);
        match wire {
            0 => value = varint(message, &mut at)?,
            1 | 5 => {
                let end = at.checked_add(if wire == 1 { 8 } else { 4 })?;
                payload = message.get(at..end)?;
                at = end;
            }
            LEN => {
                let len = usize::try_from(varint(message, &mut at)?).ok()?;
                let end = at.checked_add(len)?;
                payload = message.get(at..end)?;
                at = end;
            }
            _ => return None, // groups (3, 4) are not used by ONNX
        }
        out.push(Field {
            number,
            wire,
            payload,
            varint: value,
            bytes: message.get(start..at)?,
        });
    }
    Some(out)
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_bytes(out: &mut Vec<u8>, number: u64, payload: &[u8]) {
    put_varint(out, (number << 3) | u64::from(LEN));
    put_varint(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

/// A float initializer's values by name (`None` for other types and external data).
fn float_initializer(tensor: &[u8]) -> Option<(String, Vec<f32>)> {
    let (mut name, mut data_type, mut values, mut raw) = (None, None, Vec::new(), None);
    for f in fields(tensor)? {
        match (f.number, f.wire) {
            (TENSOR_NAME, LEN) => name = Some(String::from_utf8(f.payload.to_vec()).ok()?),
            (TENSOR_DATA_TYPE, 0) => data_type = Some(f.varint),
            (TENSOR_RAW_DATA, LEN) => raw = Some(f.payload),
            // Packed (LEN) or one value per field (fixed32): the payload is the bytes either way.
            (TENSOR_FLOAT_DATA, LEN | 5) => values.extend(little_endian_floats(f.payload)?),
            (TENSOR_DATA_LOCATION, 0) if f.varint != 0 => return None,
            _ => {}
        }
    }
    if data_type != Some(FLOAT) {
        return None;
    }
    if let Some(raw) = raw {
        values = little_endian_floats(raw)?;
    }
    Some((name?, values))
}

fn little_endian_floats(bytes: &[u8]) -> Option<Vec<f32>> {
    bytes.len().is_multiple_of(4).then(|| {
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    })
}

fn text(payload: &[u8]) -> Option<&str> {
    std::str::from_utf8(payload).ok()
}

/// The node's replacement (`Mul` then `Max`), or `None` to keep it.
fn replacement(node: &[u8], slopes: &HashMap<String, Vec<f32>>) -> Option<Vec<u8>> {
    let (mut inputs, mut outputs, mut name, mut op_type, mut domain) =
        (Vec::new(), Vec::new(), "", "", "");
    for f in fields(node)? {
        match (f.number, f.wire) {
            (NODE_INPUT, LEN) => inputs.push(text(f.payload)?),
            (NODE_OUTPUT, LEN) => outputs.push(text(f.payload)?),
            (NODE_NAME, LEN) => name = text(f.payload)?,
            (NODE_OP_TYPE, LEN) => op_type = text(f.payload)?,
            (NODE_DOMAIN, LEN) => domain = text(f.payload)?,
            _ => {}
        }
    }
    let (["PRelu"], ["" | "ai.onnx"], [x, slope], [y]) =
        ([op_type], [domain], inputs.as_slice(), outputs.as_slice())
    else {
        return None;
    };
    let values = slopes.get(*slope)?;
    if values.is_empty() || !values.iter().all(|s| s.is_finite() && *s <= 1.0) {
        return None;
    }
    let scaled = format!("{y}/prelu_scaled");
    let node = |op: &str, suffix: &str, inputs: [&str; 2], output: &str| {
        let mut n = Vec::new();
        for input in inputs {
            put_bytes(&mut n, NODE_INPUT, input.as_bytes());
        }
        put_bytes(&mut n, NODE_OUTPUT, output.as_bytes());
        put_bytes(&mut n, NODE_NAME, format!("{name}/{suffix}").as_bytes());
        put_bytes(&mut n, NODE_OP_TYPE, op.as_bytes());
        n
    };
    let mut out = Vec::new();
    put_bytes(
        &mut out,
        GRAPH_NODE,
        &node("Mul", "scale", [x, slope], &scaled),
    );
    put_bytes(&mut out, GRAPH_NODE, &node("Max", "max", [x, &scaled], y));
    Some(out)
}

/// The model with every eligible PRelu rewritten, or `None` when there is none (or the bytes
/// do not parse).
pub fn rewrite(model: &[u8]) -> Option<Vec<u8>> {
    let model_fields = fields(model)?;
    let graph = model_fields
        .iter()
        .find(|f| f.number == MODEL_GRAPH && f.wire == LEN)?;
    let graph_fields = fields(graph.payload)?;
    let slopes: HashMap<String, Vec<f32>> = graph_fields
        .iter()
        .filter(|f| f.number == GRAPH_INITIALIZER && f.wire == LEN)
        .filter_map(|f| float_initializer(f.payload))
        .collect();
    let mut new_graph = Vec::with_capacity(graph.payload.len() + 4096);
    let mut rewritten = 0;
    for f in &graph_fields {
        match (f.number == GRAPH_NODE && f.wire == LEN)
            .then(|| replacement(f.payload, &slopes))
            .flatten()
        {
            Some(nodes) => {
                new_graph.extend_from_slice(&nodes);
                rewritten += 1;
            }
            None => new_graph.extend_from_slice(f.bytes),
        }
    }
    if rewritten == 0 {
        return None;
    }
    let mut out = Vec::with_capacity(model.len() + 4096);
    for f in &model_fields {
        if std::ptr::eq(f.bytes, graph.bytes) {
            put_bytes(&mut out, MODEL_GRAPH, &new_graph);
        } else {
            out.extend_from_slice(f.bytes);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
