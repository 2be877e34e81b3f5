//! A modal dialog: `role="dialog"`, `aria-modal`, focus moved in on open,
//! trapped inside (Tab and Shift+Tab wrap), Escape cancels, and focus handed
//! back to whatever opened it when it closes (or to its redrawn twin).

use leptos::prelude::*;
use send_wrapper::SendWrapper;

use crate::browser;

#[component]
pub fn Modal(
    /// The dialog's heading (and accessible name).
    #[prop(into)]
    title: Signal<&'static str>,
    /// Called on Escape or a click on the backdrop.
    #[prop(into)]
    on_cancel: Callback<()>,
    /// The id for the heading, unique on the page.
    id: &'static str,
    children: Children,
) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    let opener = SendWrapper::new(browser::active_element());
    // Focus goes back to the opener; if a redraw replaced it (tables drawn
    // as markup), to the new element with its id once drawn; else to the
    // screen's main button.
    on_cleanup(move || match opener.take() {
        Some(el) if el.is_connected() => browser::focus(&el),
        el => {
            let id = el.map(|e| e.id()).unwrap_or_default();
            request_animation_frame(move || {
                if id.is_empty() || !browser::focus_by_id(&id) {
                    let _ = browser::focus_by_id("generate-key");
                }
            });
        }
    });
    Effect::new(move |_| {
        if let Some(el) = root.get() {
            if let Some(first) = browser::focusables(&el).first() {
                browser::focus(first);
            }
        }
    });

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            on_cancel.run(());
        }
        "Tab" => {
            let Some(el) = root.get() else { return };
            let items = browser::focusables(&el);
            let (Some(first), Some(last)) = (items.first(), items.last()) else {
                return;
            };
            let active = browser::active_element();
            let at = |x: &web_sys::HtmlElement| active.as_ref().is_some_and(|a| a == x);
            if ev.shift_key() && at(first) {
                ev.prevent_default();
                browser::focus(last);
            } else if !ev.shift_key() && at(last) {
                ev.prevent_default();
                browser::focus(first);
            }
        }
        _ => {}
    };
    let heading = format!("{id}-title");
    let labelled_by = heading.clone();

    view! {
        <div class="backdrop" on:click=move |_| on_cancel.run(())>
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                node_ref=root
                on:keydown=on_keydown
                on:click=|ev| ev.stop_propagation()
            >
                <h2 id=heading>{move || title.get()}</h2>
                {children()}
            </div>
        </div>
    }
}
