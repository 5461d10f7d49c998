//! Charts drawn as inline SVG on the server: no script and no chart library. Each chart has a
//! `<title>` and an `aria-label` for screen readers, and every bar a `<title>` with its value;
//! pages also show the same numbers as a table.

use std::fmt::Write as _;

/// One bar: a label under it, and stacked parts (series name, value).
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub parts: Vec<(String, f64)>,
}

/// Colours for series, distinct for common colour blindness (Okabe–Ito).
const PALETTE: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
];

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 40.0;
const TOP: f64 = 12.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A round axis maximum at or above `max`: 1, 2 or 5 times a power of ten.
fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|v| *v >= max)
        .unwrap_or(10.0 * magnitude)
}

/// A stacked bar chart of `bars` (values in `unit`), with a legend of the series in order.
pub fn stacked_bars(title: &str, unit: &str, series: &[String], bars: &[Bar]) -> String {
    let max = bars
        .iter()
        .map(|b| b.parts.iter().map(|p| p.1).sum::<f64>())
        .fold(0.0, f64::max);
    let top = nice_ceiling(max);
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / bars.len().max(1) as f64;
    let bar_w = (slot * 0.7).max(1.0);
    let legend_h = 20.0 * series.len().div_ceil(4) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {h}" width="100%" aria-label="{t}"><title>{t}</title>"#,
        h = HEIGHT + legend_h,
        t = escape(title),
    );
    for i in 0..=4 {
        let value = top * f64::from(i) / 4.0;
        let y = TOP + plot_h - plot_h * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{WIDTH}" y1="{y:.1}" y2="{y:.1}" stroke="#ccc"/><text x="{x:.1}" y="{ty:.1}" text-anchor="end">{value}</text>"##,
            x = LEFT - 6.0,
            ty = y + 4.0,
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut y = TOP + plot_h;
        for (name, value) in &bar.parts {
            let h = plot_h * value / top;
            y -= h;
            let colour = series
                .iter()
                .position(|s| s == name)
                .map_or("#555", |i| PALETTE[i % PALETTE.len()]);
            let _ = write!(
                svg,
                r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{bar_w:.1}" height="{h:.1}" fill="{colour}"><title>{}: {} {value:.2} {}</title></rect>"#,
                escape(&bar.label),
                escape(name),
                escape(unit),
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{cx:.1}" y="{ly:.1}" text-anchor="middle">{}</text>"#,
            escape(&bar.label),
            cx = x + bar_w / 2.0,
            ly = HEIGHT - BOTTOM + 16.0,
        );
    }
    for (i, name) in series.iter().enumerate() {
        let (col, row) = (i % 4, i / 4);
        let (x, y) = (LEFT + 170.0 * col as f64, HEIGHT + 20.0 * row as f64);
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="{y:.1}" width="12" height="12" fill="{}"/><text x="{tx:.1}" y="{ty:.1}">{}</text>"#,
            PALETTE[i % PALETTE.len()],
            escape(name),
            tx = x + 16.0,
            ty = y + 11.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heights(svg: &str) -> Vec<f64> {
        svg.split(r#"class="bar""#)
            .skip(1)
            .map(|s| {
                let h = s.split("height=\"").nth(1).expect("height");
                h[..h.find('"').expect("end")].parse().expect("number")
            })
            .collect()
    }

    #[test]
    fn bars_are_proportional_to_their_values_on_a_round_axis() {
        let series = vec!["Assembly".to_owned(), "Warehouse".to_owned()];
        let bars = vec![
            Bar {
                label: "Mon 2".into(),
                parts: vec![("Assembly".into(), 9.0)],
            },
            Bar {
                label: "Tue 3".into(),
                parts: vec![("Assembly".into(), 4.5), ("Warehouse".into(), 4.5)],
            },
        ];
        let svg = stacked_bars("Hours per day", "h", &series, &bars);
        // The axis tops out at 10 h; the plot is 208 units tall.
        assert!(svg.contains(">10</text>"), "{svg}");
        let h = heights(&svg);
        assert_eq!(h.len(), 3);
        assert!((h[0] - 187.2).abs() < 0.11, "{h:?}");
        assert!(
            (h[1] - 93.6).abs() < 0.11 && (h[2] - 93.6).abs() < 0.11,
            "{h:?}"
        );
        assert!(svg.contains("<title>Tue 3: Warehouse 4.50 h</title>"));
        assert_eq!(
            svg.matches("#0072B2").count(),
            3,
            "two Assembly parts and its legend"
        );
    }

    #[test]
    fn labels_are_escaped_and_an_empty_chart_still_draws() {
        let series = vec!["R&D <lab>".to_owned()];
        let bars = vec![Bar {
            label: "\"x\"".into(),
            parts: vec![("R&D <lab>".into(), 1.0)],
        }];
        let svg = stacked_bars("a <b>", "h", &series, &bars);
        assert!(!svg.contains("<lab>") && !svg.contains("<b>"), "{svg}");
        assert!(svg.contains("R&amp;D &lt;lab&gt;") && svg.contains("&quot;x&quot;"));
        let empty = stacked_bars("Nothing", "h", &[], &[]);
        assert!(empty.starts_with("<svg") && empty.ends_with("</svg>"));
        assert!(heights(&empty).is_empty());
    }

    #[test]
    fn the_axis_ceiling_is_one_two_or_five_times_a_power_of_ten() {
        for (max, ceiling) in [
            (0.0, 1.0),
            (9.0, 10.0),
            (10.0, 10.0),
            (11.0, 20.0),
            (41.0, 50.0),
            (0.3, 0.5),
        ] {
            let got = nice_ceiling(max);
            assert!((got - ceiling).abs() < 1e-9, "{max} → {got}, not {ceiling}");
        }
    }
}
