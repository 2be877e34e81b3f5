//! The key list: name, last IP and last date used (empty when never used),
//! and at the right end of each row the "Editar clave API" and "Eliminar
//! clave de API" icons.

use leptos::prelude::*;
use llavero_types::ApiKey;

use crate::browser;
use crate::components::dialogs::Dialog;
use crate::components::icons;
use crate::i18n::{use_i18n, Text};

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
                    <th scope="col" class="actions"><span class="visually-hidden">{move || i18n.t(Text::Actions)}</span></th>
                </tr>
            </thead>
            <tbody>
                <For
                    each=move || keys.get()
                    key=|k| (k.id, k.name.clone(), k.last_used_at)
                    children=move |k: ApiKey| {
                        let used = k.last_used_at.map(|t| t.to_rfc3339());
                        let edit_key = k.clone();
                        let delete_key = k.clone();
                        view! {
                            <tr data-key-id=k.id.to_string()>
                                <td>
                                    <span class="key-name">{k.name.clone()}</span>
                                    <span class="hint">{k.hint.clone()}</span>
                                </td>
                                <td class="mono">{k.last_used_ip.clone().unwrap_or_default()}</td>
                                <td>{move || used.as_deref().map(|u| browser::local_datetime(u, i18n.0.get().tag())).unwrap_or_default()}</td>
                                <td class="actions">
                                    <button type="button" class="icon-button"
                                        aria-label=move || i18n.t(Text::EditKey) title=move || i18n.t(Text::EditKey)
                                        on:click=move |_| dialog.set(Some(Dialog::Rename(edit_key.clone())))>
                                        {icons::pencil()}
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
