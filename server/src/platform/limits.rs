//! Every text field's length limit, in one table that both sides read: the services validate
//! with these constants ([`super::validate::Check::text`]), and [`apply`] writes them into the
//! OpenAPI document as `minLength`/`maxLength`, so the document is never looser or stricter
//! than the server. A request string the table does not name gets [`DEFAULT`], and the
//! extractors refuse any string longer than its documented `maxLength` ([`check_value`]), so no
//! text field is unbounded.
//!
//! Lengths count characters (Unicode scalar values), as JSON Schema does. A `min` of 1 or more
//! means "not blank" for names and reasons (the document says so with the pattern `\S`), and
//! nothing more for secrets, where blanks count.

use attend_protocol::error::FieldError;
use serde_json::Value;

/// A text field's bounds: at least `min` characters, at most `max`, and what else the server
/// checks of its shape, as a JSON Schema pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    pub min: usize,
    pub max: usize,
    pub pattern: Option<&'static str>,
    /// A JSON Schema format, for a field whose type the document cannot see (a `uuid` behind
    /// an `Option<Option<_>>`).
    pub format: Option<&'static str>,
}

/// Text that must not be blank when `min` is 1 or more (the services trim before counting).
const fn text(min: usize, max: usize) -> Text {
    let pattern = if min > 0 { Some(NOT_BLANK) } else { None };
    Text {
        min,
        max,
        pattern,
        format: None,
    }
}

/// Text of a fixed shape, which the service checks (digits, a time of day, one of some words).
const fn shaped(min: usize, max: usize, pattern: &'static str) -> Text {
    Text {
        min,
        max,
        pattern: Some(pattern),
        format: None,
    }
}

/// Text taken as it is: blanks count (passwords).
const fn verbatim(min: usize, max: usize) -> Text {
    Text {
        min,
        max,
        pattern: None,
        format: None,
    }
}

const NOT_BLANK: &str = "\\S";
/// What [`super::validate::Check::email`] accepts: one `@`-free local part, and a domain with
/// a dot that does not start with one; no blanks.
pub const EMAIL_PATTERN: &str = "^[^@\\s]+@[^.\\s]\\S*\\.\\S*$";

