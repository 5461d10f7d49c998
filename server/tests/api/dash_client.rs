//! A signed-in dashboard browser over plain HTTP (no Chromium): the session cookie, the CSRF
//! token, pages as HTML and posted forms' flash messages.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, http_client};

/// A signed-in browser, by hand: the session cookie and the session's CSRF token.
pub struct Dash<'a> {
    app: &'a TestApp,
    pub client: reqwest::Client,
    cookie: String,
    csrf: String,
}

pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

pub fn hidden_csrf(html: &str) -> String {
    let at = html
        .find(r#"name="_csrf" value=""#)
        .expect("a form with a CSRF token");
    let rest = &html[at + r#"name="_csrf" value=""#.len()..];
    rest[..rest.find('"').expect("end")].to_owned()
}

/// A browser that does not follow redirects (so a test sees where it is sent).
pub fn browser_client() -> reqwest::Client {
    let _ = http_client();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Opens the sign-in page: its double-submit cookie and the form's matching token.
pub async fn login_form(client: &reqwest::Client, base: &str) -> (String, String) {
    let r = client
        .get(format!("{base}/dashboard/login"))
        .send()
        .await
        .expect("sent");
    let cookie = set_cookie(&r, "attend_login_csrf").expect("login cookie");
    (cookie, hidden_csrf(&r.text().await.expect("html")))
}

pub async fn dash<'a>(app: &'a TestApp, email: &str) -> Dash<'a> {
    let client = browser_client();
    let (login_cookie, token) = login_form(&client, &app.base).await;
    let r = client
        .post(format!("{}/dashboard/login", app.base))
        .header("cookie", format!("attend_login_csrf={login_cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("email", email),
                ("password", PASSWORD),
                ("_csrf", &token),
            ])
            .expect("form"),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed in");
    let cookie = format!(
        "attend_session={}",
        set_cookie(&r, "attend_session").expect("session")
    );
    let mut d = Dash {
        app,
        client,
        cookie,
        csrf: String::new(),
    };
    let (_, home) = d.get("/dashboard").await;
    d.csrf = hidden_csrf(&home);
    d
}

impl Dash<'_> {
    /// The `Cookie` header value of this session.
    pub fn cookie(&self) -> &str {
        &self.cookie
    }

    /// The session's CSRF token, for forms posted by hand.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.app.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("sent");
        (r.status(), r.text().await.expect("html"))
    }

    /// Posts a form; answers the flash message the redirect carries as (kind, text).
    pub async fn post(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        csrf: bool,
    ) -> (StatusCode, String, String) {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if csrf {
            form.push(("_csrf", &self.csrf));
        }
        let r = self
            .client
            .post(format!("{}{path}", self.app.base))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&form).expect("form"))
            .send()
            .await
            .expect("sent");
        let status = r.status();
        // The cookie value is percent-encoded around the form-encoded message.
        let decode = |text: &str| {
            form_urlencoded::parse(format!("m={text}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let flash = decode(&set_cookie(&r, "attend_flash").unwrap_or_default());
        let (kind, text) = flash.split_once(':').unwrap_or(("", ""));
        let text = decode(text);
        (status, kind.to_owned(), text)
    }
}
