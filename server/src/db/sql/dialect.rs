//! The stores' SQL is written for SQLite; [`to_postgres`] rewrites the little of it PostgreSQL
//! spells differently, so one statement serves both backends:
//!
//! - placeholders: `?N` becomes `$N` (a bare `?` takes the next number);
//! - the department filter `SELECT value FROM json_each(?N)` (a JSON array of ids, see
//!   [`super::dept_param`]) becomes `SELECT jsonb_array_elements_text(...)` over the same text;
//! - `json_extract(X, '$.a.b')` becomes `(CAST(X AS JSONB) #>> '{a,b}')`: the value as TEXT
//!   where SQLite gives it its JSON type, so a store compares it as text or casts it
//!   (`CAST(… AS DOUBLE PRECISION)`, `CAST(… AS TEXT)` mean the same on both);
//! - `group_concat(X)` becomes `string_agg(X, ',')`.
//!
//! Everything else a store writes is meant to mean the same on both (ANSI `IS DISTINCT FROM`,
//! `ON CONFLICT`, `COALESCE`, `RETURNING`); where it cannot, the store asks
//! [`super::Sql::dialect`] and writes each form itself (JSON paths, `group_concat`). String
//! literals are copied untouched.

use std::fmt::Write as _;

const JSON_EACH: &str = "SELECT value FROM json_each(";

/// The PostgreSQL text of a statement written for SQLite.
pub fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut next_bare = 1usize;
    let mut rest = sql;
    while let Some(c) = rest.chars().next() {
        if c == '\'' {
            // Copy the literal through its closing quote ('' is an escaped quote inside it).
            let end = rest[1..].find('\'').map_or(rest.len(), |i| i + 2);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else if c == '?' {
            let digits = rest[1..]
                .find(|ch: char| !ch.is_ascii_digit())
                .map_or(rest.len() - 1, |i| i);
            if digits == 0 {
                let _ = write!(out, "${next_bare}");
                next_bare += 1;
            } else {
                out.push('$');
                out.push_str(&rest[1..=digits]);
            }
            rest = &rest[1 + digits..];
        } else if let Some((name, args, used)) = call(rest, &["json_extract(", "group_concat("]) {
            let args: Vec<String> = args.iter().map(|a| to_postgres(a)).collect();
            match (name, args.as_slice()) {
                ("json_extract(", [value, path]) => {
                    let keys = path
                        .trim_matches('\'')
                        .trim_start_matches("$.")
                        .replace('.', ",");
                    let _ = write!(out, "(CAST({value} AS JSONB) #>> '{{{keys}}}')");
                }
                ("group_concat(", [value]) => {
                    let _ = write!(out, "string_agg({value}, ',')");
                }
                _ => out.push_str(&rest[..used]),
            }
            rest = &rest[used..];
        } else if rest.starts_with(JSON_EACH) {
            let inner_end = rest.find(')').unwrap_or(rest.len());
            let inner = to_postgres(&rest[JSON_EACH.len()..inner_end]);
            let _ = write!(
                out,
                "SELECT jsonb_array_elements_text(CAST(CAST({inner} AS TEXT) AS JSONB))"
            );
            rest = &rest[(inner_end + 1).min(rest.len())..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// When `text` starts with one of `names` (each ending in its opening parenthesis): which, its
/// arguments split at top-level commas, and the length up to its closing parenthesis.
fn call<'a>(text: &'a str, names: &[&'static str]) -> Option<(&'static str, Vec<&'a str>, usize)> {
    let name = *names.iter().find(|n| {
        text.get(..n.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(n))
    })?;
    let (mut depth, mut quoted, mut start) = (0usize, false, name.len());
    let mut args = Vec::new();
    for (i, c) in text.char_indices().skip(name.len()) {
        match c {
            '\'' => quoted = !quoted,
            _ if quoted => {}
            '(' => depth += 1,
            ')' if depth == 0 => {
                args.push(text[start..i].trim());
                return Some((name, args, i + 1));
            }
            ')' => depth -= 1,
            ',' if depth == 0 => {
                args.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::to_postgres;

    #[test]
    fn placeholders_are_numbered_and_literals_left_alone() {
        assert_eq!(
            to_postgres("SELECT a FROM t WHERE b = ?12 AND c = '?1 it''s' AND d = ? AND e = ?"),
            "SELECT a FROM t WHERE b = $12 AND c = '?1 it''s' AND d = $1 AND e = $2"
        );
    }

    #[test]
    fn the_department_filter_reads_the_same_json_array() {
        assert_eq!(
            to_postgres("x IN (SELECT value FROM json_each(?3)) AND y = ?4"),
            "x IN (SELECT jsonb_array_elements_text(CAST(CAST($3 AS TEXT) AS JSONB))) AND y = $4"
        );
    }

    #[test]
    fn json_paths_read_as_text_and_group_concat_joins_with_commas() {
        assert_eq!(
            to_postgres("SELECT json_extract(ev.payload, '$.body.liveness.live') = ?1"),
            "SELECT (CAST(ev.payload AS JSONB) #>> '{body,liveness,live}') = $1"
        );
        assert_eq!(
            to_postgres("(SELECT group_concat(department_id) FROM m WHERE m.u = ?2)"),
            "(SELECT string_agg(department_id, ',') FROM m WHERE m.u = $2)"
        );
    }
}
