//! "Opciones avanzadas": a key's expiry ("Caducidad"), scopes ("Permisos")
//! and allowed addresses ("Direcciones IP permitidas"), in a collapsed
//! `<details>` shared by the generate and edit dialogs — left closed, the
//! user guide's flow is unchanged (every privilege, anywhere, the
//! operator's default lifetime).
//!
//! The choices offered follow the operator's policy from `/info` and the
//! scope catalogue from `/scopes`: "Nunca" only without a maximum lifetime,
//! and no preset longer than the maximum. The server checks everything
//! again; this only spares the user a round trip.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use llavero_types::{ApiKey, Scope};

use crate::browser;
use crate::i18n::{use_i18n, Lang, Text};

/// What the dialogs may offer: the operator's scopes and lifetimes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyOptions {
    pub scopes: Vec<Scope>,
    pub max_days: Option<u32>,
    pub default_days: Option<u32>,
}

/// The preset lifetimes, in days, with their labels.
const PRESETS: [(u32, Text); 4] = [
    (30, Text::Days30),
    (60, Text::Days60),
    (90, Text::Days90),
    (365, Text::OneYear),
];

/// The form's state. `expiry` is `keep` (edit only), `default`, `never`,
/// a number of days, or `date` (then `date` holds `YYYY-MM-DD`).
#[derive(Debug, Clone, Copy)]
pub struct LimitsState {
    pub expiry: RwSignal<String>,
    pub date: RwSignal<String>,
    pub all: RwSignal<bool>,
    pub chosen: RwSignal<Vec<String>>,
    pub cidrs: RwSignal<String>,
    /// Editing an existing key (offers "Sin cambios" for the expiry).
    editing: bool,
}

/// What the form asks for, in the API's terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// `None`: leave it (the default lifetime, or unchanged); `Some(None)`: never.
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub scopes: Option<Vec<String>>,
    pub allowed_cidrs: Vec<String>,
}

impl LimitsState {
    /// For a new key: every privilege, anywhere, the policy's lifetime.
    pub fn for_new(options: &KeyOptions) -> Self {
        let initial = match options.default_days.or(options.max_days) {
            Some(d) if PRESETS.iter().any(|(p, _)| *p == d) => d.to_string(),
            Some(_) => "default".to_owned(),
            None => "never".to_owned(),
        };
        LimitsState {
            expiry: RwSignal::new(initial),
            date: RwSignal::new(String::new()),
            all: RwSignal::new(true),
            chosen: RwSignal::new(Vec::new()),
            cidrs: RwSignal::new(String::new()),
            editing: false,
        }
    }

    /// For an existing key: its current limits, expiry unchanged.
    pub fn for_key(key: &ApiKey) -> Self {
        LimitsState {
            expiry: RwSignal::new("keep".to_owned()),
            date: RwSignal::new(String::new()),
            all: RwSignal::new(key.scopes.is_none()),
            chosen: RwSignal::new(key.scopes.clone().unwrap_or_default()),
            cidrs: RwSignal::new(key.allowed_cidrs.join("\n")),
            editing: true,
        }
    }

