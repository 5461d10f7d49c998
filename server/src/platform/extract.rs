//! Request extractors that turn every bad input into the uniform error, naming the field:
//! JSON bodies (syntax → 400, wrong type or unknown field → 422 with the field path, too
//! large → 413), query strings, pagination, and the client address.

use std::net::SocketAddr;

use attend_protocol::error::FieldError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{Extensions, Method, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::contract::{self, Document};
use super::error::Error;
use super::limits;
use crate::db::Page;

/// The body limit for ordinary routes; sync ingest has its own, larger one.
pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// Parses JSON strictly. The common, valid case takes serde's fast path; only a failure is
/// parsed again with path tracking, to name the failing field, e.g. `events[3].body.score`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|_| explain_json_error::<T>(bytes))
}

/// The uniform error for a body that does not parse as `T`.
pub fn explain_json_error<T: DeserializeOwned>(bytes: &[u8]) -> Error {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    Error::Unprocessable(vec![field_error(&path, &inner.to_string())])
                }
                _ => Error::MalformedJson(inner.to_string()),
            }
        }
        Ok(_) => match de.end() {
            Err(e) => Error::MalformedJson(e.to_string()),
            Ok(()) => Error::MalformedJson("the body could not be parsed".into()),
        },
    }
}

/// serde reports an unknown field at its parent's path; name the field itself instead.
fn field_error(path: &str, message: &str) -> FieldError {
    let parent = if path == "." { "" } else { path };
    let message = message.split(" at line ").next().unwrap_or(message);
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some(name) = rest.split('`').next()
    {
        // serde_path_to_error already ends the path with the unknown field's name.
        let field = if parent.is_empty() || parent == name {
            name.to_owned()
        } else if parent.ends_with(&format!(".{name}")) {
            parent.to_owned()
        } else {
            format!("{parent}.{name}")
        };
        return FieldError::new(field, "unknown field");
    }
    FieldError::new(if parent.is_empty() { "body" } else { parent }, message)
}

pub fn body_rejection(rejection: BytesRejection) -> Error {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::PayloadTooLarge {
            limit: DEFAULT_BODY_LIMIT,
        }
    } else {
        Error::MalformedJson(rejection.body_text())
    }
}

/// A JSON body, strictly typed.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(Error::UnsupportedMediaType);
        }
        let documented = documented_body(req.extensions(), req.method());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        let parsed = parse_json(&bytes)?;
        refuse_nul(&bytes)?;
        if let Some((doc, schema)) = documented {
            check_body(&doc, &schema, &bytes)?;
        }
        Ok(ApiJson(parsed))
    }
}

/// The NUL character: SQLite would keep it, PostgreSQL cannot store it in text or JSON, and
/// no name, note or code has a use for it. Refused everywhere, naming where it was, so both
/// backends answer alike (a 422, never a failed write).
const NUL_REFUSED: &str = "must not contain the NUL character";

/// Refuses a JSON body holding the NUL character (`\u0000`) in any string or key, naming the
/// first one. Only a body with the escape in it is walked.
pub fn refuse_nul(bytes: &[u8]) -> Result<(), Error> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return Ok(());
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| Error::MalformedJson(e.to_string()))?;
    match nul_at(&value, "") {
        Some(field) => Err(Error::field(
            if field.is_empty() { "body" } else { &field },
            NUL_REFUSED,
        )),
        None => Ok(()),
    }
}

/// The path of the first string or key holding NUL, as serde names paths (`a.b[2].c`).
fn nul_at(value: &Value, path: &str) -> Option<String> {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(s) => s.contains('\0').then(|| path.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_at(item, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(join(&key.replace('\0', "\\u0000")))
            } else {
                nul_at(item, &join(key))
            }
        }),
        _ => None,
    }
}

/// Holds a body that parsed as its type to the document's string limits (see
/// [`super::limits`]).
fn check_body(doc: &Document, schema: &Value, bytes: &[u8]) -> Result<(), Error> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| Error::MalformedJson(e.to_string()))?;
    let problems = limits::check_value(&doc.0, schema, &value, "");
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Unprocessable(problems))
    }
}

/// [`ApiJson`]'s check for a body another extractor read (the signed kiosk routes).
pub fn check_documented_body(
    doc: &Document,
    route: &str,
    method: &str,
    bytes: &[u8],
) -> Result<(), Error> {
    let schema = contract::operation(&doc.0, route, method)
        .and_then(|op| op.get("requestBody"))
        .and_then(|b| b.pointer("/content/application~1json/schema"));
    match schema {
        Some(schema) => check_body(doc, schema, bytes),
        None => Ok(()),
    }
}

/// The operation the document declares for this request, when the router put the document in
/// the request's extensions.
fn documented_operation(
    extensions: &Extensions,
    method: &Method,
) -> Option<(Document, serde_json::Map<String, Value>)> {
    let doc = extensions.get::<Document>()?;
    let route = extensions.get::<MatchedPath>()?;
    let op = contract::operation(&doc.0, route.as_str(), method.as_str())?.clone();
    Some((doc.clone(), op))
}

fn documented_body(extensions: &Extensions, method: &Method) -> Option<(Document, Value)> {
    let (doc, op) = documented_operation(extensions, method)?;
    let schema = op
        .get("requestBody")?
        .pointer("/content/application~1json/schema")?
        .clone();
    Some((doc, schema))
}

/// A query string, strictly typed (unknown parameters are refused).
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        let parsed = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            Error::Unprocessable(vec![field_error(&path, &e.into_inner().to_string())])
        })?;
        if let Some((name, _)) =
            form_urlencoded::parse(query.as_bytes()).find(|(_, v)| v.contains('\0'))
        {
            return Err(Error::field(name.into_owned(), NUL_REFUSED));
        }
        if let Some((_, op)) = documented_operation(&parts.extensions, &parts.method) {
            let params = op.get("parameters").and_then(Value::as_array);
            let mut problems = Vec::new();
            for (name, value) in form_urlencoded::parse(query.as_bytes()) {
                let schema = params
                    .into_iter()
                    .flatten()
                    .find(|p| p["in"] == "query" && p["name"] == *name);
                if let Some(problem) =
                    schema.and_then(|p| limits::check_length(&p["schema"], &value))
                {
                    problems.push(FieldError::new(name, problem));
                }
            }
            if !problems.is_empty() {
                return Err(Error::Unprocessable(problems));
            }
        }
        Ok(ApiQuery(parsed))
    }
}

/// `?limit=&after=` for list endpoints. `limit` is 1..=100 (default 50).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next` value of the previous page.
    pub after: Option<String>,
}

pub const MAX_PAGE: u32 = 100;

impl PageQuery {
    pub fn page(&self) -> Result<Page, Error> {
        let limit = self.limit.unwrap_or(50);
        if limit == 0 || limit > MAX_PAGE {
            return Err(Error::field(
                "limit",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        Ok(Page {
            limit,
            after: self.after.clone(),
        })
    }
}

/// The client's address as text: the peer, or behind a trusted proxy the address it forwarded
/// (see [`super::client`]).
#[derive(Clone, Debug)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let resolved = parts
            .extensions
            .get::<super::client::ClientAddr>()
            .map(|c| c.0)
            .or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|c| c.0.ip())
            });
        Ok(Self(resolved.map(|ip| ip.to_string())))
    }
}

/// A path parameter; one that does not parse (say, a malformed id) is simply not found.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|_| Error::NotFound)
    }
}

/// A present field, even `null`, is `Some` (to tell "clear it" from "leave it alone"); use with
/// `#[serde(default, deserialize_with = "present")]`.
#[allow(clippy::option_option)]
pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}
