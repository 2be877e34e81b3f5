//! One call at a time from a screen's forms and confirmations: whether a
//! call is out (buttons disabled meanwhile, so a double click cannot send
//! twice), and the refusal to show, in the user's language, from the
//! problem's stable `code` — never from its prose.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use llavero_types::ErrorCode;

use crate::api::ApiError;
use crate::i18n::{I18n, Text};

/// A screen's call in flight and its last refusal.
#[derive(Debug, Clone, Copy)]
pub struct Pending {
    pub busy: RwSignal<bool>,
    pub error: RwSignal<Option<String>>,
}

impl Pending {
    pub fn new() -> Pending {
        Pending {
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// Shows `text` as the refusal.
    pub fn refuse(&self, text: String) {
        self.error.set(Some(text));
    }

    /// Sends `call` unless one is out; on success clears the error and
    /// hands the answer to `done`, else shows why it failed. A signed-out
    /// answer loads the sign-in page.
    pub fn run<T: 'static>(
        self,
        i18n: I18n,
        call: impl Future<Output = Result<T, ApiError>> + 'static,
        done: impl FnOnce(T) + 'static,
    ) {
        self.send(i18n, Box::pin(async move { call.await.map(done) }));
    }

    /// [`Pending::run`]'s work, written once rather than once per answer
    /// type.
    fn send(self, i18n: I18n, call: Pin<Box<dyn Future<Output = Result<(), ApiError>>>>) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        leptos::task::spawn_local(async move {
            let answer = call.await;
            self.busy.set(false);
            match answer {
                Ok(()) => {}
                Err(e) if e.signed_out() => crate::browser::go("/login"),
                Err(e) => self.error.set(Some(refusal(i18n, &e))),
            }
        });
    }
}

/// The words for a refused sign-in, account or user call.
pub fn refusal(i18n: I18n, e: &ApiError) -> String {
    let ApiError::Problem {
        code,
        retry_after,
        detail,
        ..
    } = e
    else {
        return i18n.t(Text::ActionFailed).to_owned();
    };
    match code {
        Some(ErrorCode::RateLimited) => i18n
            .t(Text::Throttled)
            .replace("{s}", &retry_after.unwrap_or(60).to_string()),
        // The forms check fields as the server does; should the server
        // still refuse one, its own words say which.
        Some(ErrorCode::InvalidInput) => detail.clone(),
        Some(code) => i18n.t(words_for(*code)).to_owned(),
        None => i18n.t(Text::ActionFailed).to_owned(),
    }
}

/// Our words for a refusal's code.
fn words_for(code: ErrorCode) -> Text {
    match code {
        ErrorCode::UsernameTaken => Text::UsernameTaken,
        ErrorCode::UsernameInvalid => Text::UsernameRule,
        ErrorCode::PasswordInvalid => Text::PasswordRule,
        ErrorCode::LastAdmin => Text::LastAdmin,
        ErrorCode::NotFound => Text::UserGone,
        ErrorCode::CurrentPasswordInvalid => Text::CurrentWrong,
        ErrorCode::AdminRequired | ErrorCode::GrantExceeded | ErrorCode::KeyNotAllowed => {
            Text::NotAllowed
        }
        ErrorCode::Busy | ErrorCode::DatabaseUnavailable => Text::TryLater,
        // Signing in.
        ErrorCode::CredentialsInvalid => Text::BadCredentials,
        ErrorCode::AccountDisabled => Text::AccountDisabled,
        _ => Text::ActionFailed,
    }
}

/// The client-side check of a new password, as the server checks it.
pub fn password_problem(password: &str) -> Option<Text> {
    (!(8..=1024).contains(&password.chars().count())).then_some(Text::PasswordRule)
}

/// The client-side check of a new username, as the server checks it.
pub fn username_problem(username: &str) -> Option<Text> {
    let name = username.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    (!(3..=64).contains(&name.len()) || !name.chars().all(allowed)).then_some(Text::UsernameRule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_told_by_their_code() {
        assert_eq!(words_for(ErrorCode::LastAdmin), Text::LastAdmin);
        assert_eq!(words_for(ErrorCode::UsernameTaken), Text::UsernameTaken);
        assert_eq!(
            words_for(ErrorCode::CurrentPasswordInvalid),
            Text::CurrentWrong
        );
        assert_eq!(words_for(ErrorCode::GrantExceeded), Text::NotAllowed);
        assert_eq!(words_for(ErrorCode::Internal), Text::ActionFailed);
    }

    #[test]
    fn usernames_are_checked_as_the_server_checks_them() {
        for good in ["ana", "ana.gomez@tigo", "a_b-c", &"x".repeat(64)] {
            assert_eq!(username_problem(good), None, "{good}");
        }
        for bad in ["ab", "  ab ", "ana gomez", "añá", "a/b", &"x".repeat(65)] {
            assert_eq!(username_problem(bad), Some(Text::UsernameRule), "{bad}");
        }
    }

    #[test]
    fn passwords_need_eight_to_1024_characters() {
        assert_eq!(password_problem("1234567"), Some(Text::PasswordRule));
        assert_eq!(password_problem("12345678"), None);
        assert_eq!(password_problem("ñññññññ"), Some(Text::PasswordRule));
        assert_eq!(password_problem(&"x".repeat(1024)), None);
        assert_eq!(
            password_problem(&"x".repeat(1025)),
            Some(Text::PasswordRule)
        );
    }
}
