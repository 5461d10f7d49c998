//! SQLite's storage classes on PostgreSQL's wire: [`Param`] sends a value as whatever type the
//! server inferred for its placeholder, [`Cell`] reads any column the schema has back into one.
//!
//! A placeholder's type is PostgreSQL's inference from the statement (`org_id = $1` makes `$1`
//! TEXT, `LIMIT $3` BIGINT, `NOT $4` BOOLEAN), so a value is converted the way SQLite's type
//! affinity would: an INTEGER sent to a TEXT placeholder becomes its decimal text, to a
//! BOOLEAN `<> 0`. A conversion that would lose or invent data (text into a number, a blob
//! into text) is refused with the placeholder's type named.

use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex, PoisonError};

use bytes::{BufMut, BytesMut};
use rusqlite::types::{ToSqlOutput, Value};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Kind;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// One parameter, owned.
#[derive(Debug)]
pub(crate) struct Param(Value);

impl Param {
    pub(crate) fn of(out: ToSqlOutput<'_>) -> rusqlite::Result<Self> {
        let value = match out {
            ToSqlOutput::Borrowed(v) => Value::from(v),
            ToSqlOutput::Owned(v) => v,
            other => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    format!("a parameter PostgreSQL cannot take: {other:?}").into(),
                ));
            }
        };
        Ok(Self(value))
    }

    pub(crate) fn refs(values: &[Self]) -> Vec<&(dyn ToSql + Sync)> {
        values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
    }
}

fn refused(value: &Value, ty: &Type) -> BoxError {
    format!(
        "a {:?} value cannot be sent as PostgreSQL {ty}",
        value.data_type()
    )
    .into()
}