pub const DISPLAY_NAME: Text = text(1, 120);
pub const EMPLOYEE_NUMBER: Text = text(1, 32);
/// Organisations, sites, departments and kiosks.
pub const NAME: Text = text(1, 120);
/// Shifts and leave types.
pub const SHORT_NAME: Text = text(1, 60);
pub const EQUIPMENT_NAME: Text = text(1, 80);
/// Corrections, equipment out of service.
pub const REASON: Text = text(1, 300);
/// Refusals and holds: rejected candidates, held events, rejected timesheets and requests.
pub const LONG_REASON: Text = text(1, 500);
pub const NOTE: Text = text(0, 500);
pub const EMAIL: Text = shaped(3, 254, EMAIL_PATTERN);
/// An equipment activation code (and the PINs kiosks still accept from before six digits).
pub const PIN: Text = shaped(4, 8, "^[0-9]{4,8}$");
/// A PIN set from now on (security review M5: a 4-digit PIN is one of 10,000).
pub const EMPLOYEE_PIN: Text = shaped(6, 8, "^[0-9]{6,8}$");
/// A sign-in's second-factor challenge, handed back as it was given.
pub const TOTP_CHALLENGE: Text = verbatim(1, 200);
/// Six digits from an authenticator app, or a recovery code.
pub const TOTP_CODE: Text = verbatim(1, 32);
/// A wall-clock time, `HH:MM`.
pub const TIME_OF_DAY: Text = shaped(5, 5, "^([01][0-9]|2[0-3]):[0-5][0-9]$");
pub const WEEKDAY: Text = shaped(
    6,
    9,
    "^(monday|tuesday|wednesday|thursday|friday|saturday|sunday)$",
);
pub const PUNCH_TYPE: Text = shaped(2, 11, "^(in|out|break_start|break_end)$");
pub const CONSENT: Text = shaped(7, 9, "^(not_asked|granted|withdrawn)$");
/// An IANA time zone name; whether the zone exists is the service's check.
pub const TIMEZONE: Text = verbatim(1, 64);
/// An id the document cannot type itself (behind `Option<Option<_>>`).
pub const UUID: Text = Text {
    min: 36,
    max: 36,
    pattern: None,
    format: Some("uuid"),
};
pub const PASSWORD: Text = verbatim(10, 256);
/// A password being checked (sign-in): any length the server could have stored.
pub const PASSWORD_GIVEN: Text = verbatim(1, 256);
/// A rate-limit block's key, e.g. `ip:2001:db8::1` or `user:<uuid>`.
pub const BLOCK_KEY: Text = verbatim(1, 200);
/// Opaque tokens and codes a client hands back (refresh, reset and invite tokens, cursors).
pub const TOKEN: Text = verbatim(1, 512);
/// An attachment's file name: no path separators or control characters.
pub const FILENAME: Text = shaped(1, 200, FILENAME_PATTERN);
const FILENAME_PATTERN: &str = "^[^/\\\\\\u0000-\\u001f\\u007f-\\u009f]*[^/\\\\\\s\\u0000-\\u001f\\u007f-\\u009f][^/\\\\\\u0000-\\u001f\\u007f-\\u009f]*$";
/// A kiosk's enrolment thumbnail: the protocol's own bound (≈ 48 KiB of JPEG).
pub const THUMBNAIL: Text = verbatim(0, attend_protocol::validate::MAX_THUMBNAIL_BASE64);
/// A face punch's evidence picture: the protocol's own bound (≈ 12 KiB of JPEG).
pub const EVIDENCE_PICTURE: Text =
    verbatim(0, attend_protocol::validate::MAX_EVIDENCE_PICTURE_BASE64);
/// Any other request string.
pub const DEFAULT: Text = verbatim(0, 1_000);

