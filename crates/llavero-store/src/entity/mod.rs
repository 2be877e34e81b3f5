//! sea-orm entities: one module per table, mirroring the migrations.

pub mod activity;
pub mod api_key;
pub mod session;
pub mod user;
