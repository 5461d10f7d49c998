//! The dump format on its own; moving real databases both ways is
//! server/tests/api/database_move.rs.

use super::*;

fn dump(lines: &[&str]) -> DumpReader<std::io::Cursor<Vec<u8>>> {
    DumpReader::new(std::io::Cursor::new(lines.join("\n").into_bytes())).expect("a header")
}

#[test]
fn every_kind_of_cell_survives_the_round_trip() {
    let row = vec![
        Value::Null,
        Value::Integer(i64::MIN),
        Value::Real(0.1 + 0.2),
        Value::Real(f64::INFINITY),
        Value::Text("Zoë \"quoted\"\nnew line".into()),
        Value::Blob(vec![0, 255, 7]),
    ];
    let mut out = Vec::new();
    let mut w = DumpWriter::new(&mut out, 22, "sqlite").expect("header");
    w.table("t", &["a", "b", "c", "d", "e", "f"].map(str::to_owned))
        .expect("table");
    w.row(&row).expect("row");
    w.table("empty", &["x".to_owned()]).expect("table");
    assert_eq!(w.finish().expect("end"), (2, 1));
    let mut r = DumpReader::new(std::io::Cursor::new(out)).expect("header");
    assert_eq!(r.schema_version, 22);
    let t = r.next_table().expect("reads").expect("a table");
    assert_eq!((t.name.as_str(), t.rows.len()), ("t", 1));
    assert_eq!(t.rows[0], row);
    let e = r.next_table().expect("reads").expect("a table");
    assert_eq!((e.name.as_str(), e.rows.len()), ("empty", 0));
    assert!(r.next_table().expect("reads").is_none());
}

#[test]
fn a_dump_cut_short_or_malformed_is_an_error_naming_the_line() {
    let header = r#"{"attend_dump":1,"schema_version":22,"backend":"sqlite"}"#;
    let mut cut = dump(&[header, r#"{"table":"t","columns":["a"]}"#, "[1]"]);
    let err = cut.next_table().expect_err("no end line").to_string();
    assert!(err.contains("cut short"), "{err}");
    let mut wide = dump(&[header, r#"{"table":"t","columns":["a"]}"#, "[1, 2]"]);
    let err = format!("{:#}", wide.next_table().expect_err("two cells"));
    assert!(err.contains("line 3") && err.contains("2 cells"), "{err}");
    let mut odd = dump(&[header, r#"{"table":"t","columns":["a"]}"#, r#"[{"x":1}]"#]);
    let err = format!("{:#}", odd.next_table().expect_err("not a value"));
    assert!(err.contains("line 3"), "{err}");
    for bad in [
        "",
        "{}",
        r#"{"attend_dump":2,"schema_version":22}"#,
        "not json",
    ] {
        assert!(
            DumpReader::new(std::io::Cursor::new(bad.as_bytes().to_vec())).is_err(),
            "{bad:?}"
        );
    }
}