/// The fields whose limit is not [`DEFAULT`]: (request schema, property, limit); a query
/// parameter's schema is `""`.
pub const FIELDS: &[(&str, &str, Text)] = &[
    ("", "filename", FILENAME),
    ("CreateEmployee", "display_name", DISPLAY_NAME),
    ("CreateEmployee", "employee_number", EMPLOYEE_NUMBER),
    ("PatchEmployee", "display_name", DISPLAY_NAME),
    ("RegisterRequest", "display_name", DISPLAY_NAME),
    ("RegisterRequest", "employee_number", EMPLOYEE_NUMBER),
    ("RegisterRequest", "email", EMAIL),
    ("RegisterRequest", "password", PASSWORD),
    ("AcceptInviteRequest", "display_name", DISPLAY_NAME),
    ("AcceptInviteRequest", "password", PASSWORD),
    ("AcceptInviteRequest", "email", EMAIL),
    ("CreateEmployee", "email", EMAIL),
    ("CreateEmployee", "pin", EMPLOYEE_PIN),
    ("CreateEmployee", "consent", CONSENT),
    ("PatchEmployee", "email", EMAIL),
    ("PatchEmployee", "pin", EMPLOYEE_PIN),
    ("EnrolmentCandidate", "thumbnail_jpeg_base64", THUMBNAIL),
    ("LivenessEvidence", "picture_jpeg_base64", EVIDENCE_PICTURE),
    ("TotpLoginRequest", "challenge", TOTP_CHALLENGE),
    ("TotpLoginRequest", "code", TOTP_CODE),
    ("TotpCode", "code", TOTP_CODE),
    ("DisableTotpRequest", "password", PASSWORD_GIVEN),
    ("DisableTotpRequest", "code", TOTP_CODE),
    ("PatchEmployee", "consent", CONSENT),
    ("PatchEmployee", "department_id", UUID),
    ("PatchEmployee", "site_id", UUID),
    ("PatchUser", "employee_id", UUID),
    ("PatchUser", "departments", UUID),
    ("PatchEquipment", "required_qualification_id", UUID),
    ("CreateEquipment", "activation_code", PIN),
    ("NewCode", "activation_code", PIN),
    ("CreateShift", "start", TIME_OF_DAY),
    ("CreateShift", "end", TIME_OF_DAY),
    ("RequestCorrection", "punch_type", PUNCH_TYPE),
    ("NewSite", "timezone", TIMEZONE),
    ("Decision", "reason", NOTE),
    ("PunchSites", "site_ids", UUID),
    ("SetSchedule", "weekdays", WEEKDAY),
    ("CreateUser", "display_name", DISPLAY_NAME),
    ("CreateUser", "email", EMAIL),
    ("CreateUser", "password", PASSWORD),
    ("LoginRequest", "email", EMAIL),
    ("LoginRequest", "password", PASSWORD_GIVEN),
    ("ChangePasswordRequest", "current_password", PASSWORD_GIVEN),
    ("ChangePasswordRequest", "new_password", PASSWORD),
    ("ResetRequest", "email", EMAIL),
    ("ResetConfirm", "token", TOKEN),
    ("ResetConfirm", "new_password", PASSWORD),
    ("RefreshRequest", "refresh_token", TOKEN),
    ("InviteRequest", "email", EMAIL),
    ("NewOrganisation", "name", NAME),
    ("NewSite", "name", NAME),
    ("NewDepartment", "name", NAME),
    ("CreateDevice", "name", NAME),
    ("CreateShift", "name", SHORT_NAME),
    ("CreateLeaveType", "name", SHORT_NAME),
    ("RequestLeave", "note", NOTE),
    ("CreateEquipment", "name", EQUIPMENT_NAME),
    ("PatchEquipment", "name", EQUIPMENT_NAME),
    ("CreateQualification", "name", EQUIPMENT_NAME),
    ("RequestCorrection", "reason", REASON),
    ("HoldReason", "reason", LONG_REASON),
    ("RejectCandidate", "reason", LONG_REASON),
    ("RejectTimesheet", "reason", LONG_REASON),
    ("DiscardRequest", "reason", LONG_REASON),
    ("RejectFlagged", "reason", LONG_REASON),
];

/// The limit of `property` in the request schema `schema`.
pub fn limit(schema: &str, property: &str) -> Text {
    FIELDS
        .iter()
        .find(|(s, p, _)| *s == schema && *p == property)
        .map_or(DEFAULT, |(_, _, t)| *t)
}

/// Whether a string schema is bounded by its shape (an enum, a UUID, a date) rather than a
/// length.
pub fn bounded_by_shape(schema: &Value) -> bool {
    schema.get("enum").is_some()
        || matches!(
            schema["format"].as_str(),
            Some("uuid" | "date" | "date-time" | "time" | "byte")
        )
}

pub fn is_string(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "string",
        Value::Array(ts) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// Writes the limits into every schema a request body or query can reach.
pub fn apply(doc: &mut Value) {
    let mut names = Vec::new();
    for op in operations(doc) {
        if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
            collect_refs(doc, schema, &mut names);
        }
    }
    for name in &names {
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
            bound_strings(schema, name, "");
        }
    }
    let paths = doc["paths"].as_object_mut().expect("paths");
    for item in paths.values_mut() {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            if let Some(schema) = op.pointer_mut("/requestBody/content/application~1json/schema") {
                bound_strings(schema, "", "");
            }
            for param in op["parameters"].as_array_mut().into_iter().flatten() {
                let name = param["name"].as_str().unwrap_or_default().to_owned();
                if let Some(schema) = param.get_mut("schema") {
                    bound_strings(schema, "", &name);
                }
            }
        }
    }
}

