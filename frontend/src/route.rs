//! The app's two routes, `/login` and `/credentials`, without a router crate.
//!
//! Two pages do not need a general router, and leaving one out keeps the
//! download small. The current page lives in a signal; moving to a page
//! pushes a history entry, and the back button (popstate) moves back.

use leptos::prelude::*;

/// A screen of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Login,
    Credentials,
}

impl Page {
    /// The page's URL path.
    pub fn path(self) -> &'static str {
        match self {
            Page::Login => "/login",
            Page::Credentials => "/credentials",
        }
    }

    /// The page a path shows; `/` and unknown paths pick by session.
    pub fn from_path(path: &str) -> Option<Page> {
        match path.trim_end_matches('/') {
            "/login" => Some(Page::Login),
            "/credentials" => Some(Page::Credentials),
            _ => None,
        }
    }
}

/// Navigation, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Nav {
    /// The page the URL asks for (`None`: `/` or unknown).
    pub requested: RwSignal<Option<Page>>,
}

impl Nav {
    /// Starts from the current URL and follows the back and forward buttons.
    pub fn new() -> Nav {
        let requested = RwSignal::new(Page::from_path(&current_path()));
        let handle = window_event_listener(leptos::ev::popstate, move |_| {
            requested.set(Page::from_path(&current_path()));
        });
        on_cleanup(move || handle.remove());
        Nav { requested }
    }

    /// Shows `page`, with a new history entry.
    pub fn go(&self, page: Page) {
        if current_path() != page.path() {
            if let Ok(history) = window().history() {
                let _ = history.push_state_with_url(
                    &wasm_bindgen::JsValue::NULL,
                    "",
                    Some(page.path()),
                );
            }
        }
        self.requested.set(Some(page));
    }

    /// Makes the address bar say `page` without a new history entry.
    pub fn settle(&self, page: Page) {
        if current_path() != page.path() {
            if let Ok(history) = window().history() {
                let _ = history.replace_state_with_url(
                    &wasm_bindgen::JsValue::NULL,
                    "",
                    Some(page.path()),
                );
            }
        }
    }
}

/// The app's `Nav` from context.
pub fn use_nav() -> Nav {
    expect_context::<Nav>()
}

fn current_path() -> String {
    window().location().pathname().unwrap_or_default()
}
