//! Every dashboard page, audited in a real Chromium for what assistive technology and
//! keyboard users depend on: each form control has a label, each image a text alternative,
//! each table a caption, no positive tabindex (the focus order is the page order, which starts
//! with a skip link), and text contrast of at least 4.5:1 (WCAG AA) against its background.

use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::json;

use crate::browser::{browser, shown, sign_in};
use crate::helpers::{spawn_app, world};

/// Problems on the current page, as sentences (empty when it passes).
const AUDIT: &str = r#"
const problems = [];
const visible = (e) => e.offsetParent !== null || e.getClientRects().length > 0;
for (const c of document.querySelectorAll('input, select, textarea')) {
  if (c.type === 'hidden' || !visible(c)) continue;
  const labelled = (c.id && document.querySelector(`label[for="${c.id}"]`)) || c.closest('label') || c.getAttribute('aria-label');
  if (!labelled) problems.push(`unlabelled ${c.tagName.toLowerCase()} name=${c.name}`);
}
for (const i of document.querySelectorAll('img')) {
  if (!i.getAttribute('alt')) problems.push(`image without alt: ${i.src}`);
}
for (const s of document.querySelectorAll('svg[role=img]')) {
  if (!s.getAttribute('aria-label')) problems.push('chart without aria-label');
}
for (const t of document.querySelectorAll('table')) {
  if (!t.querySelector('caption')) problems.push(`table without caption: ${t.id}`);
}
for (const e of document.querySelectorAll('[tabindex]')) {
  if (parseInt(e.getAttribute('tabindex'), 10) > 0) problems.push(`positive tabindex on ${e.tagName}`);
}
const focusable = document.querySelector('a[href], button, input:not([type=hidden]), select, textarea');
if (!focusable || !focusable.classList.contains('skip')) problems.push('the first focusable element is not the skip link');
const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const background = (e) => {
  for (let n = e; n; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
  }
  return [255, 255, 255];
};
for (const e of document.querySelectorAll('body *')) {
  if (!visible(e) || e.closest('svg') || e.classList.contains('skip')) continue;
  const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const fg = rgb(getComputedStyle(e).color).slice(0, 3);
  const [a, b] = [lum(fg), lum(background(e))];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)}:1 on "${e.textContent.trim().slice(0, 40)}"`);
}
return problems;
"#;

async fn audit(c: &Client, base: &str, path: &str) -> Vec<String> {
    c.goto(&format!("{base}{path}")).await.expect("page loads");
    shown(c, Locator::Css("main h1")).await;
    let found = c.execute(AUDIT, vec![]).await.expect("audit ran");
    found
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| format!("{path}: {}", p.as_str().unwrap_or("?")))
        .collect()
}

#[tokio::test]
async fn every_dashboard_page_has_labels_alternatives_captions_focus_order_and_contrast() {
    let app = spawn_app().await;
    let w = world(&app).await;
    crate::reports::seed_february(&app, &w).await;
    let kind = app
        .post(
            "/api/v1/leave-types",
            Some(&w.a.admin),
            json!({"name": "Annual", "paid": true}),
        )
        .await
        .id();
    let r = app
        .post(
            &format!("/api/v1/employees/{}/leave", w.a.employee),
            Some(&w.a.employee_token),
            json!({"leave_type_id": kind, "first_day": "2026-03-02", "last_day": "2026-03-03"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let (_driver, c) = browser().await;
    let mut problems = audit(&c, &app.base, "/dashboard/login").await;
    // The pages mailed links open, before anyone is signed in.
    for path in [
        "/dashboard/invite?code=ABCD-EFGH-JKMN&email=new%40a.example",
        "/dashboard/reset-password?token=t0ken",
        "/dashboard/reset-password",
    ] {
        problems.extend(audit(&c, &app.base, path).await);
    }
    sign_in(&c, &app.base, "admin@a.example").await;
    for path in [
        "/dashboard".to_owned(),
        "/dashboard/live".into(),
        "/dashboard/attendance?from=2026-02-02&to=2026-02-13".into(),
        "/dashboard/timesheets?status=approved".into(),
        format!("/dashboard/timesheets/{}/2026-02-01", w.a.employee),
        "/dashboard/leave".into(),
        "/dashboard/equipment".into(),
        "/dashboard/devices".into(),
        "/dashboard/people".into(),
        format!("/dashboard/people/{}", w.a.employee),
        "/dashboard/reports?date=2026-02-14".into(),
        format!("/dashboard/people/{}", w.b.employee),
        "/dashboard/security".into(),
    ] {
        problems.extend(audit(&c, &app.base, &path).await);
    }
    assert!(problems.is_empty(), "{problems:#?}");

    // The audit itself catches each kind of problem it claims to.
    c.execute(
        "const m = document.querySelector('main');
         m.insertAdjacentHTML('beforeend', '<input name=\"bare\"><p id=\"faint\">faint</p><img src=\"x.png\"><table><tr><td>1</td></tr></table><a href=\"#\" tabindex=\"3\">jump</a>');
         // Set through the CSSOM: the pages' CSP forbids inline style attributes.
         document.getElementById('faint').style.color = '#bbb';",
        vec![],
    )
    .await
    .expect("injected");
    let found = c.execute(AUDIT, vec![]).await.expect("audit ran");
    let found: Vec<&str> = found
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    for expected in [
        "unlabelled input name=bare",
        "image without alt",
        "table without caption",
        "positive tabindex on A",
        "contrast 1.84:1 on \"faint\"",
    ] {
        assert!(
            found.iter().any(|p| p.starts_with(expected)),
            "{expected} not caught: {found:?}"
        );
    }
    c.close().await.expect("closed");
}
