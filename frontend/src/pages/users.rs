//! "Usuarios" (admins): a row per user with role, state and active keys,
//! and at the row's end the actions — view keys (and revoke one), change
//! role, disable or enable (the confirmation says the user's keys stop at
//! once), reset the password — plus "Crear usuario".
//!
//! The table is markup (see `markup`); its buttons are read by one click
//! handler. The dialogs are in `user_dialogs`. After each change the list is fetched
//! again, so role, state and key counts are the server's.

use leptos::prelude::*;
use llavero_types::{Role, UserSummary};
use uuid::Uuid;

use crate::api;
use crate::browser;
use crate::components::icons;
use crate::components::markup::{
    clicked, el, failed, icon_button, loading, row, span, table, Html,
};
use crate::components::pending::Pending;
use crate::i18n::{use_i18n, I18n, Text};
use crate::pages::user_dialogs::{UserDialog, UserDialogView};

/// The words for a role.
pub fn role_text(role: Role) -> Text {
    match role {
        Role::Admin => Text::RoleAdmin,
        Role::User => Text::RoleUser,
    }
}

/// The table's markup, in the current language.
fn rows(users: &[UserSummary], i18n: I18n) -> Html {
    let lang = i18n.0.get().tag();
    let t = |x| i18n.t(x);
    table(
        "compact users",
        t(Text::Users),
        &[
            t(Text::Username),
            t(Text::Role),
            t(Text::State),
            t(Text::ActiveKeys),
            t(Text::Created),
            t(Text::Actions),
        ],
        users
            .iter()
            .map(|u| {
                let id = u.id.to_string();
                let (state, word, toggle, icon) = if u.disabled {
                    ("badge expired", Text::Disabled, Text::Enable, icons::CHECK)
                } else {
                    ("badge ok", Text::Enabled, Text::Disable, icons::BAN)
                };
                // Named "<action> <username>", so each row's buttons differ.
                let named = |text| [t(text), " ", &u.username].concat();
                let mut name = el("strong", &[], Html::text(&u.username));
                if u.oidc {
                    name.push_text(" ");
                    name.push(&el(
                        "span",
                        &[("class", "badge sso"), ("title", t(Text::FromProvider))],
                        Html::text("SSO"),
                    ));
                }
                let actions = Html::concat(&[
                    icon_button("keys", &id, "", &named(Text::ViewKeys), icons::KEY),
                    icon_button("role", &id, "", &named(Text::ChangeRole), icons::SHIELD),
                    icon_button("toggle", &id, " danger", &named(toggle), icon),
                    // A user from the identity provider has no password here.
                    if u.oidc {
                        span("icon-gap", Html::default())
                    } else {
                        icon_button("reset", &id, "", &named(Text::ResetPassword), icons::LOCK)
                    },
                ]);
                row(vec![
                    name,
                    Html::text(t(role_text(u.role))),
                    span(state, Html::text(t(word))),
                    Html::text(&u.active_keys.to_string()),
                    Html::text(&browser::local_date(&u.created_at.to_rfc3339(), lang)),
                    actions,
                ])
            })
            .collect(),
    )
}

#[component]
pub fn Users() -> impl IntoView {
    let i18n = use_i18n();
    // None: loading; Some(None): failed.
    let users = RwSignal::new(None::<Option<Vec<UserSummary>>>);
    let dialog = RwSignal::new(None::<UserDialog>);
    let pending = Pending::new();
    let toast = RwSignal::new(None::<Text>);

    let reload = move || {
        leptos::task::spawn_local(async move {
            let answer = api::users().await;
            if matches!(&answer, Err(e) if e.signed_out()) {
                browser::go("/login");
                return;
            }
            // Redrawn rows are new elements: give focus back to the same
            // button once they are in the page.
            let focused = browser::active_id();
            users.set(Some(answer.ok().map(|l| l.data)));
            request_animation_frame(move || {
                let _ = browser::focus_by_id(&focused);
            });
        });
    };
    reload();

    let find = move |id: &str| {
        let id = Uuid::parse_str(id).ok()?;
        users.with(|u| u.iter().flatten().flatten().find(|u| u.id == id).cloned())
    };
    let on_table_click = move |ev: leptos::ev::MouseEvent| {
        let Some((act, id)) = clicked(&ev) else {
            return;
        };
        let Some(user) = find(&id) else { return };
        pending.error.set(None);
        dialog.set(Some(match act.as_str() {
            "keys" => UserDialog::Keys(user),
            "role" => UserDialog::Role(user),
            "toggle" => UserDialog::Toggle(user),
            _ => UserDialog::Reset(user),
        }));
    };
    let close = Callback::new(move |()| dialog.set(None));
    let changed = Callback::new(move |()| {
        dialog.set(None);
        toast.set(Some(Text::Done));
        reload();
    });
    // A key revoked from a user's keys: the list's count changes.
    let refresh = Callback::new(move |()| reload());

    view! {
        <section class="card">
            <div class="title-row">
                <h1>{i18n.s(Text::Users)}</h1>
                <button id="create-user" type="button" class="primary"
                    on:click=move |_| { pending.error.set(None); dialog.set(Some(UserDialog::Create)) }>
                    {i18n.s(Text::CreateUser)}
                </button>
            </div>
            <p class="toast" role="status" aria-live="polite">{move || toast.get().map(|k| i18n.t(k)).unwrap_or_default()}</p>
            <div class="table-wrap" on:click=on_table_click inner_html=move || match users.get() {
                None => loading(i18n.t(Text::Loading)),
                Some(None) => failed(i18n.t(Text::UsersFailed)),
                Some(Some(list)) => rows(&list, i18n),
            }></div>
        </section>
        {move || dialog.get().map(|d| view! { <UserDialogView dialog=d pending on_close=close on_changed=changed set=dialog refresh/> })}
    }
}
