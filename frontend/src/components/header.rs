//! The top bar: the product name, the language switch and, top right, the
//! user menu whose item "Credenciales de API" leads to the credentials screen.

use leptos::prelude::*;

use crate::api;
use crate::app::use_session;
use crate::i18n::{use_i18n, Text};
use crate::route::{use_nav, Page};

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
            crate::browser::focus_by_id("user-menu-button");
        }
    };

    view! {
        <header class="topbar">
            <span class="brand">{move || i18n.t(Text::AppName)}</span>
            <div class="topbar-right">
                <button type="button" class="link" on:click=switch_language
                    lang=move || i18n.0.get().other().tag()>
                    {move || i18n.t(Text::SwitchLanguage)}
                </button>
                <Show when=move || session.user.get().is_some()>
                    <div class="menu" on:keydown=on_menu_key>
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
                        <Show when=move || open.get()>
                            <ul id="user-menu" class="menu-list" role="menu">
                                <li role="none">
                                    <a href="/credentials" role="menuitem" on:click=move |ev| {
                                        ev.prevent_default();
                                        open.set(false);
                                        nav.go(Page::Credentials);
                                    }>
                                        {move || i18n.t(Text::ApiCredentials)}
                                    </a>
                                </li>
                                <li role="none">
                                    <button type="button" role="menuitem" on:click=sign_out>
                                        {move || i18n.t(Text::SignOut)}
                                    </button>
                                </li>
                            </ul>
                        </Show>
                    </div>
                </Show>
            </div>
        </header>
    }
}