    /// The limits asked for, or the text saying what is wrong.
    pub fn read(&self) -> Result<Limits, Text> {
        let now = browser::now_millis();
        let at =
            |ms: f64| DateTime::<Utc>::from_timestamp_millis(ms as i64).ok_or(Text::ExpiryInvalid);
        let expires_at = match self.expiry.get_untracked().as_str() {
            "keep" | "default" => None,
            "never" => Some(None),
            "date" => {
                let ms = browser::end_of_local_day_millis(&self.date.get_untracked())
                    .filter(|ms| *ms > now)
                    .ok_or(Text::ExpiryInvalid)?;
                Some(Some(at(ms)?))
            }
            days => {
                let days: u32 = days.parse().map_err(|_| Text::ExpiryInvalid)?;
                Some(Some(at(now + f64::from(days) * 86_400_000.0)?))
            }
        };
        let scopes = if self.all.get_untracked() {
            None
        } else {
            let chosen = self.chosen.get_untracked();
            if chosen.is_empty() {
                return Err(Text::ChooseScope);
            }
            Some(chosen)
        };
        let allowed_cidrs: Vec<String> = self
            .cidrs
            .get_untracked()
            .split(['\n', ',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if allowed_cidrs.len() > 32 {
            return Err(Text::CidrsInvalid);
        }
        Ok(Limits {
            expires_at,
            scopes,
            allowed_cidrs,
        })
    }
}

/// A scope's description in `lang`, else its name alone.
fn described(scope: &Scope, lang: Lang) -> String {
    match (&scope.description, lang) {
        (Some(d), Lang::Es) => format!("{} — {}", scope.name, d.es),
        (Some(d), Lang::En) => format!("{} — {}", scope.name, d.en),
        (None, _) => scope.name.clone(),
    }
}

/// The collapsed "Opciones avanzadas" section.
#[component]
pub fn LimitsForm(state: LimitsState, options: KeyOptions) -> impl IntoView {
    let i18n = use_i18n();
    let LimitsState {
        expiry,
        date,
        all,
        chosen,
        cidrs,
        editing,
    } = state;
    let max = options.max_days;
    let default_days = options.default_days.or(max);
    let presets: Vec<(u32, Text)> = PRESETS
        .into_iter()
        .filter(|(d, _)| max.is_none_or(|m| *d <= m))
        .collect();
    let odd_default = default_days.filter(|d| !PRESETS.iter().any(|(p, _)| p == d));
    let scopes = options.scopes.clone();
    view! {
        <details class="advanced">
            <summary>{i18n.s(Text::AdvancedOptions)}</summary>
            <label for="key-expiry">{i18n.s(Text::Expiry)}</label>
            <select id="key-expiry" prop:value=move || expiry.get()
                on:change=move |ev| expiry.set(event_target_value(&ev))>
                {editing.then(|| view! { <option value="keep">{i18n.s(Text::ExpiryKeep)}</option> })}
                {max.is_none().then(|| view! { <option value="never">{i18n.s(Text::ExpiryNever)}</option> })}
                {odd_default.map(|d| view! { <option value="default">{move || i18n.t(Text::Days30).replace("30", &d.to_string())}</option> })}
                {presets.into_iter().map(|(d, label)| view! { <option value=d.to_string()>{move || i18n.t(label)}</option> }).collect_view()}
                <option value="date">{i18n.s(Text::OnDate)}</option>
            </select>
            <div hidden=move || expiry.get() != "date">
                <label for="key-expiry-date">{i18n.s(Text::ExpiryDate)}</label>
                <input id="key-expiry-date" type="date" prop:value=move || date.get()
                    on:input=move |ev| date.set(event_target_value(&ev))/>
            </div>
            <fieldset class="scopes">
                <legend>{i18n.s(Text::Permissions)}</legend>
                <label class="choice">
                    <input type="radio" name="key-scopes" prop:checked=move || all.get()
                        on:change=move |_| all.set(true)/>
                    {i18n.s(Text::AllPrivileges)}
                </label>
                <label class="choice">
                    <input type="radio" name="key-scopes" prop:checked=move || !all.get()
                        on:change=move |_| all.set(false)/>
                    {i18n.s(Text::OnlyScopes)}
                </label>
                    <ul class="scope-list" hidden=move || all.get()>
                        {scopes.iter().map(|scope| {
                            let name = scope.name.clone();
                            let checked_name = name.clone();
                            let scope = scope.clone();
                            view! {
                                <li>
                                    <label class="choice">
                                        <input type="checkbox" value=name.clone()
                                            prop:checked=move || chosen.with(|c| c.contains(&checked_name))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| {
                                                    c.retain(|s| s != &name);
                                                    if on { c.push(name.clone()); }
                                                });
                                            }/>
                                        <span>{move || described(&scope, i18n.0.get())}</span>
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
            </fieldset>
            <label for="key-cidrs">{i18n.s(Text::AllowedIps)}</label>
            <textarea id="key-cidrs" rows="3" spellcheck="false" autocomplete="off"
                aria-describedby="key-cidrs-help"
                prop:value=move || cidrs.get()
                on:input=move |ev| cidrs.set(event_target_value(&ev))></textarea>
            <p id="key-cidrs-help" class="muted small">{i18n.s(Text::AllowedIpsHelp)}</p>
        </details>
    }
}
