//! The "Credenciales de API" screen: the endpoint URL with its copy icon,
//! the "Generar clave de API" button, the new-key notification, the key
//! table (50 at a time, "load more" for the rest), the dialogs and a key's
//! usage.

use leptos::prelude::*;
use llavero_types::{ApiKey, Info, Scope};

use crate::api;
use crate::components::dialogs::{Dialog, GenerateDialog, RenameDialog, RevokeDialog};
use crate::components::endpoint::Endpoint;
use crate::components::key_table::KeyTable;
use crate::components::limits::KeyOptions;
use crate::components::new_key::{NewKey, NewKeyNotice};
use crate::components::roll::RollDialog;
use crate::components::usage::UsageDialog;
use crate::i18n::{use_i18n, Text};
use crate::route::{use_nav, Page};
use crate::session::use_session;

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
    // `/info` (the endpoint URL, the operator's lifetimes) and `/scopes`
    // (the catalogue a key may be limited to), each fetched once when the
    // screen mounts; `Some` once answered. Plain signals, not resources
    // under <Suspense>: measured, those cost about 20 KB of gzip in the app.
    let info = RwSignal::new(None::<Option<Info>>);
    let catalogue = RwSignal::new(None::<Vec<Scope>>);
    leptos::task::spawn_local(async move {
        info.set(Some(api::info().await.ok().map(|i| i.data)));
    });
    leptos::task::spawn_local(async move {
        catalogue.set(Some(
            api::scopes().await.map(|c| c.data).unwrap_or_default(),
        ));
    });
    let endpoint = Signal::derive(move || {
        info.with(|i| i.iter().flatten().next().map(|i| i.api_endpoint.clone()))
    });
    // What the advanced options may offer. The dialogs that show them open
    // once both have answered: opened before, one would offer no scopes.
    let options = move || {
        let scopes = catalogue.get()?;
        info.with(|i| {
            let i = i.as_ref()?.as_ref();
            Some(KeyOptions {
                scopes,
                max_days: i.and_then(|i| i.key_max_lifetime_days),
                default_days: i.and_then(|i| i.key_default_lifetime_days),
            })
        })
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
                <h1>{i18n.s(Text::ApiCredentials)}</h1>
                <button id="generate-key" type="button" class="primary"
                    on:click=move |_| dialog.set(Some(Dialog::Generate))>
                    {i18n.s(Text::GenerateKey)}
                </button>
            </div>
            <Endpoint url=endpoint toast/>
            <NewKeyNotice key=new_key toast/>
            <p class="toast" role="status" aria-live="polite">{move || toast.get().map(|k| i18n.t(k)).unwrap_or_default()}</p>
            {move || match load.get() {
                Load::Loading if keys.with(Vec::is_empty) => view! {
                    <p class="muted" role="status">{i18n.s(Text::Loading)}</p>
                }.into_any(),
                Load::Failed => {
                    view! {
                        <div class="error-box" role="alert">
                            <p>{i18n.s(Text::LoadFailed)}</p>
                            <button type="button" class="secondary" on:click=move |_| reload()>{i18n.s(Text::Retry)}</button>
                        </div>
                    }.into_any()
                }
                _ if keys.with(Vec::is_empty) => view! {
                    <div class="empty">
                        <p><strong>{i18n.s(Text::NoKeys)}</strong></p>
                        <p class="muted">{i18n.s(Text::NoKeysHint)}</p>
                    </div>
                }.into_any(),
                _ => view! { <KeyTable keys dialog/> }.into_any(),
            }}
            <button type="button" class="secondary load-more" hidden=move || next.with(Option::is_none) on:click=more
                disabled=move || fetching.get() aria-busy=move || fetching.get().to_string()>
                {i18n.s(Text::LoadMore)}
            </button>
        </section>
        {move || match dialog.get() {
            Some(Dialog::Generate) => options()
                .map(|options| view! { <GenerateDialog options on_close=close on_created=created/> })
                .into_any(),
            Some(Dialog::Rename(key)) => options()
                .map(|options| view! { <RenameDialog key options on_close=close on_renamed=renamed/> })
                .into_any(),
            Some(Dialog::Roll(key)) => view! { <RollDialog key on_close=close on_rolled=rolled/> }.into_any(),
            Some(Dialog::Revoke(key)) => view! { <RevokeDialog key on_close=close on_revoked=revoked/> }.into_any(),
            Some(Dialog::Usage(key)) => view! { <UsageDialog key on_close=close/> }.into_any(),
            None => ().into_any(),
        }}
    }
}
