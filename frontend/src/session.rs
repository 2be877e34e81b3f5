//! Who is signed in, shared through context: the app shell fills it from
//! `/me`, the header and the pages read it.
//!
//! A module of its own so that `app` (which provides it) and the pages and
//! header (which read it) both depend on it instead of on each other.

use leptos::prelude::*;
use llavero_types::{Role, User};

/// Who is signed in: unknown while `/me` is in flight, then `Some` or `None`.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub checked: RwSignal<bool>,
    pub user: RwSignal<Option<User>>,
}

impl Session {
    /// Whether an admin is signed in (reactive).
    pub fn admin(&self) -> bool {
        self.user
            .with(|u| u.as_ref().is_some_and(|u| u.role == Role::Admin))
    }
}

/// The app's `Session` from context (provided by `app::App`).
pub fn use_session() -> Session {
    expect_context::<Session>()
}
