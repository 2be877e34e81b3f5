//! Every dialog of the activity, users and account screens: a modal form
//! whose fields and words are markup (see `markup`), the refusal line, and
//! "Cancelar" with the confirming button (or only "Cerrar").
//!
//! One component for all of them, so the app carries one copy of a
//! dialog's rendering code instead of one per dialog: written as separate
//! views, these dialogs cost several times as much download. The markup is
//! drawn when the dialog opens (the language cannot change meanwhile: the
//! switch is outside the modal).

use leptos::prelude::*;

use crate::components::markup::{clicked, Html};
use crate::components::modal::Modal;
use crate::components::pending::Pending;
use crate::i18n::{use_i18n, Text};

#[component]
pub fn FormDialog(
    /// Unique on the page (the heading's id is derived from it).
    id: &'static str,
    title: Text,
    /// The fields and words, as markup; redrawn when it changes.
    #[prop(into)]
    body: Signal<Html>,
    /// The confirming button's words; `None`: the dialog only shows, and
    /// has one "Cerrar" button.
    label: Option<Text>,
    /// The confirming button is red (it stops something).
    danger: bool,
    pending: Pending,
    on_submit: Callback<()>,
    on_close: Callback<()>,
    /// A click on a `data-act` button inside `body`: `(act, id)`.
    #[prop(optional)]
    on_act: Option<Callback<(String, String)>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let buttons = match label {
        Some(label) => view! {
            <button type="button" class="secondary" on:click=move |_| on_close.run(())>{i18n.s(Text::Cancel)}</button>
            <button type="submit" class=if danger { "danger-button" } else { "primary" }
                disabled=move || pending.busy.get()>{i18n.s(label)}</button>
        }
        .into_any(),
        None => view! {
            <button type="button" class="primary" on:click=move |_| on_close.run(())>{i18n.s(Text::Close)}</button>
        }
        .into_any(),
    };
    view! {
        <Modal id title=i18n.s(title) on_cancel=on_close>
            <form on:submit=move |ev| { ev.prevent_default(); on_submit.run(()) }>
                <div class="dialog-body" inner_html=body on:click=move |ev| {
                    if let (Some(act), Some(hit)) = (on_act, clicked(&ev)) {
                        act.run(hit);
                    }
                }></div>
                <p class="field-error" role="alert">{move || pending.error.get()}</p>
                <div class="dialog-actions">{buttons}</div>
            </form>
        </Modal>
    }
}
