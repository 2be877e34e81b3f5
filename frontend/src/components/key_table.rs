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
use crate::components::markup::{clicked, esc, icon_button};
use crate::i18n::{use_i18n, I18n, Text};

/// How close to its expiry a key is, as of `now` (milliseconds): whether
/// it has expired, and whether it expires within 7 days.
fn expiry_state(expires_at_ms: i64, now: f64) -> (bool, bool) {
    let at = expires_at_ms as f64;
    (at <= now, at - now < 7.0 * 86_400_000.0)
}

/// One row's markup.
fn row(k: &ApiKey, i18n: I18n, lang: &str, now: f64) -> String {
    let t = |x| esc(i18n.t(x));
    let id = k.id.to_string();
    let mut name = format!(
        "<button type=\"button\" class=\"link key-name\" id=\"usage-{id}\" data-act=\"usage\" data-id=\"{id}\" title=\"{}\">{}</button><span class=\"hint\">{}</span>",
        t(Text::ViewUsage),
        esc(&k.name),
        esc(&k.hint),
    );
    if k.forgotten {
        name += &format!(
            "<span class=\"badge soon forgotten\">{}</span>",
            t(Text::Forgotten)
        );
    }
    if let Some(scopes) = &k.scopes {
        let chips: String = scopes
            .iter()
            .map(|s| format!("<span class=\"chip\">{}</span>", esc(s)))
            .collect();
        name += &format!(
            "<span class=\"limits\"><span class=\"visually-hidden\">{}: </span>{chips}</span>",
            t(Text::Permissions)
        );
    }
    if !k.allowed_cidrs.is_empty() {
        name += &format!(
            "<span class=\"limits mono\"><span class=\"muted\">IP: </span>{}</span>",
            esc(&k.allowed_cidrs.join(", "))
        );
    }
    if let Some(until) = k.previous_secret_expires_at {
        let at = browser::local_datetime(&until.to_rfc3339(), lang);
        name += &format!(
            "<span class=\"limits warning-text\">{}</span>",
            t(Text::OldSecretUntil).replace("{t}", &esc(&at))
        );
    }
    let used = k
        .last_used_at
        .map(|at| esc(&browser::local_datetime(&at.to_rfc3339(), lang)))
        .unwrap_or_default();
    let expiry = match k.expires_at {
        None => format!("<span class=\"muted\">{}</span>", t(Text::NeverExpires)),
        Some(at) => {
            let date = esc(&browser::local_date(&at.to_rfc3339(), lang));
            match expiry_state(at.timestamp_millis(), now) {
                (true, _) => format!("<span class=\"badge expired\">{}</span>", t(Text::Expired)),
                (false, true) => format!(
                    "<span class=\"badge soon\">{}</span>",
                    t(Text::ExpiresSoon).replace("{t}", &date)
                ),
                (false, false) => format!("<span>{date}</span>"),
            }
        }
    };
    format!(
        "<tr data-key-id=\"{id}\"><td>{name}</td><td class=\"mono\">{}</td><td>{used}</td><td class=\"expiry\">{expiry}</td><td class=\"actions\">{}{}{}</td></tr>",
        esc(k.last_used_ip.as_deref().unwrap_or("")),
        icon_button("edit", &id, "", i18n.t(Text::EditKey), icons::PENCIL),
        icon_button("roll", &id, "", i18n.t(Text::RollKey), icons::ROTATE),
        icon_button("delete", &id, " danger", i18n.t(Text::DeleteKey), icons::TRASH),
    )
}

/// The whole table's markup.
fn table(keys: &[ApiKey], i18n: I18n) -> String {
    let t = |x| esc(i18n.t(x));
    let lang = i18n.0.get().tag();
    let now = browser::now_millis();
    let rows: String = keys.iter().map(|k| row(k, i18n, lang, now)).collect();
    format!(
        "<table class=\"keys\"><caption class=\"visually-hidden\">{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\" class=\"actions\"><span class=\"visually-hidden\">{}</span></th></tr></thead><tbody>{rows}</tbody></table>",
        t(Text::ApiCredentials),
        t(Text::Name),
        t(Text::LastIp),
        t(Text::LastUsed),
        t(Text::Expiry),
        t(Text::Actions),
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
