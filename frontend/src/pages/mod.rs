//! The screens: sign-in, "Credenciales de API", "Actividad", "Usuarios"
//! (with a user's keys) and "Mi cuenta".

pub mod account;
pub mod activity;
pub mod credentials;
pub mod login;
pub mod user_dialogs;
pub mod user_keys;
pub mod users;
