//! The key list: name (a button that opens the key's usage; with its
//! limits: scopes, networks, "old secret valid until …" after a roll, and
//! "unused for 90 days" on a forgotten key), last IP and last date used (empty when
//! never used), expiry (marked when expired, warned within 7 days), and at
//! the right end of each row the "Editar clave API", "Rotar clave API" and
//! "Eliminar clave de API" icons.

use leptos::prelude::*;
use llavero_types::ApiKey;

use crate::browser;
use crate::components::dialogs::Dialog;
use crate::components::icons;
use crate::i18n::{use_i18n, Text};

/// How close to its expiry a key is, as of `now` (milliseconds).
fn expiry_state(expires_at: Option<&str>, now: f64) -> Option<(bool, bool)> {
    let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(expires_at?)).get_time();
    (!at.is_nan()).then_some((at <= now, at - now < 7.0 * 86_400_000.0))
}

#[component]
pub fn KeyTable(keys: RwSignal<Vec<ApiKey>>, dialog: RwSignal<Option<Dialog>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="keys">
            <caption class="visually-hidden">{move || i18n.t(Text::ApiCredentials)}</caption>
            <thead>
                <tr>
                    <th scope="col">{move || i18n.t(Text::Name)}</th>
                    <th scope="col">{move || i18n.t(Text::LastIp)}</th>
                    <th scope="col">{move || i18n.t(Text::LastUsed)}</th>
                    <th scope="col">{move || i18n.t(Text::Expiry)}</th>
                    <th scope="col" class="actions"><span class="visually-hidden">{move || i18n.t(Text::Actions)}</span></th>
                </tr>
            </thead>
            <tbody>
                <For
                    each=move || keys.get()
                    // Any change to what a row shows redraws it.
                    key=|k| (k.id, k.name.clone(), k.hint.clone(), k.last_used_at, k.expires_at,
                        k.previous_secret_expires_at, k.scopes.clone(), k.allowed_cidrs.clone(), k.forgotten)
                    children=move |k: ApiKey| {
                        let used = k.last_used_at.map(|t| t.to_rfc3339());
                        let expires = k.expires_at.map(|t| t.to_rfc3339());
                        let state = expiry_state(expires.as_deref(), browser::now_millis());
                        let old_until = k.previous_secret_expires_at.map(|t| t.to_rfc3339());
                        let scopes = k.scopes.clone();
                        let cidrs = k.allowed_cidrs.join(", ");
                        let edit_key = k.clone();
                        let roll_key = k.clone();
                        let delete_key = k.clone();
                        let usage_key = k.clone();
                        view! {
                            <tr data-key-id=k.id.to_string()>
                                <td>
                                    <button type="button" class="link key-name" title=move || i18n.t(Text::ViewUsage)
                                        on:click=move |_| dialog.set(Some(Dialog::Usage(usage_key.clone())))>{k.name.clone()}</button>
                                    <span class="hint">{k.hint.clone()}</span>
                                    {k.forgotten.then(|| view! { <span class="badge soon forgotten">{move || i18n.t(Text::Forgotten)}</span> })}
                                    {scopes.map(|list| view! {
                                        <span class="limits"><span class="visually-hidden">{move || i18n.t(Text::Permissions)}": "</span>
                                            {list.into_iter().map(|s| view! { <span class="chip">{s}</span> }).collect_view()}
                                        </span>
                                    })}
                                    {(!cidrs.is_empty()).then(|| view! {
                                        <span class="limits mono"><span class="muted">"IP: "</span>{cidrs.clone()}</span>
                                    })}
                                    {old_until.map(|t| view! {
                                        <span class="limits warning-text">{move || i18n.t(Text::OldSecretUntil).replace("{t}", &browser::local_datetime(&t, i18n.0.get().tag()))}</span>
                                    })}
                                </td>
                                <td class="mono">{k.last_used_ip.clone().unwrap_or_default()}</td>
                                <td>{move || used.as_deref().map(|u| browser::local_datetime(u, i18n.0.get().tag())).unwrap_or_default()}</td>
                                <td class="expiry">{move || {
                                    let lang = i18n.0.get().tag();
                                    match (expires.as_deref(), state) {
                                        (Some(_), Some((true, _))) => view! { <span class="badge expired">{i18n.t(Text::Expired)}</span> }.into_any(),
                                        (Some(at), Some((false, true))) => view! { <span class="badge soon">{i18n.t(Text::ExpiresSoon).replace("{t}", &browser::local_date(at, lang))}</span> }.into_any(),
                                        (Some(at), _) => view! { <span>{browser::local_date(at, lang)}</span> }.into_any(),
                                        (None, _) => view! { <span class="muted">{i18n.t(Text::NeverExpires)}</span> }.into_any(),
                                    }
                                }}</td>
                                <td class="actions">
                                    <button type="button" class="icon-button"
                                        aria-label=move || i18n.t(Text::EditKey) title=move || i18n.t(Text::EditKey)
                                        on:click=move |_| dialog.set(Some(Dialog::Rename(edit_key.clone())))>
                                        {icons::pencil()}
                                    </button>
                                    <button type="button" class="icon-button"
                                        aria-label=move || i18n.t(Text::RollKey) title=move || i18n.t(Text::RollKey)
                                        on:click=move |_| dialog.set(Some(Dialog::Roll(roll_key.clone())))>
                                        {icons::rotate()}
                                    </button>
                                    <button type="button" class="icon-button danger"
                                        aria-label=move || i18n.t(Text::DeleteKey) title=move || i18n.t(Text::DeleteKey)
                                        on:click=move |_| dialog.set(Some(Dialog::Revoke(delete_key.clone())))>
                                        {icons::trash()}
                                    </button>
                                </td>
                            </tr>
                        }
                    }
                />
            </tbody>
        </table>
    }
}
