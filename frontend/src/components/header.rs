//! The top bar: the product name, the language switch and, top right, the
//! user menu: "Credenciales de API" first (the user guide's path), then
//! "Actividad", "Usuarios" (admins only), "Mi cuenta" and "Cerrar sesión".

use leptos::prelude::*;

use crate::api;
use crate::i18n::{use_i18n, Text};
use crate::route::{use_nav, Page};
use crate::session::use_session;

/// The menu's pages, in order, with their names.
const PAGES: [(Page, Text); 4] = [
    (Page::Credentials, Text::ApiCredentials),
    (Page::Activity, Text::Activity),
    (Page::Users, Text::Users),
    (Page::Account, Text::MyAccount),
];

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let open = RwSignal::new(false);
    let nav = use_nav();

    let switch_language = move |_| {
        let next = i18n.0.get_untracked().other();
        next.remember();
        i18n.0.set(next);
    };
    let sign_out = move |_| {
        open.set(false);
        // A user from the identity provider signs out there too (the
        // server ends this session, then sends the browser on).
        if session
            .user
            .with_untracked(|u| u.as_ref().is_some_and(|u| u.oidc))
        {
            return leptos::task::spawn_local(async move {
                let next = api::oidc_logout().await;
                crate::browser::go(next.as_deref().unwrap_or("/login"));
            });
        }
        leptos::task::spawn_local(async move {
            let _ = api::logout().await;
            // A full load, not a state change: nothing of the signed-in page
            // survives in memory, and there is one navigation, not two racing.
            crate::browser::go("/login");
        });
    };
    let on_menu_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.set(false);
            let _ = crate::browser::focus_by_id("user-menu-button");
        }
    };

    view! {
        <header class="topbar">
            <span class="brand">{i18n.s(Text::AppName)}</span>
            <div class="topbar-right">
                <button type="button" class="link" on:click=switch_language
                    lang=move || i18n.0.get().other().tag()>
                    {i18n.s(Text::SwitchLanguage)}
                </button>
                <div class="menu" on:keydown=on_menu_key hidden=move || session.user.with(Option::is_none)>
                    <button
                        id="user-menu-button"
                        type="button"
                        class="menu-button"
                        aria-haspopup="menu"
                        aria-expanded=move || open.get().to_string()
                        aria-controls="user-menu"
                        on:click=move |_| open.update(|o| *o = !*o)
                    >
                        <span class="avatar" aria-hidden="true">
                            {move || session.user.get().and_then(|u| u.username.chars().next()).unwrap_or('?').to_uppercase().to_string()}
                        </span>
                        {move || session.user.get().map(|u| u.username).unwrap_or_default()}
                        <span class="visually-hidden">{move || format!(" — {}", i18n.t(Text::UserMenu))}</span>
                        <span aria-hidden="true">" ▾"</span>
                    </button>
                    <ul id="user-menu" class="menu-list" role="menu" hidden=move || !open.get()>
                        {move || {
                            let admin = session.admin();
                            PAGES.into_iter().filter(|(page, _)| admin || *page != Page::Users).map(|(page, text)| view! {
                                <li role="none">
                                    <a href=page.path() role="menuitem"
                                        aria-current=move || (nav.requested.get() == Some(page)).then_some("page")
                                        on:click=move |ev| {
                                            ev.prevent_default();
                                            open.set(false);
                                            nav.go(page);
                                        }>
                                        {i18n.s(text)}
                                    </a>
                                </li>
                            }).collect_view()
                        }}
                        <li role="none">
                            <button type="button" role="menuitem" on:click=sign_out>
                                {i18n.s(Text::SignOut)}
                            </button>
                        </li>
                    </ul>
                </div>
            </div>
        </header>
    }
}
