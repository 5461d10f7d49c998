//! [`Pages`]: how a feature declares its dashboard pages. Each page is declared once, with its
//! method and path, and the same declaration both builds the axum router and lists the pages
//! (`app::router::dashboard_pages`), so a test can walk every page: a new page cannot be left
//! out of the authorisation matrix by forgetting to list it somewhere else.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};

use crate::app::state::AppState;

/// Dashboard pages being declared: the router, and the (method, path) of every page in it.
#[derive(Debug, Default)]
pub struct Pages {
    router: Router<AppState>,
    declared: Vec<(Method, &'static str)>,
}

impl Pages {
    pub fn new() -> Self {
        Self::default()
    }

    /// A page answering GET.
    pub fn get<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.page(Method::GET, path, get(handler))
    }

    /// A form answering POST.
    pub fn post<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.page(Method::POST, path, post(handler))
    }

    /// A page whose route needs more than a handler (its own layer); `route` must answer
    /// `method` and nothing else, since only `method` is recorded.
    pub fn page(
        mut self,
        method: Method,
        path: &'static str,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, route);
        self.declared.push((method, path));
        self
    }

    pub fn merge(mut self, other: Pages) -> Self {
        self.router = self.router.merge(other.router);
        self.declared.extend(other.declared);
        self
    }

    /// The (method, path) of every page declared.
    pub fn declared(&self) -> &[(Method, &'static str)] {
        &self.declared
    }

    /// The router serving the declared pages.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
