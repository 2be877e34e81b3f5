//! The dialogs of the credentials screen: generate (field "Nombre", and the
//! collapsed "Opciones avanzadas"), edit ("Editar clave API": the name and
//! the same options) and revoke ("Eliminar clave de API"). Rolling is in
//! `roll`.
//!
//! Names are checked here as the server checks them (not blank, at most 100
//! characters) so the user hears about it before a round trip; the server's
//! answer is shown too when it refuses.

use leptos::prelude::*;
use std::future::Future;

use llavero_types::{ApiKey, ApiKeyCreated, CreateApiKey, ErrorCode, UpdateApiKey};

use crate::api::{self, ApiError};
use crate::components::form_dialog::FormDialog;
use crate::components::limits::{KeyOptions, LimitsForm, LimitsState};
use crate::components::markup::{el, para, Html};
use crate::components::modal::Modal;
use crate::components::new_key::NewKey;
use crate::components::pending::Pending;
use crate::i18n::{use_i18n, I18n, Text};

/// Which dialog is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    Generate,
    Rename(ApiKey),
    Roll(ApiKey),
    Revoke(ApiKey),
    Usage(ApiKey),
}

/// The client-side check of a key name; `None` when fine.
pub fn name_problem(name: &str) -> Option<Text> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        Some(Text::NameRequired)
    } else if trimmed.chars().count() > 100 {
        Some(Text::NameTooLong)
    } else {
        None
    }
}

/// What a failed call shows in a dialog: our own words for the codes the
/// app expects, the server's detail for anything else.
pub(crate) fn error_text(i18n: I18n, e: &ApiError, fallback: &'static str) -> String {
    let coded = |code: ErrorCode| match code {
        ErrorCode::ScopesInvalid => Some(Text::ScopesInvalid),
        ErrorCode::AllowedCidrsInvalid => Some(Text::CidrsInvalid),
        ErrorCode::ExpiresAtInvalid => Some(Text::ExpiryInvalid),
        ErrorCode::ScopeMissing | ErrorCode::GrantExceeded => Some(Text::ScopeMissing),
        _ => None,
    };
    if let ApiError::Problem {
        code: Some(code), ..
    } = e
    {
        if let Some(text) = coded(*code) {
            return i18n.t(text).to_owned();
        }
    }
    match e {
        ApiError::Problem {
            code: Some(ErrorCode::NotFound),
            ..
        } => i18n.t(Text::KeyGone).to_owned(),
        ApiError::Problem {
            code: Some(ErrorCode::NameInvalid),
            ..
        } => i18n.t(Text::NameInvalid).to_owned(),
        ApiError::Problem {
            code: Some(ErrorCode::RateLimited | ErrorCode::DatabaseUnavailable | ErrorCode::Busy),
            ..
        } => i18n.t(Text::TryLater).to_owned(),
        ApiError::Problem { detail, .. } => detail.clone(),
        ApiError::Network(_) => fallback.to_owned(),
    }
}

/// The state of a "Nombre" form: the field, its error, and whether a call is out.
#[derive(Debug, Clone, Copy)]
struct NameState {
    name: RwSignal<String>,
    error: RwSignal<Option<String>>,
    /// The error is the name's (the field is marked invalid), not an option's.
    name_bad: RwSignal<bool>,
    busy: RwSignal<bool>,
}

impl NameState {
    fn new(initial: String) -> Self {
        NameState {
            name: RwSignal::new(initial),
            error: RwSignal::new(None),
            name_bad: RwSignal::new(false),
            busy: RwSignal::new(false),
        }
    }

    /// Checks the name, then calls `call` with it (trimmed); shows the
    /// server's refusal in the form, or hands the answer to `done`.
    fn submit<T, Fut>(
        self,
        i18n: I18n,
        call: impl FnOnce(String) -> Fut + 'static,
        done: impl FnOnce(T) + 'static,
    ) where
        T: 'static,
        Fut: Future<Output = Result<T, ApiError>> + 'static,
    {
        if self.busy.get_untracked() {
            return;
        }
        let value = self.name.get_untracked();
        if let Some(problem) = name_problem(&value) {
            self.error.set(Some(i18n.t(problem).to_owned()));
            self.name_bad.set(true);
            return;
        }
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            match call(value.trim().to_owned()).await {
                Ok(answer) => done(answer),
                Err(e) => {
                    self.name_bad.set(matches!(
                        e,
                        ApiError::Problem {
                            code: Some(ErrorCode::NameInvalid),
                            ..
                        }
                    ));
                    self.error
                        .set(Some(error_text(i18n, &e, i18n.t(Text::GenericError))));
                    self.busy.set(false);
                }
            }
        });
    }
}

