//! The rewrite on models built here field by field; that ONNX Runtime computes the same logits
//! from the rewritten MiniFASNet is checked on the real models (vision/tests/real/liveness).

use super::*;

fn tensor(name: &str, values: &[f32], raw: bool) -> Vec<u8> {
    let mut t = Vec::new();
    put_varint(&mut t, 1 << 3); // dims
    put_varint(&mut t, values.len() as u64);
    put_varint(&mut t, TENSOR_DATA_TYPE << 3);
    put_varint(&mut t, FLOAT);
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    put_bytes(
        &mut t,
        if raw {
            TENSOR_RAW_DATA
        } else {
            TENSOR_FLOAT_DATA
        },
        &bytes,
    );
    put_bytes(&mut t, TENSOR_NAME, name.as_bytes());
    t
}

fn node(op: &str, inputs: &[&str], outputs: &[&str]) -> Vec<u8> {
    let mut n = Vec::new();
    for i in inputs {
        put_bytes(&mut n, NODE_INPUT, i.as_bytes());
    }
    for o in outputs {
        put_bytes(&mut n, NODE_OUTPUT, o.as_bytes());
    }
    put_bytes(&mut n, NODE_NAME, format!("{op}_0").as_bytes());
    put_bytes(&mut n, NODE_OP_TYPE, op.as_bytes());
    n
}

/// ir_version, a Conv, a PRelu on its output, a Relu after it, the slope, and opset_import.
fn model(slopes: &[f32], raw: bool) -> Vec<u8> {
    let mut graph = Vec::new();
    put_bytes(&mut graph, GRAPH_NODE, &node("Conv", &["in", "w"], &["c"]));
    put_bytes(&mut graph, GRAPH_NODE, &node("PRelu", &["c", "s"], &["p"]));
    put_bytes(&mut graph, GRAPH_NODE, &node("Relu", &["p"], &["out"]));
    put_bytes(&mut graph, 2, b"g");
    put_bytes(&mut graph, GRAPH_INITIALIZER, &tensor("s", slopes, raw));
    let mut m = Vec::new();
    put_varint(&mut m, 1 << 3);
    put_varint(&mut m, 8);
    put_bytes(&mut m, MODEL_GRAPH, &graph);
    let mut opset = Vec::new();
    put_varint(&mut opset, 2 << 3);
    put_varint(&mut opset, 13);
    put_bytes(&mut m, 8, &opset);
    m
}

/// (op_type, inputs, outputs) of each node of the model's graph.
fn nodes(model: &[u8]) -> Vec<(String, Vec<String>, Vec<String>)> {
    let m = fields(model).expect("model parses");
    let g = m.iter().find(|f| f.number == MODEL_GRAPH).expect("graph");
    fields(g.payload)
        .expect("graph parses")
        .iter()
        .filter(|f| f.number == GRAPH_NODE)
        .map(|f| {
            let (mut op, mut ins, mut outs) = (String::new(), Vec::new(), Vec::new());
            for nf in fields(f.payload).expect("node parses") {
                let s = String::from_utf8(nf.payload.to_vec()).expect("utf-8");
                match nf.number {
                    NODE_OP_TYPE => op = s,
                    NODE_INPUT => ins.push(s),
                    NODE_OUTPUT => outs.push(s),
                    _ => {}
                }
            }
            (op, ins, outs)
        })
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn a_prelu_with_slopes_at_most_one_becomes_mul_then_max_in_place() {
    for raw in [true, false] {
        let before = model(&[0.25, -0.5, 1.0], raw);
        let after = rewrite(&before).expect("rewritten");
        assert_eq!(
            nodes(&after),
            vec![
                ("Conv".into(), strings(&["in", "w"]), strings(&["c"])),
                (
                    "Mul".into(),
                    strings(&["c", "s"]),
                    strings(&["p/prelu_scaled"])
                ),
                (
                    "Max".into(),
                    strings(&["c", "p/prelu_scaled"]),
                    strings(&["p"])
                ),
                ("Relu".into(), strings(&["p"]), strings(&["out"])),
            ],
            "raw_data: {raw}"
        );
        // Everything but the graph's nodes is as it was: the other model fields, the graph's
        // name and initializer.
        let (b, a) = (
            fields(&before).expect("parses"),
            fields(&after).expect("parses"),
        );
        assert_eq!(b.len(), a.len());
        for (x, y) in b.iter().zip(&a) {
            if x.number != MODEL_GRAPH {
                assert_eq!(x.bytes, y.bytes);
            }
        }
        let graph = |m: &[Field<'_>]| {
            let g = m
                .iter()
                .find(|f| f.number == MODEL_GRAPH)
                .expect("a graph")
                .payload;
            fields(g)
                .expect("parses")
                .iter()
                .filter(|f| f.number != GRAPH_NODE)
                .map(|f| f.bytes.to_vec())
                .collect::<Vec<_>>()
        };
        assert_eq!(graph(&b), graph(&a));
    }
}

#[test]
fn a_slope_above_one_or_not_a_number_keeps_the_prelu() {
    assert!(rewrite(&model(&[0.25, 1.5], true)).is_none());
    assert!(rewrite(&model(&[0.25, f32::NAN], true)).is_none());
    assert!(rewrite(&model(&[], true)).is_none());
}

#[test]
fn a_slope_that_is_not_an_initializer_keeps_the_prelu() {
    let mut graph = Vec::new();
    put_bytes(
        &mut graph,
        GRAPH_NODE,
        &node("PRelu", &["c", "computed"], &["p"]),
    );
    put_bytes(&mut graph, GRAPH_INITIALIZER, &tensor("s", &[0.1], true));
    let mut m = Vec::new();
    put_bytes(&mut m, MODEL_GRAPH, &graph);
    assert!(rewrite(&m).is_none());
}

#[test]
fn bytes_that_are_not_a_model_give_none_without_panicking() {
    let good = model(&[0.25], true);
    for cut in 0..good.len() {
        // Every truncation either fails to parse or still parses as a (smaller) model.
        let _ = rewrite(&good[..cut]);
    }
    assert!(rewrite(b"").is_none());
    assert!(rewrite(&[0xff; 16]).is_none());
    assert!(rewrite(&[0x3a, 0x80]).is_none()); // field 7, length varint cut short
}
