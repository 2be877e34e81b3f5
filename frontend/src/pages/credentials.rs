//! The "Credenciales de API" screen: the endpoint URL with its copy icon,
//! the "Generar clave de API" button, the new-key notification, the key
//! table (50 at a time, "load more" for the rest), the dialogs and a key's
//! usage.

use leptos::prelude::*;
use llavero_types::ApiKey;

use crate::api;
use crate::app::use_session;
use crate::components::dialogs::{Dialog, GenerateDialog, RenameDialog, RevokeDialog};
use crate::components::endpoint::Endpoint;
use crate::components::key_table::KeyTable;
use crate::components::limits::KeyOptions;
use crate::components::new_key::{NewKey, NewKeyNotice};
use crate::components::roll::RollDialog;
use crate::components::usage::UsageDialog;
use crate::i18n::{use_i18n, Text};
use crate::route::{use_nav, Page};

/// Where the list stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Load {
    Loading,
    Ready,
    Failed,
}

#[component]
pub fn Credentials() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let nav = use_nav();
    // The endpoint URL is a resource read under <Suspense>: fetched once when
    // the screen mounts, shown when it arrives.
    let info = LocalResource::new(api::info);
    let endpoint = Signal::derive(move || {
        info.get()
            .and_then(Result::ok)
            .map(|info| info.data.api_endpoint)
    });
    // What the advanced options may offer: the operator's lifetimes (from
    // /info) and scopes (from /scopes). The dialogs that show them open once
    // both have answered: opened before, one would offer no scopes at all.
    let catalogue = LocalResource::new(api::scopes);
    let options = move || async move {
        let info = info.await.ok().map(|i| i.data);
        KeyOptions {
            scopes: catalogue.await.map(|c| c.data).unwrap_or_default(),
            max_days: info.as_ref().and_then(|i| i.key_max_lifetime_days),
            default_days: info.as_ref().and_then(|i| i.key_default_lifetime_days),
        }
    };
    let keys = RwSignal::new(Vec::<ApiKey>::new());
    let next = RwSignal::new(None::<String>);
    let load = RwSignal::new(Load::Loading);
    // A page request is out: "Cargar más" is disabled until it answers, so a
    // double click cannot fetch (and append) the same page twice.
    let fetching = RwSignal::new(false);
    let new_key = RwSignal::new(None::<NewKey>);
    let dialog = RwSignal::new(None::<Dialog>);
    let toast = RwSignal::new(None::<Text>);

    let on_unauthorized = move || {
        session.user.set(None);
        nav.go(Page::Login);
    };

    let fetch_page = move |cursor: Option<String>| {
        if fetching.get_untracked() {
            return;
        }
        fetching.set(true);
        leptos::task::spawn_local(async move {
            let answer = api::list_keys(cursor.clone()).await;
            fetching.set(false);
            match answer {
                Ok(page) => {
                    if cursor.is_some() {
                        keys.update(|k| k.extend(page.data));
                    } else {
                        keys.set(page.data);
                    }
                    next.set(page.next_cursor);
                    load.set(Load::Ready);
                }
                Err(e) if e.signed_out() => on_unauthorized(),
                Err(_) => load.set(Load::Failed),
            }
        });
    };
    let reload = move || {
        load.set(Load::Loading);
        fetch_page(None);
    };
    reload();

    let close = Callback::new(move |()| dialog.set(None));
    let created = Callback::new(move |(key, notice): (ApiKey, NewKey)| {
        keys.update(|k| k.insert(0, key));
        new_key.set(Some(notice));
        dialog.set(None);
    });
    let renamed = Callback::new(move |key: ApiKey| {
        keys.update(|list| {
            if let Some(slot) = list.iter_mut().find(|k| k.id == key.id) {
                *slot = key;
            }
        });
        dialog.set(None);
    });
    let rolled = Callback::new(move |(key, notice): (ApiKey, NewKey)| {
        keys.update(|list| {
            if let Some(slot) = list.iter_mut().find(|k| k.id == key.id) {
                *slot = key;
            }
        });
        new_key.set(Some(notice));
        dialog.set(None);
    });
    let revoked = Callback::new(move |key: ApiKey| {
        keys.update(|list| list.retain(|k| k.id != key.id));
        dialog.set(None);
    });

    let more = move |_| fetch_page(next.get_untracked());

    view! {
        <section class="card">
            <div class="title-row">
                <h1>{move || i18n.t(Text::ApiCredentials)}</h1>
                <button id="generate-key" type="button" class="primary"
                    on:click=move |_| dialog.set(Some(Dialog::Generate))>
                    {move || i18n.t(Text::GenerateKey)}
                </button>
            </div>
            <Suspense fallback=move || view! { <p class="muted" role="status">{move || i18n.t(Text::Loading)}</p> }>
                <Endpoint url=endpoint toast/>
            </Suspense>
            <NewKeyNotice key=new_key toast/>
            <p class="toast" role="status" aria-live="polite">{move || toast.get().map(|k| i18n.t(k)).unwrap_or_default()}</p>
            {move || match load.get() {
                Load::Loading if keys.with(Vec::is_empty) => view! {
                    <p class="muted" role="status">{move || i18n.t(Text::Loading)}</p>
                }.into_any(),
                Load::Failed => {
                    view! {
                        <div class="error-box" role="alert">
                            <p>{move || i18n.t(Text::LoadFailed)}</p>
                            <button type="button" class="secondary" on:click=move |_| reload()>{move || i18n.t(Text::Retry)}</button>
                        </div>
                    }.into_any()
                }
                _ if keys.with(Vec::is_empty) => view! {
                    <div class="empty">
                        <p><strong>{move || i18n.t(Text::NoKeys)}</strong></p>
                        <p class="muted">{move || i18n.t(Text::NoKeysHint)}</p>
                    </div>
                }.into_any(),
                _ => view! { <KeyTable keys dialog/> }.into_any(),
            }}
            <Show when=move || next.with(Option::is_some)>
                <button type="button" class="secondary load-more" on:click=more
                    disabled=move || fetching.get() aria-busy=move || fetching.get().to_string()>
                    {move || i18n.t(Text::LoadMore)}
                </button>
            </Show>
        </section>
        {move || match dialog.get() {
            Some(Dialog::Generate) => view! {
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let options = options().await;
                        view! { <GenerateDialog options on_close=close on_created=created/> }
                    })}
                </Suspense>
            }.into_any(),
            Some(Dialog::Rename(key)) => view! {
                <Suspense fallback=|| ()>
                    {move || {
                        let key = key.clone();
                        Suspend::new(async move {
                            let options = options().await;
                            view! { <RenameDialog key options on_close=close on_renamed=renamed/> }
                        })
                    }}
                </Suspense>
            }.into_any(),
            Some(Dialog::Roll(key)) => view! { <RollDialog key on_close=close on_rolled=rolled/> }.into_any(),
            Some(Dialog::Revoke(key)) => view! { <RevokeDialog key on_close=close on_revoked=revoked/> }.into_any(),
            Some(Dialog::Usage(key)) => view! { <UsageDialog key on_close=close/> }.into_any(),
            None => ().into_any(),
        }}
    }
}
