//! Queries on `activity`, the append-only audit log, and the records they
//! take and return: [`NewEvent`] in, [`ActivityRow`] out (with the
//! [`UserRef`] that acted and the [`KeyLabel`] of the key it names).
//! `llavero-app` turns the rows into the wire `ActivityEvent`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use llavero_types::ActivityAction;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use crate::entity::{activity, api_key, user};
use crate::{now, Page, PageRequest, Store, StoreError, Tx};

/// A user as an event records them: the id, and the name they had then
/// (the log keeps it after the user is renamed or gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    pub id: Uuid,
    pub username: String,
}

/// A key as a listed event shows it: its name and hint as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLabel {
    pub id: Uuid,
    pub name: String,
    pub hint: String,
}

/// An event as stored, with the names of the key that acted and of its
/// target as they are now (`None` when gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub action: ActivityAction,
    pub actor: Option<UserRef>,
    pub ip: Option<String>,
    pub api_key_id: Option<Uuid>,
    /// The key `api_key_id` names, while it exists.
    pub api_key: Option<KeyLabel>,
    pub target_type: Option<String>,
    pub target_id: Option<Uuid>,
    /// The target's name now (a key's name, a user's username).
    pub target_name: Option<String>,
    pub detail: Option<String>,
}

/// An event to record; the time and id are added on insert.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub action: ActivityAction,
    pub actor: Option<UserRef>,
    pub ip: Option<String>,
    pub api_key_id: Option<Uuid>,
    pub target_type: Option<&'static str>,
    pub target_id: Option<Uuid>,
    pub detail: Option<String>,
    /// Whose key or account this is about, when someone else acted on it
    /// (an admin, a leak report, a policy): that user sees the event too.
    pub owner_id: Option<Uuid>,
}

impl From<activity::Model> for ActivityRow {
    fn from(m: activity::Model) -> Self {
        let actor = match (m.actor_id, m.actor_username) {
            (Some(id), Some(username)) => Some(UserRef { id, username }),
            _ => None,
        };
        ActivityRow {
            id: m.id,
            at: m.at,
            // Stored names come from ActivityAction::as_str; an unknown one
            // (a newer server's) reads as the closest harmless kind.
            action: ActivityAction::from_name(&m.action).unwrap_or(ActivityAction::UserUpdated),
            actor,
            ip: m.ip,
            api_key_id: m.api_key_id,
            api_key: None,
            target_type: m.target_type,
            target_id: m.target_id,
            target_name: None,
            detail: m.detail,
        }
    }
}

/// Which events a list shows, besides the page.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActivityScope {
    /// Only events this user caused or that were about their keys (a plain
    /// user's own view, or an admin's user filter).
    pub user: Option<Uuid>,
    /// With `user`: also the events whose target is that user's account (an
    /// admin creating, changing or disabling them) — the admin's filter.
    pub about_account: bool,
    /// Only events of this action.
    pub action: Option<ActivityAction>,
}

impl Store {
    /// Events newest first, as `scope` narrows them, each with the names of
    /// the key that acted and of its target as they are now.
    #[tracing::instrument(skip(self))]
    pub async fn activity_list(
        &self,
        scope: ActivityScope,
        page: PageRequest,
    ) -> Result<Page<ActivityRow>, StoreError> {
        let mut q = activity::Entity::find().order_by_desc(activity::Column::Id);
        if let Some(user) = scope.user {
            let mut who = Condition::any()
                .add(activity::Column::ActorId.eq(user))
                .add(activity::Column::OwnerId.eq(user));
            if scope.about_account {
                who = who.add(
                    Condition::all()
                        .add(activity::Column::TargetType.eq("user"))
                        .add(activity::Column::TargetId.eq(user)),
                );
            }
            q = q.filter(who);
        }
        if let Some(action) = scope.action {
            q = q.filter(activity::Column::Action.eq(action.as_str()));
        }
        if let Some(after) = page.after {
            q = q.filter(activity::Column::Id.lt(after));
        }
        let rows = q.limit(page.limit + 1).all(&self.db).await?;
        let mut events: Vec<ActivityRow> = rows.into_iter().map(ActivityRow::from).collect();
        self.name_targets(&mut events).await?;
        Ok(Page::from_rows(events, page.limit, |e: &ActivityRow| e.id))
    }

