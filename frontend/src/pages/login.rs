//! The sign-in page: username and password, with a clear message for wrong
//! credentials and for throttling.

use leptos::prelude::*;

use llavero_types::ErrorCode;

use crate::api::{self, ApiError};
use crate::app::use_session;
use crate::i18n::{use_i18n, Text};
use crate::route::{use_nav, Page};

#[component]
pub fn Login() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let nav = use_nav();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::login(username.get_untracked(), password.get_untracked()).await {
                Ok(me) => {
                    password.set(String::new());
                    // Back to the page that was asked for, if any.
                    let admin = me.user.role == llavero_types::Role::Admin;
                    session.user.set(Some(me.user));
                    nav.go(Page::shown(nav.requested.get_untracked(), true, admin));
                }
                Err(e) => {
                    let text = match e {
                        ApiError::Problem {
                            code: Some(ErrorCode::RateLimited),
                            retry_after,
                            ..
                        } => i18n
                            .t(Text::Throttled)
                            .replace("{s}", &retry_after.unwrap_or(60).to_string()),
                        ApiError::Problem {
                            code:
                                Some(
                                    ErrorCode::CredentialsInvalid
                                    | ErrorCode::InvalidInput
                                    | ErrorCode::UsernameInvalid
                                    | ErrorCode::PasswordInvalid,
                                ),
                            ..
                        } => i18n.t(Text::BadCredentials).to_owned(),
                        ApiError::Problem {
                            code: Some(ErrorCode::AccountDisabled),
                            ..
                        } => i18n.t(Text::AccountDisabled).to_owned(),
                        ApiError::Problem {
                            code: Some(ErrorCode::Busy | ErrorCode::DatabaseUnavailable),
                            ..
                        } => i18n.t(Text::TryLater).to_owned(),
                        ApiError::Problem { detail, .. } => detail,
                        ApiError::Network(_) => i18n.t(Text::GenericError).to_owned(),
                    };
                    error.set(Some(text));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card narrow">
            <h1>{i18n.s(Text::SignInTitle)}</h1>
            <form on:submit=submit>
                <label for="username">{i18n.s(Text::Username)}</label>
                <input id="username" name="username" type="text" autocomplete="username" required
                    prop:value=move || username.get()
                    on:input=move |ev| username.set(event_target_value(&ev))/>
                <label for="password">{i18n.s(Text::Password)}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))/>
                <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || i18n.t(if busy.get() { Text::SigningIn } else { Text::SignIn })}
                </button>
            </form>
        </section>
    }
}
