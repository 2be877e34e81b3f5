//! "Actividad": the activity log, newest first, 50 at a time ("Cargar
//! más"): when (in the user's locale), who, what (in words, with the
//! event's detail), on what (a key's or a user's name), with which key
//! (name and hint) and from which address. Filters by action and, for
//! admins, by user; a plain user's log holds only what they did and what
//! was done to their keys and account (the server decides).
//!
//! The table is markup (see `markup`), redrawn as pages arrive.

use leptos::prelude::*;
use llavero_types::{ActivityEvent, UserSummary};
use uuid::Uuid;

use crate::api;
use crate::browser;
use crate::components::markup::{el, failed, loading, none, options, row, span, table, Html};
use crate::i18n::{action_text, use_i18n, I18n, Text, ACTIONS};
use crate::session::use_session;

/// The table's markup, in the current language.
fn rows(events: &[ActivityEvent], i18n: I18n) -> Html {
    if events.is_empty() {
        return none(i18n.t(Text::NoActivity));
    }
    let lang = i18n.0.get().tag();
    let t = |x| i18n.t(x);
    table(
        "compact activity",
        t(Text::Activity),
        &[
            t(Text::When),
            t(Text::Actor),
            t(Text::Action),
            t(Text::Target),
            t(Text::KeyUsed),
            t(Text::Address),
        ],
        events
            .iter()
            .map(|e| {
                let name = e.action.as_str();
                let words = action_text(name).map_or(name, t);
                let mut action = el("span", &[("data-action", name)], Html::text(words));
                if let Some(detail) = &e.detail {
                    action.push(&span("hint", Html::text(detail)));
                }
                let actor = match &e.actor {
                    Some(a) => el("strong", &[], Html::text(&a.username)),
                    None => Html::text(t(Text::System)),
                };
                let key = e
                    .api_key
                    .as_ref()
                    .map(|k| {
                        let mut key = Html::text(&k.name);
                        key.push(&span("hint", Html::text(&k.hint)));
                        key
                    })
                    .unwrap_or_default();
                row(vec![
                    Html::text(&browser::local_datetime(&e.at.to_rfc3339(), lang)),
                    actor,
                    action,
                    Html::text(e.target_name.as_deref().unwrap_or("")),
                    key,
                    span("mono", Html::text(e.ip.as_deref().unwrap_or(""))),
                ])
            })
            .collect(),
    )
}

#[component]
pub fn Activity() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let admin = untrack(|| session.admin());
    let events = RwSignal::new(Vec::<ActivityEvent>::new());
    // None: loading; Some(false): failed.
    let state = RwSignal::new(None::<bool>);
    let next = RwSignal::new(None::<String>);
    let fetching = RwSignal::new(false);
    let users = RwSignal::new(Vec::<UserSummary>::new());
    // The filters' values ("": all).
    let action = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    // Bumped when a filter changes: an answer to an older request is dropped.
    let generation = StoredValue::new(0u32);

    let fetch = move |cursor: Option<String>| {
        if fetching.get_untracked() {
            return;
        }
        fetching.set(true);
        let action = Some(action.get_untracked()).filter(|a| !a.is_empty());
        let user = Uuid::parse_str(&user.get_untracked()).ok();
        let asked = generation.get_value();
        leptos::task::spawn_local(async move {
            let answer = api::activity(cursor.as_deref(), action.as_deref(), user).await;
            if generation.get_value() != asked {
                return;
            }
            fetching.set(false);
            match answer {
                Ok(page) => {
                    if cursor.is_some() {
                        events.update(|e| e.extend(page.data));
                    } else {
                        events.set(page.data);
                    }
                    next.set(page.next_cursor);
                    state.set(Some(true));
                }
                Err(e) if e.signed_out() => browser::go("/login"),
                Err(_) => state.set(Some(false)),
            }
        });
    };
    fetch(None);
    if admin {
        leptos::task::spawn_local(async move {
            if let Ok(list) = api::users().await {
                users.set(list.data);
            }
        });
    }
    // The filters as markup, drawn again when the language or the user
    // list changes (keeping the choices made).
    let filters = move || {
        let t = |x| i18n.t(x);
        let actions = options(
            std::iter::once(("", t(Text::AllActions)))
                .chain(ACTIONS.iter().map(|a| (*a, action_text(a).map_or(*a, t)))),
            &action.get_untracked(),
        );
        // One labelled `<select>` in its `<div>`.
        let filter = |id, label, options| {
            el(
                "div",
                &[],
                Html::concat(&[
                    el("label", &[("for", id)], Html::text(t(label))),
                    el("select", &[("id", id)], options),
                ]),
            )
        };
        let mut html = filter("filter-action", Text::Action, actions);
        if admin {
            let ids: Vec<(String, String)> = users.with(|u| {
                u.iter()
                    .map(|u| (u.id.to_string(), u.username.clone()))
                    .collect()
            });
            let people = options(
                std::iter::once(("", t(Text::AllUsers)))
                    .chain(ids.iter().map(|(id, name)| (id.as_str(), name.as_str()))),
                &user.get_untracked(),
            );
            html.push(&filter("filter-user", Text::Username, people));
        }
        html
    };
    let refilter = move |_| {
        action.set(browser::value_of("filter-action"));
        user.set(browser::value_of("filter-user"));
        generation.update_value(|g| *g += 1);
        fetching.set(false);
        state.set(None);
        fetch(None);
    };

    view! {
        <section class="card">
            <div class="title-row">
                <h1>{i18n.s(Text::Activity)}</h1>
            </div>
            <div class="filters" on:change=refilter inner_html=filters></div>
            <div class="table-wrap" inner_html=move || match state.get() {
                None => loading(i18n.t(Text::Loading)),
                Some(false) => failed(i18n.t(Text::ActivityFailed)),
                Some(true) => events.with(|e| rows(e, i18n)),
            }></div>
            <button type="button" class="secondary load-more" hidden=move || next.with(Option::is_none) on:click=move |_| fetch(next.get_untracked())
                disabled=move || fetching.get() aria-busy=move || fetching.get().to_string()>
                {i18n.s(Text::LoadMore)}
            </button>
        </section>
    }
}
