//! The API contract: what the OpenAPI document promises beyond each handler's own attribute.
//!
//! Handlers declare what is particular to them (their success answer, a 409 for a state rule,
//! their body and query). What every route of a shape answers is added here, in one place, so
//! no handler can forget it: a route with a bearer token answers 401 and 403, one that names a
//! record (path, query or body) 404 (a malformed id is not found, see
//! [`super::extract::ApiPath`]), one that changes something 409 (a state rule, a taken name),
//! one with a body 400/413/415/422, one with a query 422, and every route 408 (the deadline), 429 (the rate
//! limits, API routes only) and 503 with `Retry-After` (bounded work is full, or the database is
//! not ready). No other 5xx is ever documented: an internal error is a bug, not an answer.
//!
//! Path parameters are declared here too, from their name (every `id` in the API is a UUID),
//! and [`super::limits`] puts the text limits on every request string. The server enforces
//! what the document says: [`super::extract`] checks bodies, queries and paths against it.

use serde_json::{Map, Value, json};

use super::limits;

const ERROR_BODY: &str = "#/components/schemas/ErrorBody";
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// Completes the document the handlers declared (see the module comment).
pub fn complete(doc: &mut Value) {
    let paths = doc["paths"].as_object_mut().expect("paths");
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            if let Some(op) = item.get_mut(method) {
                declare_path_params(path, op);
                describe_file_bodies(op);
                add_uniform_responses(path, method, op);
            }
        }
    }
    limits::apply(doc);
}

/// The schema of a path parameter, by name: the API uses few names, each with one meaning.
pub fn path_param_schema(name: &str) -> Value {
    match name {
        "id" | "qualification_id" => json!({"type": "string", "format": "uuid"}),
        "date" => json!({"type": "string", "format": "date"}),
        "tier" => json!({"type": "string", "enum": ["general", "heavy", "sync"]}),
        "key" => json!({"type": "string", "minLength": 1, "maxLength": limits::BLOCK_KEY.max}),
        other => panic!("path parameter `{other}` has no schema in platform::contract"),
    }
}

fn path_param_names(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

fn declare_path_params(path: &str, op: &mut Value) {
    let params = op
        .as_object_mut()
        .expect("operation")
        .entry("parameters")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .expect("parameters");
    for name in path_param_names(path) {
        let schema = path_param_schema(name);
        let existing = params
            .iter_mut()
            .find(|p| p["in"] == "path" && p["name"] == name);
        match existing {
            Some(param) => param["schema"] = schema,
            None => params.push(json!({
                "name": name, "in": "path", "required": true, "schema": schema,
            })),
        }
    }
}

/// A body that is not JSON is a file sent as it is (an attachment): bytes, not the array of
/// numbers the handler's `Vec<u8>` would otherwise describe.
fn describe_file_bodies(op: &mut Value) {
    let Some(content) = op
        .pointer_mut("/requestBody/content")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (media_type, body) in content.iter_mut() {
        if media_type != "application/json" {
            body["schema"] = json!({"type": "string", "format": "binary"});
        }
    }
}

fn error_response(description: &str, retry_after: bool) -> Value {
    let mut response = json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": ERROR_BODY}}},
    });
    if retry_after {
        response["headers"] = json!({"Retry-After": {
            "description": "seconds to wait before trying again",
            "required": true,
            "schema": {"type": "integer", "minimum": 1},
        }});
    }
    response
}

fn add_uniform_responses(path: &str, method: &str, op: &mut Value) {
    let authenticated = op["security"].as_array().is_some_and(|s| {
        s.iter()
            .any(|r| r.as_object().is_some_and(|r| !r.is_empty()))
    });
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let signed = params
        .iter()
        .any(|p| p["in"] == "header" && p["name"] == "x-attend-signature");
    let has_path = params.iter().any(|p| p["in"] == "path");
    let has_query = params.iter().any(|p| p["in"] == "query");
    let has_body = op.get("requestBody").is_some();

    let mut uniform: Vec<(&str, &str, bool)> = Vec::new();
    if authenticated {
        uniform.push(("401", "no valid bearer token", false));
        uniform.push(("403", "the caller may not do this", false));
    }
    if signed {
        uniform.push((
            "401",
            "signature missing, stale, replayed or not matching",
            false,
        ));
        uniform.push(("403", "the device is disabled", false));
    }
    if has_path || has_query || has_body {
        uniform.push((
            "404",
            "not found: the record named in the path, query or body (a malformed id is not found either)",
            false,
        ));
    }
    if method != "get" {
        uniform.push((
            "409",
            "a state rule refuses it, or a unique value is taken",
            false,
        ));
    }
    if has_body {
        uniform.push(("400", "the body is not JSON", false));
        uniform.push(("413", "the body is too large", false));
        uniform.push(("415", "the body is not application/json", false));
    }
    if has_body || has_query || has_path {
        uniform.push(("422", "a field is invalid; `details` names it", false));
    }
    uniform.push(("408", "the request took longer than the deadline", false));
    if path.starts_with("/api/") {
        uniform.push(("429", "rate limited, or the client is blocked", true));
    }
    uniform.push((
        "503",
        "busy or not ready: try again after Retry-After",
        true,
    ));

    let responses = op
        .as_object_mut()
        .expect("operation")
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("responses");
    for (status, description, retry_after) in uniform {
        let entry = responses
            .entry(status)
            .or_insert_with(|| error_response(description, retry_after));
        // A handler's own 429 or 503 still promises the header.
        if retry_after && entry.get("headers").is_none() {
            entry["headers"] = error_response(description, true)["headers"].clone();
        }
        // A handler's error answer without a body still has the uniform one.
        if entry.get("content").is_none() && status != "204" {
            entry["content"] = error_response(description, false)["content"].clone();
        }
    }
    responses.retain(|status, _| !status.starts_with('5') || status == "503");
}

/// The operation the document declares for `method` on `route` (a matched route, such as
/// `/api/v1/employees/{id}`).
pub fn operation<'a>(doc: &'a Value, route: &str, method: &str) -> Option<&'a Map<String, Value>> {
    doc["paths"]
        .get(route)?
        .get(method.to_ascii_lowercase())?
        .as_object()
}

/// The completed document, shared by the route that serves it and the extractors that enforce
/// it (they find it in the request's extensions).
#[derive(Clone, Debug)]
pub struct Document(pub std::sync::Arc<Value>);
