//! A user's keys, as an admin sees them from "Usuarios": name and hint,
//! last use, expiry, and a "Revocar" button per key that asks first.

use leptos::prelude::*;
use llavero_types::{ApiKey, UserSummary};

use crate::api;
use crate::browser;
use crate::components::form_dialog::FormDialog;
use crate::components::markup::{button, el, failed, loading, none, row, span, table, Html};
use crate::components::pending::Pending;
use crate::i18n::{use_i18n, I18n, Text};

/// The keys table's markup, in the current language.
fn rows(keys: &[ApiKey], i18n: I18n) -> Html {
    if keys.is_empty() {
        return none(i18n.t(Text::NoUserKeys));
    }
    let lang = i18n.0.get().tag();
    let t = |x| i18n.t(x);
    let now = browser::now_millis() as i64;
    table(
        "compact user-keys",
        t(Text::ApiCredentials),
        &[
            t(Text::Name),
            t(Text::LastUsed),
            t(Text::Expiry),
            t(Text::Actions),
        ],
        keys.iter()
            .map(|k| {
                let expiry = match k.expires_at {
                    Some(at) if at.timestamp_millis() <= now => {
                        span("badge expired", Html::text(t(Text::Expired)))
                    }
                    Some(at) => Html::text(&browser::local_date(&at.to_rfc3339(), lang)),
                    None => Html::text(t(Text::NeverExpires)),
                };
                row(vec![
                    Html::concat(&[
                        span("key-name", Html::text(&k.name)),
                        span("hint", Html::text(&k.hint)),
                    ]),
                    k.last_used_at
                        .map(|at| Html::text(&browser::local_datetime(&at.to_rfc3339(), lang)))
                        .unwrap_or_default(),
                    expiry,
                    button(
                        "revoke",
                        &k.id.to_string(),
                        "danger-button small-button",
                        t(Text::Revoke),
                        &k.name,
                    ),
                ])
            })
            .collect(),
    )
}

#[component]
pub fn UserKeys(
    user: UserSummary,
    pending: Pending,
    on_close: Callback<()>,
    /// "Revocar" on one of the keys: the dialogs ask to confirm.
    on_revoke: Callback<ApiKey>,
) -> impl IntoView {
    let i18n = use_i18n();
    // None: loading; Some(None): failed.
    let keys = RwSignal::new(None::<Option<Vec<ApiKey>>>);
    let id = user.id;
    leptos::task::spawn_local(async move {
        keys.set(Some(api::user_keys(id).await.ok().map(|l| l.data)));
    });
    let owner = el(
        "p",
        &[],
        el(
            "strong",
            &[],
            Html::text(&i18n.t(Text::KeysOf).replace("{name}", &user.username)),
        ),
    );
    let body = Signal::derive(move || {
        let list = match keys.get() {
            None => loading(i18n.t(Text::Loading)),
            Some(None) => failed(i18n.t(Text::LoadFailed)),
            Some(Some(list)) => rows(&list, i18n),
        };
        Html::concat(&[owner.clone(), list])
    });
    let on_act = Callback::new(move |(_, key_id): (String, String)| {
        let key = keys.with(|k| {
            k.iter()
                .flatten()
                .flatten()
                .find(|k| k.id.to_string() == key_id)
                .cloned()
        });
        if let Some(key) = key {
            pending.error.set(None);
            on_revoke.run(key);
        }
    });
    view! {
        <FormDialog id="user-keys" title=Text::ViewKeys body label=None danger=false pending
            on_submit=Callback::new(|()| ()) on_close on_act/>
    }
}
