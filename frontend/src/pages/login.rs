//! The sign-in page: "Sign in with <provider>" when an identity provider is
//! configured, and the username and password form when local sign-in is on
//! (`GET /info` says which), with a clear message for wrong credentials,
//! throttling, and a sign-in the provider's leg could not finish (the
//! server sends the browser back here with `?error=<code>`).

use leptos::prelude::*;

use llavero_types::{Role, SignInMethod};

use crate::api;
use crate::browser::{query_param, value_of};
use crate::components::pending::refusal;
use crate::i18n::{use_i18n, Text};
use crate::route::{use_nav, Page};
use crate::session::use_session;

#[component]
pub fn Login() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let nav = use_nav();
    // What the provider's leg came back with, if it failed.
    let error = RwSignal::new(query_param("error").map(|code| {
        i18n.t(match code.as_str() {
            "account_disabled" => Text::AccountDisabled,
            "oidc_unavailable" => Text::ProviderUnavailable,
            _ => Text::ProviderFailed,
        })
        .to_owned()
    }));
    let busy = RwSignal::new(false);
    // Empty until `/info` answers; then how one may sign in here (if it
    // cannot answer, the password form, which says what went wrong).
    let methods = RwSignal::new(Vec::new());
    let provider = RwSignal::new(String::new());
    leptos::task::spawn_local(async move {
        match api::info().await {
            Ok(r) => {
                provider.set(r.data.oidc_name.unwrap_or_default());
                methods.set(r.data.sign_in_methods);
            }
            Err(_) => methods.set(vec![SignInMethod::Password]),
        }
    });
    let offers = move |m: SignInMethod| methods.with(|all| all.contains(&m));
    // Back to the page that was asked for, after the provider's round trip.
    let provider_href = move || {
        let back = nav.requested.get().map_or("/", |p| p.path());
        format!("/api/v1/auth/oidc/login?return_to={back}")
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::login(value_of("username"), value_of("password")).await {
                Ok(me) => {
                    // Back to the page that was asked for, if any.
                    let admin = me.user.role == Role::Admin;
                    session.user.set(Some(me.user));
                    nav.go(Page::shown(nav.requested.get_untracked(), true, admin));
                }
                Err(e) => error.set(Some(refusal(i18n, &e))),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card narrow">
            <h1>{i18n.s(Text::SignInTitle)}</h1>
            <a class="button primary provider" hidden=move || !offers(SignInMethod::Oidc)
                href=provider_href>
                {move || i18n.t(Text::SignInWith).replace("{name}", &provider.get())}
            </a>
            <form on:submit=submit hidden=move || !offers(SignInMethod::Password)>
                <label for="username">{i18n.s(Text::Username)}</label>
                <input id="username" name="username" type="text" autocomplete="username" required/>
                <label for="password">{i18n.s(Text::Password)}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required/>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || i18n.t(if busy.get() { Text::SigningIn } else { Text::SignIn })}
                </button>
            </form>
            <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
        </section>
    }
}
