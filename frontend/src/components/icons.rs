//! Inline SVG icons (no icon font, no CDN). Decorative: the buttons that hold
//! them carry the accessible name.

use leptos::prelude::*;

use crate::components::html::{el, Html};

fn svg(path: &'static str) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
            <path d=path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>
        </svg>
    }
}

/// A clipboard: copy.
pub fn clipboard() -> impl IntoView {
    svg("M9 4h6v3H9zM8 5H6a1 1 0 0 0-1 1v14a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V6a1 1 0 0 0-1-1h-2M9 12h6M9 16h4")
}

/// An open eye: reveal.
pub fn eye() -> impl IntoView {
    svg("M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12zM12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z")
}

/// A crossed eye: hide.
pub fn eye_off() -> impl IntoView {
    svg("M3 3l18 18M10.6 10.6a2 2 0 0 0 2.8 2.8M9.9 5.1A10.4 10.4 0 0 1 12 5c6.5 0 10 7 10 7a17 17 0 0 1-3.2 4.1M6.6 6.6A17 17 0 0 0 2 12s3.5 7 10 7a9.7 9.7 0 0 0 5.4-1.6")
}

/// A pencil: edit.
pub const PENCIL: &str = "M4 20h4L19 9l-4-4L4 16v4zM13.5 6.5l4 4";

/// Two turning arrows: roll (a new secret for the same key).
pub const ROTATE: &str = "M20 11a8 8 0 0 0-14.9-4M4 4v4h4M4 13a8 8 0 0 0 14.9 4M20 20v-4h-4";

/// A bin: delete.
pub const TRASH: &str = "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3";

/// A key: a user's keys.
pub const KEY: &str = "M8 15a4 4 0 1 1 0-8 4 4 0 0 1 0 8zM12 11h9M18 11v4M21 11v3";

/// A shield: a user's role.
pub const SHIELD: &str = "M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z";

/// A barred circle: disable.
pub const BAN: &str = "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM5.6 5.6l12.8 12.8";

/// A ticked circle: enable.
pub const CHECK: &str = "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM8 12l3 3 5-6";

/// A padlock: a new password.
pub const LOCK: &str = "M6 11h12v10H6zM8 11V7a4 4 0 0 1 8 0v4";

/// An icon as markup (see `markup`), for tables drawn as text.
pub fn markup(path: &str) -> Html {
    el(
        "svg",
        &[
            ("class", "icon"),
            ("viewBox", "0 0 24 24"),
            ("width", "20"),
            ("height", "20"),
            ("aria-hidden", "true"),
            ("focusable", "false"),
        ],
        el(
            "path",
            &[
                ("d", path),
                ("fill", "none"),
                ("stroke", "currentColor"),
                ("stroke-width", "2"),
                ("stroke-linecap", "round"),
                ("stroke-linejoin", "round"),
            ],
            Html::default(),
        ),
    )
}

/// A cross: close.
pub fn close() -> impl IntoView {
    svg("M6 6l12 12M18 6L6 18")
}
