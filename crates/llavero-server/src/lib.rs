//! The Llavero service: HTTP API, configuration and command line.
//!
//! Layout (zero-to-production's): [`configuration`] loads typed settings,
//! [`startup`] builds and runs the [`startup::Application`], [`routes`] holds
//! one module of handlers per resource, [`auth`] the extractors that say who
//! is calling, [`error`] the one place where errors become HTTP answers,
//! [`openapi`] the document generated from the routes, and [`cli`] the
//! `serve` / `migrate` / `user` / `openapi` commands. Storage is reached only
//! through `llavero_store`; key rules only through `llavero_domain`.

pub mod auth;
pub mod bootstrap;
pub mod cli;
pub mod client_ip;
pub mod configuration;
pub mod cross_origin;
pub mod dispatch;
pub mod error;
pub mod github_keys;
pub mod headers;
pub mod housekeeping;
pub mod metrics;
pub mod oidc;
pub mod openapi;
pub mod passwords;
pub mod probe;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub mod usecases;
pub mod verification;
pub mod web;
