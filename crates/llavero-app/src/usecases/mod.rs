//! Use cases: every state change of Llavero, one function each, below HTTP.
//!
//! A use case runs its change, the activity event that records it, the
//! webhook event it sends (the outbox, see `events`) and, on PostgreSQL, the `pg_notify` that tells other replicas to drop what they
//! cached — in **one transaction** ([`llavero_store::Tx`]). A crash or an
//! error at any point leaves none of them; a commit makes all of them
//! visible at once (a notification is delivered only at commit, so no
//! replica hears of a change that rolled back). After the commit the use
//! case drops this process's own cache entries.
//!
//! Each returns a typed error that knows nothing of HTTP (`error.rs` maps
//! them to codes). Handlers parse, call one use case, and shape the answer.
//! Business rules that read before they write (the last enabled admin) run
//! under the transaction's locks, so concurrent requests cannot both pass.

pub mod api_keys;
pub(crate) mod events;
pub mod expiry;
pub mod key_changes;
pub mod key_policy;
pub mod leaks;
pub mod provider_sign_in;
pub mod sessions;
pub mod unused_keys;
pub mod users;
pub mod webhooks;

use llavero_store::activity::{NewEvent, UserRef};
use llavero_store::users::UserRow;
use llavero_store::{StoreError, Tx};
use llavero_types::ActivityAction;
use uuid::Uuid;

use crate::verification::Invalidation;
use crate::App;

/// Who is acting and from where: what the activity log records of a change.
#[derive(Debug, Clone, Default)]
pub struct Acting {
    /// The signed-in user; `None` for the system (first-start bootstrap, CLI).
    pub actor: Option<UserRef>,
    /// The client's address.
    pub ip: Option<String>,
    /// The API key the request was authenticated with, if any.
    pub api_key_id: Option<Uuid>,
}

impl Acting {
    /// The system itself (start-up, the command line).
    pub fn system() -> Acting {
        Acting::default()
    }

    /// `user`, from `ip`, not through an API key.
    pub fn user(user: &UserRow, ip: Option<String>) -> Acting {
        Acting {
            actor: Some(UserRef {
                id: user.id,
                username: user.username.clone(),
            }),
            ip,
            api_key_id: None,
        }
    }

    /// An activity event of this actor, on `target`.
    pub(crate) fn event(
        &self,
        action: ActivityAction,
        target: Option<(&'static str, Uuid)>,
        detail: Option<String>,
    ) -> NewEvent {
        NewEvent {
            action,
            actor: self.actor.clone(),
            ip: self.ip.clone(),
            api_key_id: self.api_key_id,
            target_type: target.map(|(t, _)| t),
            target_id: target.map(|(_, id)| id),
            detail,
            owner_id: None,
        }
    }
}

impl App {
    /// The ending of every change that alters what a key check answers:
    /// tell the other replicas (`pg_notify`, delivered only at commit),
    /// commit, then drop this process's own cache entries — in that
    /// order, so no replica keeps answering from what was just changed.
    pub(crate) async fn commit_invalidating(
        &self,
        tx: Tx,
        what: Invalidation,
    ) -> Result<(), StoreError> {
        tx.notify_invalidation(&what.payload()).await?;
        tx.commit().await?;
        self.verifier.invalidate(what);
        Ok(())
    }
}
