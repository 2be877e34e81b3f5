//! The key list: name (a button that opens the key's usage; with its
//! limits: scopes, networks, "old secret valid until …" after a roll, and
//! "unused for 90 days" on a forgotten key), last IP and last date used (empty when
//! never used), expiry (marked when expired, warned within 7 days), and at
//! the right end of each row the "Editar clave API", "Rotar clave API" and
//! "Eliminar clave de API" icons.
//!
//! Drawn as markup (see `markup`), redrawn when the keys or the language
//! change; one click handler reads the buttons' `data-act` and `data-id`.
//! As a keyed list of Leptos views, this table cost several KB more of
//! download.

use leptos::prelude::*;
use llavero_types::ApiKey;

use crate::browser;
use crate::components::dialogs::Dialog;
use crate::components::icons;
use crate::components::markup::{clicked, el, icon_button, span, Html};
use crate::i18n::{use_i18n, I18n, Text};

/// How close to its expiry a key is, as of `now` (milliseconds): whether
/// it has expired, and whether it expires within 7 days.
fn expiry_state(expires_at_ms: i64, now: f64) -> (bool, bool) {
    let at = expires_at_ms as f64;
    (at <= now, at - now < 7.0 * 86_400_000.0)
}

/// One row's markup.
fn row(k: &ApiKey, i18n: I18n, lang: &str, now: f64) -> Html {
    let t = |x| i18n.t(x);
    let id = k.id.to_string();
    let mut name = Html::concat(&[
        el(
            "button",
            &[
                ("type", "button"),
                ("class", "link key-name"),
                ("id", &["usage-", &id].concat()),
                ("data-act", "usage"),
                ("data-id", &id),
                ("title", t(Text::ViewUsage)),
            ],
            Html::text(&k.name),
        ),
        span("hint", Html::text(&k.hint)),
    ]);
    if k.forgotten {
        name.push(&span(
            "badge soon forgotten",
            Html::text(t(Text::Forgotten)),
        ));
    }
    if let Some(scopes) = &k.scopes {
        let mut limits = span(
            "visually-hidden",
            Html::text(&[t(Text::Permissions), ": "].concat()),
        );
        for scope in scopes {
            limits.push(&span("chip", Html::text(scope)));
        }
        name.push(&span("limits", limits));
    }
    if !k.allowed_cidrs.is_empty() {
        let mut limits = span("muted", Html::text("IP: "));
        limits.push_text(&k.allowed_cidrs.join(", "));
        name.push(&span("limits mono", limits));
    }
    if let Some(until) = k.previous_secret_expires_at {
        let at = browser::local_datetime(&until.to_rfc3339(), lang);
        name.push(&span(
            "limits warning-text",
            Html::text(&t(Text::OldSecretUntil).replace("{t}", &at)),
        ));
    }
    let used = k
        .last_used_at
        .map(|at| Html::text(&browser::local_datetime(&at.to_rfc3339(), lang)))
        .unwrap_or_default();
    let expiry = match k.expires_at {
        None => span("muted", Html::text(t(Text::NeverExpires))),
        Some(at) => {
            let date = browser::local_date(&at.to_rfc3339(), lang);
            match expiry_state(at.timestamp_millis(), now) {
                (true, _) => span("badge expired", Html::text(t(Text::Expired))),
                (false, true) => span(
                    "badge soon",
                    Html::text(&t(Text::ExpiresSoon).replace("{t}", &date)),
                ),
                (false, false) => el("span", &[], Html::text(&date)),
            }
        }
    };
    let cell = |class, body| el("td", &[("class", class)], body);
    el(
        "tr",
        &[("data-key-id", &id)],
        Html::concat(&[
            el("td", &[], name),
            cell("mono", Html::text(k.last_used_ip.as_deref().unwrap_or(""))),
            el("td", &[], used),
            cell("expiry", expiry),
            cell(
                "actions",
                Html::concat(&[
                    icon_button("edit", &id, "", t(Text::EditKey), icons::PENCIL),
                    icon_button("roll", &id, "", t(Text::RollKey), icons::ROTATE),
                    icon_button("delete", &id, " danger", t(Text::DeleteKey), icons::TRASH),
                ]),
            ),
        ]),
    )
}

/// The whole table's markup.
fn table(keys: &[ApiKey], i18n: I18n) -> Html {
    let t = |x| i18n.t(x);
    let lang = i18n.0.get().tag();
    let now = browser::now_millis();
    let head = |text| el("th", &[("scope", "col")], Html::text(t(text)));
    el(
        "table",
        &[("class", "keys")],
        Html::concat(&[
            el(
                "caption",
                &[("class", "visually-hidden")],
                Html::text(t(Text::ApiCredentials)),
            ),
            el(
                "thead",
                &[],
                el(
                    "tr",
                    &[],
                    Html::concat(&[
                        head(Text::Name),
                        head(Text::LastIp),
                        head(Text::LastUsed),
                        head(Text::Expiry),
                        el(
                            "th",
                            &[("scope", "col"), ("class", "actions")],
                            span("visually-hidden", Html::text(t(Text::Actions))),
                        ),
                    ]),
                ),
            ),
            el(
                "tbody",
                &[],
                keys.iter().map(|k| row(k, i18n, lang, now)).collect(),
            ),
        ]),
    )
}

#[component]
pub fn KeyTable(keys: RwSignal<Vec<ApiKey>>, dialog: RwSignal<Option<Dialog>>) -> impl IntoView {
    let i18n = use_i18n();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some((act, id)) = clicked(&ev) else {
            return;
        };
        let Some(key) = keys.with(|k| k.iter().find(|k| k.id.to_string() == id).cloned()) else {
            return;
        };
        dialog.set(Some(match act.as_str() {
            "usage" => Dialog::Usage(key),
            "edit" => Dialog::Rename(key),
            "roll" => Dialog::Roll(key),
            _ => Dialog::Revoke(key),
        }));
    };
    view! { <div class="table-wrap" on:click=on_click inner_html=move || keys.with(|k| table(k, i18n))></div> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_expired_at_its_instant_and_warned_within_seven_days() {
        let day = 86_400_000i64;
        assert_eq!(expiry_state(1_000, 1_000.0), (true, true));
        assert_eq!(expiry_state(1_000 + 6 * day, 1_000.0), (false, true));
        assert_eq!(expiry_state(1_000 + 8 * day, 1_000.0), (false, false));
    }
}
