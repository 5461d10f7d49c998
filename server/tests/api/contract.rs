//! The OpenAPI document as a contract: its limits are the server's, every path parameter is
//! declared, and the only server error it promises is 503 with `Retry-After`. Schemathesis
//! checks the running server against it (scripts/contract-test.sh); these tests check the
//! document against the code.

use attend_server::platform::limits::{self, FIELDS};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{spawn_app, world};

async fn document() -> Value {
    let app = spawn_app().await;
    app.client
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if op.get("responses").is_some() {
                ops.push((method.to_uppercase(), path.clone(), op));
            }
        }
    }
    ops
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => doc
            .pointer(&r.replacen('#', "", 1))
            .unwrap_or_else(|| panic!("{r} does not resolve")),
        None => schema,
    }
}

/// Every string a request can carry, as (where, schema), following references.
fn request_strings<'a>(
    doc: &'a Value,
    schema: &'a Value,
    at: String,
    out: &mut Vec<(String, &'a Value)>,
) {
    if out.len() > 10_000 {
        return;
    }
    let schema = resolve(doc, schema);
    if limits::is_string(schema) {
        out.push((at.clone(), schema));
    }
    for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
        request_strings(doc, prop, format!("{at}.{name}"), out);
    }
    for key in ["items", "additionalProperties"] {
        if schema[key].is_object() {
            request_strings(doc, &schema[key], format!("{at}[]"), out);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for inner in schema[key].as_array().into_iter().flatten() {
            request_strings(doc, inner, at.clone(), out);
        }
    }
}

#[tokio::test]
async fn no_request_string_is_unbounded() {
    let doc = document().await;
    let mut unbounded = Vec::new();
    for (method, path, op) in operations(&doc) {
        let mut strings = Vec::new();
        if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
            request_strings(&doc, schema, "body".into(), &mut strings);
        }
        for param in op["parameters"].as_array().into_iter().flatten() {
            let at = format!("{} {}", param["in"], param["name"]);
            request_strings(&doc, &param["schema"], at, &mut strings);
        }
        for (at, schema) in strings {
            if !limits::bounded_by_shape(schema) && schema.get("maxLength").is_none() {
                unbounded.push(format!("{method} {path} {at}"));
            }
        }
    }
    assert!(
        unbounded.is_empty(),
        "request strings without maxLength: {unbounded:#?}"
    );
}

#[tokio::test]
async fn every_documented_text_limit_is_the_one_the_server_enforces() {
    let doc = document().await;
    for (schema, property, limit) in FIELDS {
        let prop = if schema.is_empty() {
            operations(&doc)
                .into_iter()
                .flat_map(|(_, _, op)| op["parameters"].as_array().cloned().unwrap_or_default())
                .find(|p| p["in"] == "query" && p["name"] == *property)
                .map(|p| p["schema"].clone())
        } else {
            doc.pointer(&format!(
                "/components/schemas/{schema}/properties/{property}"
            ))
            .cloned()
        };
        let prop = prop.unwrap_or_else(|| {
            panic!("{schema}.{property} is in platform::limits but not a request field")
        });
        // A list's limit is its items'.
        let prop = if prop["items"].is_object() {
            prop["items"].clone()
        } else {
            prop
        };
        assert_eq!(
            prop["maxLength"],
            json!(limit.max),
            "{schema}.{property} maxLength"
        );
        if limit.min > 0 {
            assert_eq!(
                prop["minLength"],
                json!(limit.min),
                "{schema}.{property} minLength"
            );
        }
        assert_eq!(
            prop["pattern"].as_str(),
            limit.pattern,
            "{schema}.{property} pattern"
        );
    }
}

#[tokio::test]
async fn every_path_parameter_is_declared_with_its_type() {
    let doc = document().await;
    for (method, path, op) in operations(&doc) {
        let names: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        // A query struct without `parameter_in = Query` documents its fields as path
        // parameters the path does not have.
        for param in op["parameters"].as_array().into_iter().flatten() {
            let name = param["name"].as_str().unwrap_or_default();
            assert!(
                param["in"] != "path" || names.contains(&name),
                "{method} {path}: `{name}` is documented in the path, which has no such part"
            );
        }
        for name in names {
            let param = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["in"] == "path" && p["name"] == name)
                .unwrap_or_else(|| panic!("{method} {path}: {{{name}}} undeclared"));
            assert_eq!(param["required"], json!(true), "{method} {path} {name}");
            let schema = &param["schema"];
            assert!(
                limits::bounded_by_shape(schema) || schema.get("maxLength").is_some(),
                "{method} {path} {name}: {schema}"
            );
        }
    }
}

#[tokio::test]
async fn the_only_server_error_documented_is_503_with_retry_after() {
    let doc = document().await;
    for (method, path, op) in operations(&doc) {
        let responses = op["responses"].as_object().expect("responses");
        for status in responses.keys() {
            assert!(
                !status.starts_with('5') || status == "503",
                "{method} {path} documents {status}"
            );
        }
        let unavailable = responses
            .get("503")
            .unwrap_or_else(|| panic!("{method} {path}: no 503"));
        assert!(
            unavailable["headers"].get("Retry-After").is_some(),
            "{method} {path}: 503 without Retry-After"
        );
    }
}

#[tokio::test]
async fn a_text_longer_than_its_documented_limit_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let name = "n".repeat(limits::NAME.max + 1);
    let r = app
        .post(
            "/api/v1/devices",
            Some(&w.a.admin),
            json!({"name": name, "site_id": w.a.site}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["field"], "name", "{}", r.body);

    // A field the services do not check themselves is held to the document's limit too.
    let long = "x".repeat(limits::DEFAULT.max + 1);
    let r = app
        .get(&format!("/api/v1/devices?after={long}"), &w.a.admin)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.body["error"]["details"][0]["field"], "after",
        "{}",
        r.body
    );
}
