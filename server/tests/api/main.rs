//! Integration tests: the real server on port 0 with a temporary SQLite database, driven over
//! real HTTP. One binary; each module is one area.

mod accessibility;
mod architecture;
mod attachments;
mod attendance;
mod auth;
mod bounded_work;
mod browser;
mod corrections;
mod dash_client;
mod dashboard;
mod dashboard_pages;
mod dashboard_people;
mod devices;
mod enrolment;
mod equipment;
mod errors;
mod headers;
mod helpers;
mod leave;
mod logins;
mod mail_delivery;
mod mail_tls;
mod mailed_links;
mod notifications;
mod ops;
mod outbox;
mod photo_enrolment;
mod rate_limits;
mod registration;
mod reports;
mod sessions;
mod smtp_sink;
mod sync;
mod tenancy;
mod timesheets;
