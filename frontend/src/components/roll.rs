//! "Rotar clave API": the key gets a new secret, shown in the same hidden
//! notification as a new key; the user chooses how long the current secret
//! keeps working (none, 1 hour, 24 hours, 7 days), so programs can switch
//! over without downtime.

use leptos::prelude::*;
use llavero_types::{ApiKey, ApiKeyCreated};

use crate::api;
use crate::components::dialogs::error_text;
use crate::components::modal::Modal;
use crate::components::new_key::NewKey;
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
    let grace = RwSignal::new(3600_i64);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let name = key.name.clone();
    let id = key.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let seconds = grace.get_untracked();
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
                    error.set(Some(error_text(i18n, &e, i18n.t(Text::GenericError))));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <Modal id="roll" title=Signal::derive(move || i18n.t(Text::RollKey)) on_cancel=on_close>
            <form novalidate on:submit=submit>
                <p>{move || i18n.t(Text::RollHelp).replace("{name}", &name)}</p>
                <fieldset class="scopes">
                    <legend>{move || i18n.t(Text::Grace)}</legend>
                    {GRACES.into_iter().map(|(seconds, label)| view! {
                        <label class="choice">
                            <input type="radio" name="grace" value=seconds.to_string()
                                prop:checked=move || grace.get() == seconds
                                on:change=move |_| grace.set(seconds)/>
                            {move || i18n.t(label)}
                        </label>
                    }).collect_view()}
                </fieldset>
                <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
                <div class="dialog-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>{move || i18n.t(Text::Cancel)}</button>
                    <button type="submit" class="primary" disabled=move || busy.get()>{move || i18n.t(Text::Roll)}</button>
                </div>
            </form>
        </Modal>
    }
}
