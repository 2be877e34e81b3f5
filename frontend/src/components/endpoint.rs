//! The API endpoint URL at the top of the list, with its clipboard icon.

use leptos::prelude::*;

use crate::browser;
use crate::components::icons;
use crate::i18n::{use_i18n, Text};

#[component]
pub fn Endpoint(
    /// The URL, once `/info` has answered.
    #[prop(into)]
    url: Signal<Option<String>>,
    /// Where to announce "copied".
    toast: RwSignal<Option<Text>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let copy = move |_| {
        let Some(text) = url.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let ok = browser::copy(&text).await;
            toast.set(Some(if ok { Text::Copied } else { Text::CopyFailed }));
        });
    };
    view! {
        <section class="endpoint" aria-labelledby="endpoint-label">
            <span id="endpoint-label" class="label">{i18n.s(Text::ApiEndpoint)}</span>
            <code class="endpoint-url" data-testid="endpoint-url">{move || url.get().unwrap_or_default()}</code>
            <button type="button" class="icon-button"
                aria-label=i18n.s(Text::CopyEndpoint)
                title=i18n.s(Text::CopyEndpoint)
                on:click=copy>
                {icons::clipboard()}
            </button>
        </section>
    }
}
