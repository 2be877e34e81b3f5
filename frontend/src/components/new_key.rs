//! The notification that holds a new key: hidden until the eye icon reveals
//! it, copied by the clipboard icon, and gone — from the page and from
//! memory — once dismissed. It never disappears by itself.

use leptos::prelude::*;

use crate::browser;
use crate::components::icons;
use crate::i18n::{use_i18n, Text};

/// A key just generated, held only in memory until dismissed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    pub name: String,
    pub secret: String,
}

#[component]
pub fn NewKeyNotice(
    /// The key; set to `None` on dismissal, which drops the secret.
    key: RwSignal<Option<NewKey>>,
    toast: RwSignal<Option<Text>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let revealed = RwSignal::new(false);
    // Every secret arrives hidden, even one that replaces a revealed one
    // (a second key generated, or a roll, before dismissing the first).
    Effect::new(move |_| {
        key.track();
        revealed.set(false);
    });
    let shown = move || {
        key.with(|k| match k {
            Some(k) if revealed.get() => k.secret.clone(),
            // Hidden: the page holds bullets, not the key.
            Some(k) => format!(
                "{}{}",
                &k.secret[..k.secret.find('_').map_or(0, |i| i + 1)],
                "•".repeat(24)
            ),
            None => String::new(),
        })
    };
    let copy = move |_| {
        let Some(secret) = key.with_untracked(|k| k.as_ref().map(|k| k.secret.clone())) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let ok = browser::copy(&secret).await;
            toast.set(Some(if ok { Text::Copied } else { Text::CopyFailed }));
        });
    };
    let dismiss = move |_| {
        revealed.set(false);
        key.set(None);
        let _ = browser::focus_by_id("generate-key");
    };

    view! {
        <Show when=move || key.with(Option::is_some)>
            <div class="notice" role="alert" aria-labelledby="new-key-title" data-testid="new-key">
                <div class="notice-head">
                    <strong id="new-key-title">
                        {i18n.s(Text::NewKeyTitle)}
                        {move || key.with(|k| k.as_ref().map(|k| format!(": {}", k.name)).unwrap_or_default())}
                    </strong>
                    <button type="button" class="icon-button" data-testid="dismiss-key"
                        aria-label=i18n.s(Text::Dismiss) title=i18n.s(Text::Dismiss)
                        on:click=dismiss>
                        {icons::close()}
                    </button>
                </div>
                <p class="warning">{i18n.s(Text::NewKeyWarning)}</p>
                <div class="secret-row">
                    <code class="secret" data-testid="new-key-value">{shown}</code>
                    <button type="button" class="icon-button"
                        aria-pressed=move || revealed.get().to_string()
                        aria-label=move || i18n.t(if revealed.get() { Text::HideKey } else { Text::RevealKey })
                        title=move || i18n.t(if revealed.get() { Text::HideKey } else { Text::RevealKey })
                        on:click=move |_| revealed.update(|r| *r = !*r)>
                        {move || if revealed.get() { icons::eye_off().into_any() } else { icons::eye().into_any() }}
                    </button>
                    <button type="button" class="icon-button"
                        aria-label=i18n.s(Text::CopyKey) title=i18n.s(Text::CopyKey)
                        on:click=copy>
                        {icons::clipboard()}
                    </button>
                </div>
            </div>
        </Show>
    }
}