fn operations(doc: &Value) -> Vec<Value> {
    doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .flat_map(|item| item.as_object().into_iter().flat_map(|o| o.values()))
        .filter(|op| op.get("responses").is_some())
        .cloned()
        .collect()
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema["$ref"]
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

fn collect_refs(doc: &Value, schema: &Value, names: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(name) = ref_name(schema) {
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_owned());
                    if let Some(target) = doc.pointer(&format!("/components/schemas/{name}")) {
                        collect_refs(doc, target, names);
                    }
                }
                return;
            }
            for value in map.values() {
                collect_refs(doc, value, names);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(doc, v, names)),
        _ => {}
    }
}

fn bound_strings(schema: &mut Value, owner: &str, property: &str) {
    if is_string(schema) && !bounded_by_shape(schema) && schema.get("maxLength").is_none() {
        let t = limit(owner, property);
        schema["maxLength"] = t.max.into();
        if let Some(format) = t.format {
            schema["format"] = format.into();
        }
        if t.min > 0 {
            schema["minLength"] = t.min.into();
        }
        if let Some(pattern) = t.pattern {
            schema["pattern"] = pattern.into();
        }
    }
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, prop) in props.iter_mut() {
            bound_strings(prop, owner, name);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = schema.get_mut(key).filter(|v| v.is_object()) {
            bound_strings(inner, owner, property);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for inner in schema
            .get_mut(key)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            bound_strings(inner, owner, property);
        }
    }
}

/// The string-length problems of `value` against `schema` (a request body's, from the
/// document `doc`), each naming its field.
pub fn check_value(doc: &Value, schema: &Value, value: &Value, field: &str) -> Vec<FieldError> {
    let mut problems = Vec::new();
    walk(doc, schema, value, field, &mut problems, 0);
    problems
}

fn walk(
    doc: &Value,
    schema: &Value,
    value: &Value,
    field: &str,
    out: &mut Vec<FieldError>,
    depth: u8,
) {
    // Request schemas are shallow; the bound only guards against a cycle of references.
    if depth > 32 {
        return;
    }
    if let Some(name) = ref_name(schema) {
        if let Some(target) = doc.pointer(&format!("/components/schemas/{name}")) {
            walk(doc, target, value, field, out, depth + 1);
        }
        return;
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for inner in schema[key].as_array().into_iter().flatten() {
            walk(doc, inner, value, field, out, depth + 1);
        }
    }
    match value {
        // serde reads a struct from an array too; the document says object.
        Value::Array(_) if schema["type"] == "object" => {
            let name = if field.is_empty() { "body" } else { field };
            out.push(FieldError::new(name, "must be a JSON object"));
        }
        Value::String(s) if is_string(schema) => {
            if let Some(problem) = check_length(schema, s) {
                let name = if field.is_empty() { "body" } else { field };
                out.push(FieldError::new(name, problem));
            }
        }
        Value::Object(map) => {
            let Some(props) = schema["properties"].as_object() else {
                return;
            };
            for (name, inner) in map {
                if let Some(prop) = props.get(name) {
                    let path = if field.is_empty() {
                        name.clone()
                    } else {
                        format!("{field}.{name}")
                    };
                    walk(doc, prop, inner, &path, out, depth + 1);
                }
            }
        }
        Value::Array(items) if schema["items"].is_object() => {
            for (i, inner) in items.iter().enumerate() {
                let at = format!("{field}[{i}]");
                walk(doc, &schema["items"], inner, &at, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Why `value` is longer than the string schema `schema` allows, if it is. Only the maximum:
/// a field too short or blank is the service's to report, with every other problem of the
/// request at once (its own checks use the same table).
pub fn check_length(schema: &Value, value: &str) -> Option<String> {
    let max = schema["maxLength"]
        .as_u64()
        .and_then(|m| usize::try_from(m).ok())?;
    (value.chars().count() > max).then(|| format!("must be at most {max} characters"))
}
