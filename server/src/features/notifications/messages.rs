//! Every e-mail the server writes, as plain text and HTML from one list of [`Part`]s, so the two
//! always say the same thing. Pure: callers pass links and names in.
//!
//! Invariant: every value that comes from outside (a name, an address, a link) reaches the HTML
//! only through [`escape`]; the text part carries it as it is.

use std::fmt::Write as _;

use self::Part::{Code, Link, Para};
use super::Message;

/// One block of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// A paragraph.
    Para(String),
    /// A link on its own line: the label, then the URL.
    Link { label: String, url: String },
    /// A code to copy, set apart (a reset token, an invite code).
    Code { label: String, code: String },
    /// A bulleted list.
    List(Vec<String>),
}

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders `parts` as a text body and an HTML body under `subject`.
pub fn render(kind: &'static str, subject: String, parts: &[Part]) -> Message {
    let mut text = String::new();
    let mut html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.5; max-width: 40em\">\n",
        escape(&subject)
    );
    for part in parts {
        if !text.is_empty() {
            text.push('\n');
        }
        match part {
            Part::Para(p) => {
                let _ = writeln!(text, "{p}");
                let _ = writeln!(html, "<p>{}</p>", escape(p));
            }
            Part::Link { label, url } => {
                let _ = writeln!(text, "{label}: {url}");
                let _ = writeln!(
                    html,
                    "<p><a href=\"{}\">{}</a></p>",
                    escape(url),
                    escape(label)
                );
            }
            Part::Code { label, code } => {
                let _ = writeln!(text, "{label}: {code}");
                let _ = writeln!(
                    html,
                    "<p>{}: <code style=\"font-size: 1.2em\">{}</code></p>",
                    escape(label),
                    escape(code)
                );
            }
            Part::List(items) => {
                html.push_str("<ul>\n");
                for item in items {
                    let _ = writeln!(text, "- {item}");
                    let _ = writeln!(html, "<li>{}</li>", escape(item));
                }
                html.push_str("</ul>\n");
            }
        }
    }
    text.push_str("\n-- \nAttend\n");
    html.push_str("<p style=\"color: #666\">Attend</p>\n</body></html>\n");
    Message {
        kind,
        subject,
        text,
        html,
    }
}

/// An invite to join an organisation; `link` opens the accept page with the code filled in.
pub fn invite(org_name: &str, role: &str, link: &str, code: &str, days: i64) -> Message {
    render(
        "invite",
        format!("You are invited to {org_name} on Attend"),
        &[
            Para(format!(
                "You are invited to join {org_name} on Attend as {role}. Choose your name and a password to accept."
            )),
            Link {
                label: "Accept the invite".into(),
                url: link.into(),
            },
            Code {
                label: "Invite code".into(),
                code: code.into(),
            },
            Para(format!(
                "The invite works once and expires in {days} day(s). If you did not expect it, ignore this e-mail."
            )),
        ],
    )
}

/// A password reset: the link opens the reset page with the token filled in.
pub fn password_reset(link: &str, token: &str) -> Message {
    render(
        "password_reset",
        "Reset your Attend password".into(),
        &[
            Para("Someone asked to reset the password of your Attend account.".into()),
            Link {
                label: "Reset it here within the hour".into(),
                url: link.into(),
            },
            Code {
                label: "Reset token".into(),
                code: token.into(),
            },
            Para("If it was not you, ignore this e-mail: your password stays as it is.".into()),
        ],
    )
}

/// To the owner of an address someone tried to register again.
pub fn register_attempt(sign_in: &str, reset: &str) -> Message {
    render(
        "register_attempt",
        "Someone tried to register with your address".into(),
        &[
            Para("Someone tried to register a new Attend account with this e-mail address, which already has one. No new account was created.".into()),
            Para("If it was you, sign in with your existing account, or reset its password if you forgot it.".into()),
            Link { label: "Sign in".into(), url: sign_in.into() },
            Link { label: "Forgot your password".into(), url: reset.into() },
            Para("If it was not you, you need do nothing.".into()),
        ],
    )
}

/// To a new registrant: the account waits for a manager.
pub fn registration_received(org_name: &str) -> Message {
    render(
        "registration_received",
        format!("Your registration with {org_name} is waiting for approval"),
        &[
            Para(format!(
                "We received your registration with {org_name} on Attend. A manager approves it before you can sign in; you need do nothing until then."
            )),
            Para("If it was not you, ignore this e-mail: the account stays inactive.".into()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::{Part, escape, invite, render};

    #[test]
    fn html_escapes_every_outside_value_and_text_keeps_it_verbatim() {
        let m = render(
            "t",
            "<b>&".into(),
            &[
                Part::Para("Zoë <script>alert('x')</script>".into()),
                Part::Link {
                    label: "go".into(),
                    url: "https://x.example/?a=1&b=\"2\"".into(),
                },
            ],
        );
        assert!(m.html.contains("<title>&lt;b&gt;&amp;</title>"));
        assert!(
            m.html
                .contains("Zoë &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
        );
        assert!(
            m.html
                .contains("href=\"https://x.example/?a=1&amp;b=&quot;2&quot;\"")
        );
        assert!(!m.html.contains("<script>"));
        assert!(m.text.contains("Zoë <script>alert('x')</script>"));
        assert!(m.text.contains("go: https://x.example/?a=1&b=\"2\""));
        assert_eq!(escape("a'b"), "a&#39;b");
    }

    #[test]
    fn an_invite_carries_its_link_and_code_in_both_parts() {
        let m = invite(
            "Acme",
            "manager",
            "https://h/dashboard/invite?code=AB",
            "AB",
            7,
        );
        for body in [&m.text, &m.html] {
            assert!(
                body.contains("https://h/dashboard/invite?code=AB"),
                "{body}"
            );
            assert!(body.contains("AB"));
        }
        assert_eq!(m.kind, "invite");
    }
}
