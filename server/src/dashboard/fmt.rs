//! How pages show times and durations: wall-clock times in the site's zone, and decimal hours
//! (the payroll report's rounding).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use minijinja::Value;
use serde::Serialize;

pub use crate::features::reports::payroll::hours;

/// `at` on the wall clock of `zone` (UTC if unknown): `14:05` today, else `Mon 3 Mar 14:05`.
pub fn wall_clock(at: Timestamp, zone: Option<&str>, now: Timestamp) -> String {
    let tz = zone
        .and_then(|z| TimeZone::get(z).ok())
        .unwrap_or(TimeZone::UTC);
    let (at, now) = (at.to_zoned(tz.clone()), now.to_zoned(tz));
    if at.date() == now.date() {
        at.strftime("%H:%M").to_string()
    } else {
        at.strftime("%a %-d %b %H:%M").to_string()
    }
}

/// Any serialisable value for a template.
pub fn v<T: Serialize>(value: &T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// An empty form choice ("all") as `None`; anything else must parse.
pub fn empty_is_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr<Err: std::fmt::Display>,
{
    let text = <Option<String> as serde::Deserialize>::deserialize(d)?.unwrap_or_default();
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.trim()
        .parse()
        .map(Some)
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_uses_the_sites_zone_and_names_other_days() {
        let now: Timestamp = "2026-03-02T12:00:00Z".parse().expect("ts");
        let at: Timestamp = "2026-03-02T09:30:00Z".parse().expect("ts");
        assert_eq!(wall_clock(at, Some("America/New_York"), now), "04:30");
        assert_eq!(wall_clock(at, None, now), "09:30");
        let before: Timestamp = "2026-02-27T22:15:00Z".parse().expect("ts");
        assert_eq!(
            wall_clock(before, Some("Europe/Lisbon"), now),
            "Fri 27 Feb 22:15"
        );
    }
}
