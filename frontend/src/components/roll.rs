//! "Rotar clave API": the key gets a new secret, shown in the same hidden
//! notification as a new key; the user chooses how long the current secret
//! keeps working (none, 1 hour, 24 hours, 7 days), so programs can switch
//! over without downtime.

use leptos::prelude::*;
use llavero_types::{ApiKey, ApiKeyCreated};

use crate::api;
use crate::browser;
use crate::components::dialogs::error_text;
use crate::components::form_dialog::FormDialog;
use crate::components::markup::{el, void, Html};
use crate::components::new_key::NewKey;
use crate::components::pending::Pending;
use crate::i18n::{use_i18n, Text};

/// The grace periods offered, in seconds.
const GRACES: [(i64, Text); 4] = [
    (0, Text::GraceNone),
    (3600, Text::GraceHour),
    (86_400, Text::GraceDay),
    (604_800, Text::GraceWeek),
];

#[component]
pub fn RollDialog(
    key: ApiKey,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_rolled: Callback<(ApiKey, NewKey)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let pending = Pending::new();
    let id = key.id;
    let t = move |x| i18n.t(x);
    let choices: Html = GRACES
        .iter()
        .map(|(seconds, label)| {
            let value = seconds.to_string();
            let attrs = [
                ("type", "radio"),
                ("name", "grace"),
                ("value", value.as_str()),
                ("checked", ""),
            ];
            // The hour is chosen to begin with.
            let attrs = if *seconds == 3600 {
                &attrs[..]
            } else {
                &attrs[..3]
            };
            let mut choice = void("input", attrs);
            choice.push_text(" ");
            choice.push_text(t(*label));
            el("label", &[("class", "choice")], choice)
        })
        .collect();
    let body = Html::concat(&[
        el(
            "p",
            &[],
            Html::text(&t(Text::RollHelp).replace("{name}", &key.name)),
        ),
        el(
            "fieldset",
            &[("class", "scopes")],
            Html::concat(&[el("legend", &[], Html::text(t(Text::Grace))), choices]),
        ),
    ]);
    let submit = Callback::new(move |()| {
        if pending.busy.get_untracked() {
            return;
        }
        pending.busy.set(true);
        let seconds = browser::checked_value("grace").parse().unwrap_or(3600);
        leptos::task::spawn_local(async move {
            match api::roll_key(id, seconds).await {
                Ok(ApiKeyCreated { data, secret }) => {
                    let notice = NewKey {
                        name: data.name.clone(),
                        secret,
                    };
                    on_rolled.run((data, notice));
                }
                Err(e) => {
                    pending.refuse(error_text(i18n, &e, i18n.t(Text::GenericError)));
                    pending.busy.set(false);
                }
            }
        });
    });
    view! {
        <FormDialog id="roll" title=Text::RollKey body label=Some(Text::Roll) danger=false pending
            on_submit=submit on_close/>
    }
}