/// The shared body of the generate and rename dialogs: one "Nombre" field,
/// then the advanced options.
#[component]
fn NameForm(
    state: NameState,
    submit_label: Text,
    limits: LimitsState,
    options: KeyOptions,
    #[prop(into)] on_submit: Callback<()>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let NameState {
        name,
        error,
        name_bad,
        busy,
    } = state;
    view! {
        <form novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            on_submit.run(());
        }>
            <label for="key-name">{i18n.s(Text::Name)}</label>
            <input id="key-name" name="name" type="text" autocomplete="off" maxlength="200"
                aria-describedby="key-name-help key-name-error"
                aria-invalid=move || name_bad.get().to_string()
                prop:value=move || name.get()
                on:input=move |ev| { name.set(event_target_value(&ev)); error.set(None); name_bad.set(false); }/>
            <p id="key-name-help" class="muted small">{i18n.s(Text::NameHelp)}</p>
            <LimitsForm state=limits options/>
            <p id="key-name-error" class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
            <div class="dialog-actions">
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{i18n.s(Text::Cancel)}</button>
                <button type="submit" class="primary" disabled=move || busy.get()>{move || i18n.t(submit_label)}</button>
            </div>
        </form>
    }
}

/// "Generar clave de API": asks for a name (and, if opened, the advanced
/// options), creates the key, hands it over.
#[component]
pub fn GenerateDialog(
    options: KeyOptions,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_created: Callback<(ApiKey, NewKey)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let state = NameState::new(String::new());
    let limits = LimitsState::for_new(&options);
    let submit = move |()| {
        let asked = match limits.read() {
            Ok(asked) => asked,
            Err(text) => {
                state.name_bad.set(false);
                return state.error.set(Some(i18n.t(text).to_owned()));
            }
        };
        state.submit(
            i18n,
            move |name| {
                api::create_key(CreateApiKey {
                    name,
                    expires_at: asked.expires_at,
                    scopes: asked.scopes,
                    allowed_cidrs: asked.allowed_cidrs,
                })
            },
            move |created: ApiKeyCreated| {
                let notice = NewKey {
                    name: created.data.name.clone(),
                    secret: created.secret,
                };
                on_created.run((created.data, notice));
            },
        );
    };
    view! {
        <Modal id="generate" title=Signal::derive(move || i18n.t(Text::GenerateKey)) on_cancel=on_close>
            <NameForm state limits options submit_label=Text::Generate on_submit=submit on_cancel=on_close/>
        </Modal>
    }
}

/// "Editar clave API": the name and the advanced options; Enter saves,
/// Escape cancels. Only what changed is sent.
#[component]
pub fn RenameDialog(
    key: ApiKey,
    options: KeyOptions,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_renamed: Callback<ApiKey>,
) -> impl IntoView {
    let i18n = use_i18n();
    let state = NameState::new(key.name.clone());
    let limits = LimitsState::for_key(&key);
    let id = key.id;
    let submit = move |()| {
        let asked = match limits.read() {
            Ok(asked) => asked,
            Err(text) => {
                state.name_bad.set(false);
                return state.error.set(Some(i18n.t(text).to_owned()));
            }
        };
        let scopes_changed = asked.scopes != key.scopes;
        let cidrs_changed = asked.allowed_cidrs != key.allowed_cidrs;
        state.submit(
            i18n,
            move |name| {
                api::update_key(
                    id,
                    UpdateApiKey {
                        scopes: scopes_changed.then_some(asked.scopes),
                        allowed_cidrs: cidrs_changed.then_some(asked.allowed_cidrs),
                        expires_at: asked.expires_at,
                        name: Some(name),
                    },
                )
            },
            move |renamed| on_renamed.run(renamed),
        );
    };
    view! {
        <Modal id="rename" title=Signal::derive(move || i18n.t(Text::EditKey)) on_cancel=on_close>
            <NameForm state limits options submit_label=Text::Save on_submit=submit on_cancel=on_close/>
        </Modal>
    }
}

/// "Eliminar clave de API": confirm, then revoke.
#[component]
pub fn RevokeDialog(
    key: ApiKey,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_revoked: Callback<ApiKey>,
) -> impl IntoView {
    let i18n = use_i18n();
    let pending = Pending::new();
    let body = Html::concat(&[
        el(
            "p",
            &[],
            Html::text(&i18n.t(Text::DeleteConfirm).replace("{name}", &key.name)),
        ),
        para("warning", i18n.t(Text::DeleteWarning)),
    ]);
    let submit = Callback::new(move |()| {
        if pending.busy.get_untracked() {
            return;
        }
        pending.busy.set(true);
        let key = key.clone();
        leptos::task::spawn_local(async move {
            match api::revoke_key(key.id).await {
                Ok(()) => on_revoked.run(key),
                Err(e) => {
                    pending.refuse(error_text(i18n, &e, i18n.t(Text::GenericError)));
                    pending.busy.set(false);
                }
            }
        });
    });
    view! {
        <FormDialog id="revoke" title=Text::DeleteKey body label=Some(Text::Delete) danger=true pending
            on_submit=submit on_close/>
    }
}
