//! The Llavero service's HTTP side: routes, extractors, cookies, headers,
//! OpenAPI, start-up and the command line.
//!
//! The application itself — use cases, verification, webhook dispatch,
//! housekeeping, configuration — is `llavero_app`, which knows no HTTP.
//! Here, layout after zero-to-production's: [`startup`] builds and runs
//! the [`startup::Application`], [`routes`] holds one module of handlers
//! per resource, [`auth`] the extractors that say who is calling and the
//! cookies, [`error`] the one place where errors become HTTP answers,
//! [`openapi`] the document generated from the routes, and [`cli`] the
//! `serve` / `migrate` / `user` / `openapi` commands.

pub mod auth;
pub mod cli;
pub mod client_ip;
pub mod cross_origin;
pub mod error;
pub mod headers;
pub mod openapi;
pub mod probe;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;
