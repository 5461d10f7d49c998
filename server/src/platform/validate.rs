//! Input validation that names the field: a [`Check`] collects every problem of one request so
//! a single answer (422) lists all of them. Services validate with it before they touch a store.

use attend_protocol::error::FieldError;

use super::error::Error;
use super::limits::{self, Text};

/// Collects field problems so one answer lists all of them.
#[derive(Debug, Default)]
pub struct Check(Vec<FieldError>);

impl Check {
    /// Checks `value` against its limit from [`limits`] (the same the API document states).
    pub fn text(&mut self, field: &str, value: &str, limit: Text) -> &mut Self {
        let Text { min, max, .. } = limit;
        let len = value.trim().chars().count();
        if value.contains('\0') {
            self.0
                .push(FieldError::new(field, "must not contain the NUL character"));
        } else if len < min || value.chars().count() > max {
            self.0.push(FieldError::new(
                field,
                format!("must be {min} to {max} characters"),
            ));
        }
        self
    }

    pub fn email(&mut self, field: &str, value: &str) -> &mut Self {
        // Characters, not bytes: the document's `maxLength` counts characters.
        let ok = value.chars().count() <= limits::EMAIL.max
            && value.split_once('@').is_some_and(|(user, domain)| {
                !user.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !value.contains(|c: char| c.is_whitespace() || c.is_control())
            });
        if !ok {
            self.0
                .push(FieldError::new(field, "must be an e-mail address"));
        }
        self
    }

    pub fn password(&mut self, field: &str, value: &str) -> &mut Self {
        let len = value.chars().count();
        let Text { min, max, .. } = limits::PASSWORD;
        if value.contains('\0') {
            self.0
                .push(FieldError::new(field, "must not contain the NUL character"));
        } else if !(min..=max).contains(&len) {
            self.0.push(FieldError::new(
                field,
                format!("must be {min} to {max} characters"),
            ));
        }
        self
    }

    pub fn timezone(&mut self, field: &str, value: &str) -> &mut Self {
        if jiff::tz::TimeZone::get(value).is_err() {
            self.0.push(FieldError::new(
                field,
                format!("`{value}` is not an IANA time zone"),
            ));
        }
        self
    }

    pub fn fail(&mut self, field: &str, message: &str) -> &mut Self {
        self.0.push(FieldError::new(field, message));
        self
    }

    pub fn finish(&mut self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Unprocessable(std::mem::take(&mut self.0)))
        }
    }
}