    /// Fills in key and user names: two queries for the whole page.
    async fn name_targets(&self, events: &mut [ActivityRow]) -> Result<(), StoreError> {
        let target = |e: &ActivityRow, kind: &str| {
            e.target_id
                .filter(|_| e.target_type.as_deref() == Some(kind))
        };
        let mut key_ids: Vec<Uuid> = events
            .iter()
            .flat_map(|e| [e.api_key_id, target(e, "api_key")])
            .flatten()
            .collect();
        key_ids.sort_unstable();
        key_ids.dedup();
        let mut user_ids: Vec<Uuid> = events.iter().filter_map(|e| target(e, "user")).collect();
        user_ids.sort_unstable();
        user_ids.dedup();
        let keys: HashMap<Uuid, (String, String)> = if key_ids.is_empty() {
            HashMap::new()
        } else {
            api_key::Entity::find()
                .select_only()
                .columns([
                    api_key::Column::Id,
                    api_key::Column::Name,
                    api_key::Column::Hint,
                ])
                .filter(api_key::Column::Id.is_in(key_ids))
                .into_tuple::<(Uuid, String, String)>()
                .all(&self.db)
                .await?
                .into_iter()
                .map(|(id, name, hint)| (id, (name, hint)))
                .collect()
        };
        let users: HashMap<Uuid, String> = if user_ids.is_empty() {
            HashMap::new()
        } else {
            user::Entity::find()
                .select_only()
                .columns([user::Column::Id, user::Column::Username])
                .filter(user::Column::Id.is_in(user_ids))
                .into_tuple::<(Uuid, String)>()
                .all(&self.db)
                .await?
                .into_iter()
                .collect()
        };
        for e in events.iter_mut() {
            e.api_key = e.api_key_id.and_then(|id| {
                keys.get(&id).map(|(name, hint)| KeyLabel {
                    id,
                    name: name.clone(),
                    hint: hint.clone(),
                })
            });
            e.target_name = match (e.target_type.as_deref(), e.target_id) {
                (Some("api_key"), Some(id)) => keys.get(&id).map(|k| k.0.clone()),
                (Some("user"), Some(id)) => users.get(&id).cloned(),
                _ => None,
            };
        }
        Ok(())
    }
}

/// Longest stored detail, in characters (the column's length).
pub const DETAIL_MAX: usize = 400;

/// `detail` cut to [`DETAIL_MAX`] characters, ending in `…` when cut (a
/// key's limits can be longer than the column).
pub(crate) fn fit_detail(detail: String) -> String {
    if detail.chars().count() <= DETAIL_MAX {
        return detail;
    }
    let mut cut: String = detail.chars().take(DETAIL_MAX - 1).collect();
    cut.push('…');
    cut
}

impl Tx {
    /// Appends an event.
    #[tracing::instrument(skip(self, event), fields(action = event.action.as_str()))]
    pub async fn activity_record(&self, event: NewEvent) -> Result<(), StoreError> {
        let am = activity::ActiveModel {
            id: Set(Uuid::now_v7()),
            at: Set(now()),
            action: Set(event.action.as_str().to_owned()),
            actor_id: Set(event.actor.as_ref().map(|a| a.id)),
            actor_username: Set(event.actor.map(|a| a.username)),
            ip: Set(event.ip),
            api_key_id: Set(event.api_key_id),
            target_type: Set(event.target_type.map(str::to_owned)),
            target_id: Set(event.target_id),
            detail: Set(event.detail.map(fit_detail)),
            owner_id: Set(event.owner_id),
        };
        activity::Entity::insert(am)
            .exec_without_returning(&self.txn)
            .await?;
        Ok(())
    }
}
