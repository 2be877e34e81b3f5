//! The app shell: shared state in context (language, the [`Session`] of
//! `session`, navigation), the header, and the pages.
//!
//! `/login` signs in; `/credentials` is the "Credenciales de API" screen,
//! `/activity` the activity log, `/users` user administration (admins) and
//! `/account` "Mi cuenta"; `/` shows whichever fits. On start the app asks
//! `/me` whether the session cookie is still good, so a reload keeps you
//! signed in; a signed-out user always sees the sign-in page, whatever the
//! URL.

use leptos::prelude::*;

use crate::api;
use crate::components::header::Header;
use crate::i18n::{use_i18n, I18n, Lang, Text};
use crate::pages::account::Account;
use crate::pages::activity::Activity;
use crate::pages::credentials::Credentials;
use crate::pages::login::Login;
use crate::pages::users::Users;
use crate::route::{Nav, Page};
use crate::session::Session;

#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(Lang::initial());
    crate::browser::set_document_lang(lang.get_untracked().tag());
    provide_context(I18n(lang));
    let session = Session {
        checked: RwSignal::new(false),
        user: RwSignal::new(None),
    };
    provide_context(session);
    let nav = Nav::new();
    provide_context(nav);

    leptos::task::spawn_local(async move {
        let me = api::me().await.ok();
        session.user.set(me.map(|m| m.user));
        session.checked.set(true);
    });

    // What is shown: the sign-in page to anyone signed out, else the page
    // the URL asks for, if this user may see it.
    let shown = Memo::new(move |_| {
        Page::shown(
            nav.requested.get(),
            session.user.with(Option::is_some),
            session.admin(),
        )
    });
    // Keep the address bar truthful, also after back/forward.
    Effect::new(move |_| {
        nav.requested.track();
        if session.checked.get() {
            nav.settle(shown.get());
        }
    });

    view! {
        <Header/>
        <main id="main">
            <Show when=move || session.checked.get() fallback=Loading>
                {move || match shown.get() {
                    Page::Login => view! { <Login/> }.into_any(),
                    Page::Credentials => view! { <Credentials/> }.into_any(),
                    Page::Activity => view! { <Activity/> }.into_any(),
                    Page::Users => view! { <Users/> }.into_any(),
                    Page::Account => view! { <Account/> }.into_any(),
                }}
            </Show>
        </main>
    }
}

#[component]
fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="muted" role="status">{i18n.s(Text::Loading)}</p> }
}
