//! The labour-cost forecast: the next period's cost learned from past periods. Pure.
//!
//! Method: Holt's linear exponential smoothing (level and trend), with the smoothing factors
//! chosen from a small grid by one-step-ahead error on the history itself. It needs no
//! training data beyond the series, copes with a trend (a growing team), and falls back to the
//! mean of the series when there are fewer than three periods. Its honesty check is the
//! held-out error: fit on all periods but the last, predict the last, compare.

use serde::Serialize;
use utoipa::ToSchema;

/// The smoothing factors tried for level (alpha) and trend (beta).
const GRID: [f64; 5] = [0.1, 0.3, 0.5, 0.7, 0.9];

/// One-step-ahead forecasts of `series` with Holt's method; returns the sum of absolute
/// errors and the forecast after the last value.
fn holt(series: &[f64], alpha: f64, beta: f64) -> (f64, f64) {
    let mut level = series[0];
    let mut trend = series[1] - series[0];
    let mut error = 0.0;
    for &y in &series[1..] {
        let predicted = level + trend;
        error += (y - predicted).abs();
        let previous = level;
        level = alpha * y + (1.0 - alpha) * (level + trend);
        trend = beta * (level - previous) + (1.0 - beta) * trend;
    }
    (error, (level + trend).max(0.0))
}

/// The forecast of the value after `series` (non-negative).
pub fn forecast_next(series: &[f64]) -> f64 {
    match series.len() {
        0 => 0.0,
        1 | 2 => series.iter().sum::<f64>() / series.len() as f64,
        _ => {
            let mut best = (f64::INFINITY, 0.0);
            for alpha in GRID {
                for beta in GRID {
                    let (error, next) = holt(series, alpha, beta);
                    if error < best.0 {
                        best = (error, next);
                    }
                }
            }
            best.1
        }
    }
}

/// How far the method was off on the last known period, fitted on the ones before it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Holdout {
    pub actual: f64,
    pub predicted: f64,
    /// |predicted − actual| / actual, in percent; absent when the actual is zero.
    pub error_percent: Option<f64>,
}

/// The held-out check, when there are at least two periods.
pub fn holdout(series: &[f64]) -> Option<Holdout> {
    let (&actual, history) = series.split_last()?;
    if history.is_empty() {
        return None;
    }
    let predicted = forecast_next(history);
    Some(Holdout {
        actual,
        predicted,
        error_percent: (actual > 0.0).then(|| 100.0 * (predicted - actual).abs() / actual),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_series_forecasts_itself() {
        assert!((forecast_next(&[100.0; 8]) - 100.0).abs() < 1e-9);
    }

    #[test]
    fn a_linear_trend_is_followed() {
        let series: Vec<f64> = (0..8).map(|i| 1000.0 + 50.0 * f64::from(i)).collect();
        assert!(
            (forecast_next(&series) - 1400.0).abs() < 1.0,
            "{}",
            forecast_next(&series)
        );
        let h = holdout(&series).expect("holdout");
        assert!(h.error_percent.expect("error") < 1.0, "{h:?}");
    }

    #[test]
    fn short_series_use_the_mean_and_never_go_negative() {
        assert!(forecast_next(&[]).abs() < f64::EPSILON);
        assert!((forecast_next(&[10.0, 20.0]) - 15.0).abs() < f64::EPSILON);
        assert!(forecast_next(&[100.0, 50.0, 0.0, 0.0]) >= 0.0);
        assert_eq!(holdout(&[5.0]), None);
    }

    #[test]
    fn noise_around_a_level_gives_a_bounded_holdout_error() {
        let series = [980.0, 1020.0, 1000.0, 990.0, 1015.0, 1005.0, 995.0, 1010.0];
        let h = holdout(&series).expect("holdout");
        assert!(h.error_percent.expect("error") < 5.0, "{h:?}");
    }
}
