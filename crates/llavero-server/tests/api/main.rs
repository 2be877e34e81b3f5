//! The API integration suite: real HTTP on a real port, against a real SQLite
//! file and a real PostgreSQL server. Every test in `api_test!` runs once per
//! backend (`<test>::sqlite`, `<test>::postgres`).

// Tests fail loudly: unwrap and expect are how a test says "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;
mod identity_provider;
mod process;
mod receiver;

mod activity;
mod api_keys;
mod auth;
mod bad_input;
mod cli;
mod client_log;
mod crash;
mod cross_origin;
mod cross_user;
mod forward_auth;
mod gateways;
mod info;
mod key_limits;
mod leaks;
mod oidc;
mod openapi;
mod outage;
mod partition;
mod replicas;
mod roll;
mod secrets;
mod upgrade;
mod usage;
mod users;
mod verify;
mod webhooks;
