//! The dialogs of "Usuarios": create a user, change a role, disable or
//! enable, reset a password, a user's keys and revoking one. Each is a
//! `FormDialog` whose words and fields are markup; the fields are checked
//! as the API checks them before the round trip.

use leptos::prelude::*;
use llavero_types::{ApiKey, CreateUser, Role, UpdateUser, UserSummary};
use uuid::Uuid;

use crate::api;
use crate::browser;
use crate::components::form_dialog::FormDialog;
use crate::components::markup::{el, input, options, para, Html};
use crate::components::pending::{password_problem, username_problem, Pending};
use crate::i18n::{use_i18n, Text};
use crate::pages::user_keys::UserKeys;

/// Which dialog is open.
#[derive(Debug, Clone)]
pub enum UserDialog {
    Create,
    Role(UserSummary),
    Toggle(UserSummary),
    Reset(UserSummary),
    Keys(UserSummary),
    Revoke(UserSummary, ApiKey),
}

/// The open dialog: its words and fields as markup, and what its button
/// does.
#[component]
pub fn UserDialogView(
    dialog: UserDialog,
    pending: Pending,
    on_close: Callback<()>,
    on_changed: Callback<()>,
    set: RwSignal<Option<UserDialog>>,
    refresh: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = move |x| i18n.t(x);
    let update = move |id: Uuid, body: UpdateUser| {
        pending.run(i18n, api::update_user(id, body), move |_| {
            on_changed.run(())
        });
    };
    let question = |text: Text, name: &str, warning: &str| {
        Html::concat(&[
            el(
                "p",
                &[],
                el("strong", &[], Html::text(&t(text).replace("{name}", name))),
            ),
            para("warning", warning),
        ])
    };
    let (id, title, body, label, danger, submit): (_, _, Html, _, _, Callback<()>) = match dialog {
        UserDialog::Create => {
            let body = Html::concat(&[
                input(
                    "new-username",
                    t(Text::Username),
                    "text",
                    "off",
                    t(Text::UsernameRule),
                ),
                el("label", &[("for", "new-role")], Html::text(t(Text::Role))),
                el(
                    "select",
                    &[("id", "new-role")],
                    options(
                        [("user", t(Text::RoleUser)), ("admin", t(Text::RoleAdmin))].into_iter(),
                        "user",
                    ),
                ),
                input(
                    "new-password",
                    t(Text::InitialPassword),
                    "password",
                    "new-password",
                    t(Text::PasswordRule),
                ),
            ]);
            let submit = move |()| {
                let username = browser::value_of("new-username");
                let password = browser::value_of("new-password");
                if let Some(problem) =
                    username_problem(&username).or_else(|| password_problem(&password))
                {
                    return pending.refuse(t(problem).to_owned());
                }
                let role = if browser::value_of("new-role") == "admin" {
                    Role::Admin
                } else {
                    Role::User
                };
                let body = CreateUser {
                    username: username.trim().to_owned(),
                    password,
                    role: Some(role),
                };
                pending.run(i18n, api::create_user(body), move |_| on_changed.run(()));
            };
            (
                "create",
                Text::CreateUser,
                body,
                Some(Text::Create),
                false,
                Callback::new(submit),
            )
        }
        UserDialog::Role(u) => {
            let (words, role) = match u.role {
                Role::User => (Text::MakeAdmin, Role::Admin),
                Role::Admin => (Text::MakeUser, Role::User),
            };
            let body = question(words, &u.username, t(Text::RoleWarning));
            let submit = move |()| {
                update(
                    u.id,
                    UpdateUser {
                        role: Some(role),
                        ..UpdateUser::default()
                    },
                )
            };
            (
                "role",
                Text::ChangeRole,
                body,
                Some(Text::ChangeRole),
                false,
                Callback::new(submit),
            )
        }
        UserDialog::Toggle(u) => {
            let (title, words, warning) = if u.disabled {
                (Text::Enable, Text::EnableConfirm, Text::EnableWarning)
            } else {
                (Text::Disable, Text::DisableConfirm, Text::DisableWarning)
            };
            let warning = t(warning).replace("{n}", &u.active_keys.to_string());
            let body = question(words, &u.username, &warning);
            let disabled = !u.disabled;
            let submit = move |()| {
                update(
                    u.id,
                    UpdateUser {
                        disabled: Some(disabled),
                        ..UpdateUser::default()
                    },
                )
            };
            (
                "toggle",
                title,
                body,
                Some(title),
                disabled,
                Callback::new(submit),
            )
        }
        UserDialog::Reset(u) => {
            let body = Html::concat(&[
                el(
                    "p",
                    &[],
                    Html::text(&t(Text::ResetTitle).replace("{name}", &u.username)),
                ),
                input(
                    "reset-password",
                    t(Text::NewPassword),
                    "password",
                    "new-password",
                    t(Text::PasswordRule),
                ),
                para("warning", t(Text::ResetWarning)),
            ]);
            let submit = move |()| {
                let password = browser::value_of("reset-password");
                if let Some(problem) = password_problem(&password) {
                    return pending.refuse(t(problem).to_owned());
                }
                update(
                    u.id,
                    UpdateUser {
                        password: Some(password),
                        ..UpdateUser::default()
                    },
                );
            };
            (
                "reset",
                Text::ResetPassword,
                body,
                Some(Text::Reset),
                false,
                Callback::new(submit),
            )
        }
        UserDialog::Keys(u) => {
            let owner = u.clone();
            let on_revoke =
                Callback::new(move |key| set.set(Some(UserDialog::Revoke(owner.clone(), key))));
            return view! { <UserKeys user=u pending on_close on_revoke/> }.into_any();
        }
        UserDialog::Revoke(u, key) => {
            let body = question(Text::DeleteConfirm, &key.name, t(Text::DeleteWarning));
            let back = u.clone();
            let submit = move |()| {
                let u = u.clone();
                pending.run(i18n, api::revoke_user_key(u.id, key.id), move |()| {
                    set.set(Some(UserDialog::Keys(u)));
                    refresh.run(());
                });
            };
            let on_close = Callback::new(move |()| set.set(Some(UserDialog::Keys(back.clone()))));
            return view! {
                <FormDialog id="revoke" title=Text::Revoke body label=Some(Text::Revoke) danger=true pending
                    on_submit=Callback::new(submit) on_close/>
            }
            .into_any();
        }
    };
    view! { <FormDialog id title body label danger pending on_submit=submit on_close/> }.into_any()
}
