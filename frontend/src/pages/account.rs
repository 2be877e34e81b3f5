//! "Mi cuenta": who I am (username and role), changing my password
//! ("Contraseña actual", "Nueva contraseña" and its repetition; my other
//! sessions end, this one stays), and signing out everywhere.

use leptos::prelude::*;

use crate::api;
use crate::browser;
use crate::components::markup::{input, Html};
use crate::components::pending::{password_problem, Pending};
use crate::i18n::{use_i18n, Text};
use crate::pages::users::role_text;
use crate::session::use_session;

/// The ids of the password form's fields.
const FIELDS: [&str; 3] = ["current-password", "new-password", "repeat-password"];

#[component]
pub fn Account() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let user = session.user.get_untracked();
    let username = user
        .as_ref()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    // A user from the identity provider has no Llavero password to change.
    let oidc = user.as_ref().is_some_and(|u| u.oidc);
    let role = user.map(|u| role_text(u.role));
    let pending = Pending::new();
    let everywhere = Pending::new();
    let changed = RwSignal::new(false);

    let submit = move || {
        changed.set(false);
        let [current, new, repeat] = FIELDS.map(browser::value_of);
        let problem = if current.is_empty() {
            Some(Text::CurrentWrong)
        } else if new != repeat {
            Some(Text::PasswordsDiffer)
        } else {
            password_problem(&new)
        };
        if let Some(problem) = problem {
            return pending.refuse(i18n.t(problem).to_owned());
        }
        pending.run(i18n, api::change_password(current, new), move |()| {
            for id in FIELDS {
                browser::set_value(id, "");
            }
            changed.set(true);
        });
    };
    let sign_out_everywhere = move |_| {
        everywhere.run(i18n, api::logout_everywhere(), |()| browser::go("/login"));
    };

    // The fields as markup, drawn again only if the language changes.
    let fields = move || {
        let t = |x| i18n.t(x);
        Html::concat(&[
            input(
                FIELDS[0],
                t(Text::CurrentPassword),
                "password",
                "current-password",
                "",
            ),
            input(
                FIELDS[1],
                t(Text::NewPassword),
                "password",
                "new-password",
                t(Text::PasswordRule),
            ),
            input(
                FIELDS[2],
                t(Text::ConfirmPassword),
                "password",
                "new-password",
                "",
            ),
        ])
    };
    view! {
        <section class="card">
            <div class="title-row">
                <h1>{i18n.s(Text::MyAccount)}</h1>
            </div>
            <dl class="facts">
                <dt>{i18n.s(Text::Username)}</dt>
                <dd data-testid="account-username">{username}</dd>
                <dt>{i18n.s(Text::Role)}</dt>
                <dd data-testid="account-role">{move || role.map(|r| i18n.t(r))}</dd>
            </dl>
            <p class="muted" hidden=!oidc>{i18n.s(Text::FromProvider)}</p>
            <form class="account-form" hidden=oidc on:submit=move |ev| { ev.prevent_default(); submit() }>
                <h2>{i18n.s(Text::ChangePassword)}</h2>
                <div inner_html=fields></div>
                <p class="field-error" role="alert">{move || pending.error.get()}</p>
                <p class="toast" role="status">{move || changed.get().then(|| i18n.t(Text::PasswordChanged))}</p>
                <button type="submit" class="primary" disabled=move || pending.busy.get()>{i18n.s(Text::ChangePassword)}</button>
            </form>
            <h2 class="section">{i18n.s(Text::Sessions)}</h2>
            <p class="muted">{i18n.s(Text::SignOutEverywhereHint)}</p>
            <p class="field-error" role="alert">{move || everywhere.error.get()}</p>
            <button type="button" class="secondary" on:click=sign_out_everywhere
                disabled=move || everywhere.busy.get()>{i18n.s(Text::SignOutEverywhere)}</button>
        </section>
    }
}
