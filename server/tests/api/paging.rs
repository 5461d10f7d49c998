//! Reading a paged list to its end, and what every paged list must hold to.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;

/// Every page of a list, `limit` items a page, following `next` from the first: the items in
/// order and each page's length. `path` may carry a query of its own; `at` points at the
/// `{items, next}` object in the body (`""`: the body is the page).
pub async fn every_page(
    app: &TestApp,
    path: &str,
    token: &str,
    at: &str,
    limit: u32,
) -> (Vec<Value>, Vec<usize>) {
    let join = if path.contains('?') { '&' } else { '?' };
    let (mut items, mut sizes, mut after) = (Vec::new(), Vec::new(), None::<String>);
    loop {
        let after_key: String = after
            .iter()
            .flat_map(|key| form_urlencoded::byte_serialize(key.as_bytes()))
            .collect();
        let url = match &after {
            Some(_) => format!("{path}{join}limit={limit}&after={after_key}"),
            None => format!("{path}{join}limit={limit}"),
        };
        let r = app.get(&url, token).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        let page = r.body.pointer(at).expect("a page");
        let got = page["items"].as_array().expect("items");
        sizes.push(got.len());
        items.extend(got.iter().cloned());
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return (items, sizes),
        }
        assert!(sizes.len() < 1_000, "the pages of {path} never end");
    }
}

/// Follows every page of `path` and checks what paging promises (security review L7): more
/// than one page, none above `limit`, newest first by `sort_field` with ties broken by id and
/// nothing repeated, and together exactly the ids `expected`.
pub async fn assert_pages_hold_each_once(
    app: &TestApp,
    path: &str,
    token: &str,
    at: &str,
    limit: u32,
    sort_field: &str,
    mut expected: Vec<String>,
) {
    let (items, sizes) = every_page(app, path, token, at, limit).await;
    assert!(sizes.len() > 1, "{path}: more than one page: {sizes:?}");
    assert!(
        sizes.iter().all(|&n| n <= limit as usize),
        "{path}: {sizes:?}"
    );
    let key = |item: &Value| {
        let (sort, id) = (item[sort_field].as_str(), item["id"].as_str());
        (
            sort.expect(sort_field).to_owned(),
            id.expect("id").to_owned(),
        )
    };
    let keys: Vec<_> = items.iter().map(key).collect();
    assert!(
        keys.windows(2).all(|p| p[0] > p[1]),
        "{path}: newest first, no repeats: {keys:?}"
    );
    let mut got: Vec<String> = keys.into_iter().map(|(_, id)| id).collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "{path}: every item once");
}
