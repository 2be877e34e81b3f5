//! The app shell: shared state in context, the header, and the routes.
//!
//! `/login` signs in; `/credentials` is the "Credenciales de API" screen;
//! `/` sends you to whichever fits. On start the app asks `/me` whether the
//! session cookie is still good, so a reload keeps you signed in.

use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;
use llavero_types::User;

use crate::api;
use crate::components::header::Header;
use crate::i18n::{use_i18n, I18n, Lang, Text};
use crate::pages::credentials::Credentials;
use crate::pages::login::Login;

/// Who is signed in: unknown while `/me` is in flight, then `Some` or `None`.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub checked: RwSignal<bool>,
    pub user: RwSignal<Option<User>>,
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

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

    leptos::task::spawn_local(async move {
        let me = api::me().await.ok();
        session.user.set(me.map(|m| m.user));
        session.checked.set(true);
    });

    view! {
        <Router>
            <Header/>
            <main id="main">
                <Show when=move || session.checked.get() fallback=Loading>
                    <Routes fallback=|| view! { <Redirect path="/"/> }>
                        <Route path=path!("/") view=Home/>
                        <Route path=path!("/login") view=Login/>
                        <Route path=path!("/credentials") view=Credentials/>
                    </Routes>
                </Show>
            </main>
        </Router>
    }
}

#[component]
fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="muted" role="status">{move || i18n.t(Text::Loading)}</p> }
}

/// `/`: the credentials screen when signed in, else the sign-in page.
#[component]
fn Home() -> impl IntoView {
    let session = use_session();
    move || {
        if session.user.get().is_some() {
            view! { <Redirect path="/credentials"/> }
        } else {
            view! { <Redirect path="/login"/> }
        }
    }
}
