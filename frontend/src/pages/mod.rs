//! The two screens: sign-in and "Credenciales de API".

pub mod credentials;
pub mod login;
