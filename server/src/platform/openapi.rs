//! The OpenAPI 3 document and a self-contained docs page that renders it without any CDN, so it
//! works on closed networks. The paths come from the routers themselves (each handler's
//! `#[utoipa::path]`, collected by `utoipa_axum::routes!`); this adds the title and the bearer
//! scheme.

use axum::Json;
use axum::response::Html;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Attend API", description = "Attendance kiosks and the server they sync to."),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The whole document: the routes the features declared, with the title and security scheme,
/// completed by [`super::contract`].
pub fn document_with(routes: utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut doc = ApiDoc::openapi();
    doc.merge(routes);
    let mut doc = serde_json::to_value(doc).expect("the OpenAPI document serialises");
    super::contract::complete(&mut doc);
    doc
}

pub async fn document(
    axum::extract::State(doc): axum::extract::State<super::contract::Document>,
) -> Json<serde_json::Value> {
    Json((*doc.0).clone())
}

pub async fn docs_page() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}

pub async fn docs_script() -> axum::response::Response {
    super::assets::js(include_str!("docs.js"))
}

pub async fn docs_style() -> axum::response::Response {
    super::assets::css(include_str!("docs.css"))
}
