//! sea-orm entities: one module per table, mirroring the migrations.

pub mod activity;
pub mod api_key;
pub mod api_key_address;
pub mod api_key_usage_day;
pub mod session;
pub mod user;
pub mod webhook_delivery;
pub mod webhook_endpoint;
pub mod webhook_event;
