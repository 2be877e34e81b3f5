//! The app's routes — `/login`, `/credentials`, `/activity`, `/users` and
//! `/account` — without a router crate.
//!
//! Five flat paths with no parameters need no general router: measured,
//! `leptos_router` added 45 KB of gzip to an app that may weigh 250 KB in
//! all, and this file does the same job for these paths. The current page
//! lives in a signal; moving to a page pushes a history entry, and the back
//! button (popstate) moves back. Which page a signed-in user may see is
//! decided in [`Page::shown`], tested below.

use leptos::prelude::*;

/// A screen of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Login,
    Credentials,
    Activity,
    Users,
    Account,
}

impl Page {
    /// The page's URL path.
    pub fn path(self) -> &'static str {
        match self {
            Page::Login => "/login",
            Page::Credentials => "/credentials",
            Page::Activity => "/activity",
            Page::Users => "/users",
            Page::Account => "/account",
        }
    }

    /// The page a path shows; `/` and unknown paths pick by session.
    pub fn from_path(path: &str) -> Option<Page> {
        match path.trim_end_matches('/') {
            "/login" => Some(Page::Login),
            "/credentials" => Some(Page::Credentials),
            "/activity" => Some(Page::Activity),
            "/users" => Some(Page::Users),
            "/account" => Some(Page::Account),
            _ => None,
        }
    }

    /// What is shown for the `requested` page: sign-in to anyone signed
    /// out; to a signed-in user the page asked for, except sign-in itself,
    /// unknown paths and (to a non-admin) the users page, which show the
    /// credentials screen, the user guide's first page.
    pub fn shown(requested: Option<Page>, signed_in: bool, admin: bool) -> Page {
        match requested {
            _ if !signed_in => Page::Login,
            Some(Page::Users) if !admin => Page::Credentials,
            Some(Page::Login) | None => Page::Credentials,
            Some(page) => page,
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

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Page; 5] = [
        Page::Login,
        Page::Credentials,
        Page::Activity,
        Page::Users,
        Page::Account,
    ];

    #[test]
    fn every_page_has_a_path_that_leads_back_to_it() {
        for page in ALL {
            assert_eq!(Page::from_path(page.path()), Some(page));
            assert_eq!(Page::from_path(&format!("{}/", page.path())), Some(page));
        }
        assert_eq!(Page::from_path("/"), None);
        assert_eq!(Page::from_path("/nope"), None);
        assert_eq!(Page::from_path("/users/x"), None);
    }

    #[test]
    fn signed_out_users_see_sign_in_whatever_they_ask_for() {
        for page in ALL.map(Some).into_iter().chain([None]) {
            assert_eq!(Page::shown(page, false, true), Page::Login);
        }
    }

    #[test]
    fn only_admins_see_the_users_page() {
        assert_eq!(Page::shown(Some(Page::Users), true, true), Page::Users);
        assert_eq!(
            Page::shown(Some(Page::Users), true, false),
            Page::Credentials
        );
        assert_eq!(
            Page::shown(Some(Page::Activity), true, false),
            Page::Activity
        );
        assert_eq!(Page::shown(Some(Page::Account), true, false), Page::Account);
        assert_eq!(
            Page::shown(Some(Page::Login), true, false),
            Page::Credentials
        );
        assert_eq!(Page::shown(None, true, true), Page::Credentials);
    }
}