impl ToSql for Param {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let textual = matches!(
            *ty,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::JSON
        );
        match &self.0 {
            Value::Null => return Ok(IsNull::Yes),
            Value::Integer(i) => match *ty {
                Type::INT8 => out.put_i64(*i),
                Type::INT4 => out.put_i32(i32::try_from(*i)?),
                Type::INT2 => out.put_i16(i16::try_from(*i)?),
                Type::BOOL => out.put_u8(u8::from(*i != 0)),
                #[allow(clippy::cast_precision_loss)] // SQLite's own integer-to-real conversion
                Type::FLOAT8 => out.put_f64(*i as f64),
                _ if textual => out.put_slice(i.to_string().as_bytes()),
                _ => return Err(refused(&self.0, ty)),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => out.put_f64(*f),
                #[allow(clippy::cast_possible_truncation)]
                Type::FLOAT4 => out.put_f32(*f as f32),
                _ if textual => out.put_slice(f.to_string().as_bytes()),
                _ => return Err(refused(&self.0, ty)),
            },
            Value::Text(t) => match *ty {
                Type::JSONB => {
                    out.put_u8(1);
                    out.put_slice(t.as_bytes());
                }
                _ if textual => out.put_slice(t.as_bytes()),
                _ => return Err(refused(&self.0, ty)),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => out.put_slice(b),
                _ => return Err(refused(&self.0, ty)),
            },
        }
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Placeholders PostgreSQL could not type from their statement (`$2 IS NULL OR id < $2` types
/// nothing: the first use decides and says nothing), by statement text, with the type that
/// prepared: a value's own storage class, or for a NULL the first of [`NULL_GUESSES`] that did.
static TYPED: LazyLock<Mutex<HashMap<String, Typed>>> = LazyLock::new(Mutex::default);

/// Placeholder positions (zero-based) with the type each is prepared as.
type Typed = Vec<(usize, Type)>;

/// Statement texts known to prepare (with the placeholders in [`TYPED`] typed).
static PREPARES: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Mutex::default);

/// What a NULL in an untyped placeholder is tried as, in order.
const NULL_GUESSES: [Type; 4] = [Type::TEXT, Type::INT8, Type::FLOAT8, Type::BYTEA];

fn typed_of(text: &str) -> Vec<(usize, Type)> {
    TYPED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(text)
        .cloned()
        .unwrap_or_default()
}

/// The placeholder PostgreSQL says it could not type (42P08, 42P18), zero-based.
fn untyped_position(e: &tokio_postgres::Error) -> Option<usize> {
    e.as_db_error()
        .filter(|d| {
            [
                SqlState::AMBIGUOUS_PARAMETER,
                SqlState::INDETERMINATE_DATATYPE,
            ]
            .contains(d.code())
        })
        .and_then(|d| d.message().rsplit_once('$'))
        .and_then(|(_, n)| n.parse::<usize>().ok())
        .and_then(|n| n.checked_sub(1))
}

/// Prepares `text` through the transaction's statement cache. A placeholder PostgreSQL cannot
/// type is typed as [`TYPED`] says, learned on first use; a failed prepare aborts the
/// transaction it runs in, so a text not yet known to prepare is tried inside a savepoint.
pub(crate) fn prepare(
    rt: &tokio::runtime::Handle,
    tx: &deadpool_postgres::Transaction<'_>,
    text: &str,
    values: &[Param],
) -> Result<tokio_postgres::Statement, tokio_postgres::Error> {
    let known = PREPARES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains(text);
    if known {
        return prepare_typed(rt, tx, text, values.len(), &typed_of(text));
    }
    let run = |sql: &str| rt.block_on(tx.batch_execute(sql));
    let mut typed = typed_of(text);
    // Positions whose NULL is being guessed, with the guess tried now.
    let mut guessing: Vec<(usize, usize)> = Vec::new();
    loop {
        run("SAVEPOINT attend_prepare")?;
        let e = match prepare_typed(rt, tx, text, values.len(), &typed) {
            Ok(stmt) => {
                run("RELEASE SAVEPOINT attend_prepare")?;
                TYPED
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(text.to_owned(), typed);
                PREPARES
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(text.to_owned());
                return Ok(stmt);
            }
            Err(e) => e,
        };
        run("ROLLBACK TO SAVEPOINT attend_prepare; RELEASE SAVEPOINT attend_prepare")?;
        match (untyped_position(&e), guessing.last_mut()) {
            (Some(i), _) if i < values.len() && typed.iter().all(|(p, _)| *p != i) => {
                let ty = match &values[i].0 {
                    Value::Null => {
                        guessing.push((i, 0));
                        NULL_GUESSES[0].clone()
                    }
                    _ => values[i].storage_type(),
                };
                typed.push((i, ty));
            }
            // The statement typed, but a guessed NULL's type does not fit where it is used.
            (None, Some((i, guess))) if *guess + 1 < NULL_GUESSES.len() => {
                *guess += 1;
                let (i, guess) = (*i, *guess);
                for (p, ty) in &mut typed {
                    if *p == i {
                        *ty = NULL_GUESSES[guess].clone();
                    }
                }
            }
            _ => return Err(e),
        }
    }
}

/// Prepares with the placeholders in `typed` given those types, the rest inferred.
fn prepare_typed(
    rt: &tokio::runtime::Handle,
    tx: &deadpool_postgres::Transaction<'_>,
    text: &str,
    count: usize,
    typed: &[(usize, Type)],
) -> Result<tokio_postgres::Statement, tokio_postgres::Error> {
    if typed.is_empty() {
        return rt.block_on(tx.prepare_cached(text));
    }
    let unspecified = Type::new("unspecified".into(), 0, Kind::Pseudo, String::new());
    let mut types = vec![unspecified; count];
    for (i, ty) in typed {
        if let Some(t) = types.get_mut(*i) {
            *t = ty.clone();
        }
    }
    rt.block_on(tx.prepare_typed_cached(text, &types))
}

impl Param {
    /// The PostgreSQL type of this value's storage class (TEXT for NULL).
    fn storage_type(&self) -> Type {
        match self.0 {
            Value::Integer(_) => Type::INT8,
            Value::Real(_) => Type::FLOAT8,
            Value::Blob(_) => Type::BYTEA,
            Value::Null | Value::Text(_) => Type::TEXT,
        }
    }
}

/// One column's value read back as a storage class.
pub(crate) struct Cell(pub(crate) Value);

impl<'a> FromSql<'a> for Cell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let value = match *ty {
            Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Integer(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Integer(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Integer(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Value::Blob(raw.to_vec()),
            Type::JSONB => Value::Text(std::str::from_utf8(raw.get(1..).unwrap_or(&[]))?.into()),
            _ => Value::Text(std::str::from_utf8(raw)?.to_owned()),
        };
        Ok(Self(value))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Self(Value::Null))
    }

    fn accepts(ty: &Type) -> bool {
        // Every type the schema and its queries produce; anything else would read as text.
        !matches!(
            *ty,
            Type::TIMESTAMPTZ | Type::TIMESTAMP | Type::DATE | Type::UUID
        )
    }
}

/// A NUMERIC (what `SUM` of BIGINTs gives) as an INTEGER when it is whole, else a REAL: the
/// binary form is a sign, a weight and base-10000 digits.
fn numeric(raw: &[u8]) -> Result<Value, BoxError> {
    let word = |i: usize| -> Result<i16, BoxError> {
        let b = raw.get(i * 2..i * 2 + 2).ok_or("a truncated NUMERIC")?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    };
    let (ndigits, weight, sign, scale) = (word(0)?, word(1)?, word(2)? as u16, word(3)?);
    if sign == 0xC000 {
        return Ok(Value::Real(f64::NAN));
    }
    let mut whole: i128 = 0;
    let mut fraction = 0f64;
    for i in 0..usize::try_from(ndigits)? {
        let digit = i128::from(word(4 + i)?);
        let power = i32::from(weight) - i32::try_from(i)?;
        if power >= 0 {
            whole += digit * 10_000i128.pow(u32::try_from(power)?);
        } else {
            #[allow(clippy::cast_precision_loss)]
            let part = digit as f64 * 10_000f64.powi(power);
            fraction += part;
        }
    }
    let negative = sign == 0x4000;
    if scale == 0 || fraction == 0.0 {
        let whole = if negative { -whole } else { whole };
        if let Ok(i) = i64::try_from(whole) {
            return Ok(Value::Integer(i));
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let magnitude = whole as f64 + fraction;
    Ok(Value::Real(if negative { -magnitude } else { magnitude }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(ndigits: i16, weight: i16, sign: u16, scale: i16, digits: &[i16]) -> Vec<u8> {
        let mut out = Vec::new();
        for w in [ndigits, weight, sign as i16, scale].iter().chain(digits) {
            out.extend_from_slice(&w.to_be_bytes());
        }
        out
    }

    #[test]
    fn numerics_read_as_integers_when_whole_and_reals_otherwise() {
        // 123456789 = 1|2345|6789 with weight 2.
        let n = encoded(3, 2, 0, 0, &[1, 2345, 6789]);
        assert_eq!(numeric(&n).expect("whole"), Value::Integer(123_456_789));
        let n = encoded(1, 0, 0x4000, 0, &[42]);
        assert_eq!(numeric(&n).expect("negative"), Value::Integer(-42));
        // 1.5 = 1 . 5000
        let n = encoded(2, 0, 0, 1, &[1, 5000]);
        assert_eq!(numeric(&n).expect("fraction"), Value::Real(1.5));
        // 0 has no digits.
        assert_eq!(
            numeric(&encoded(0, 0, 0, 0, &[])).expect("zero"),
            Value::Integer(0)
        );
    }

    #[test]
    fn a_value_is_refused_as_a_type_it_would_be_mangled_into() {
        let mut out = BytesMut::new();
        let text = Param(Value::Text("seven".into()));
        let Err(err) = text.to_sql(&Type::INT8, &mut out) else {
            panic!("text sent as a number");
        };
        assert!(err.to_string().contains("int8"), "{err}");
        let int = Param(Value::Integer(7));
        assert!(matches!(int.to_sql(&Type::TEXT, &mut out), Ok(IsNull::No)));
        assert_eq!(&out[..], b"7");
        out.clear();
        int.to_sql(&Type::BOOL, &mut out)
            .expect("integer as a flag");
        assert_eq!(&out[..], &[1]);
    }
}
