//! Queries on `activity`, the append-only audit log.

use llavero_types::{ActivityAction, ActivityEvent, Actor};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use crate::entity::activity;
use crate::{now, Page, PageRequest, Store, StoreError, Tx};

/// An event to record; the time and id are added on insert.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub action: ActivityAction,
    pub actor: Option<Actor>,
    pub ip: Option<String>,
    pub api_key_id: Option<Uuid>,
    pub target_type: Option<&'static str>,
    pub target_id: Option<Uuid>,
    pub detail: Option<String>,
    /// Whose key or account this is about, when someone else acted on it
    /// (an admin, a leak report, a policy): that user sees the event too.
    pub owner_id: Option<Uuid>,
}

impl From<activity::Model> for ActivityEvent {
    fn from(m: activity::Model) -> Self {
        let actor = match (m.actor_id, m.actor_username) {
            (Some(id), Some(username)) => Some(Actor { id, username }),
            _ => None,
        };
        ActivityEvent {
            id: m.id,
            at: m.at,
            // Stored names come from ActivityAction::as_str; an unknown one
            // (a newer server's) reads as the closest harmless kind.
            action: ActivityAction::from_name(&m.action).unwrap_or(ActivityAction::UserUpdated),
            actor,
            ip: m.ip,
            api_key_id: m.api_key_id,
            target_type: m.target_type,
            target_id: m.target_id,
            detail: m.detail,
        }
    }
}

impl Store {
    /// Events newest first: all of them, or only those `actor_id` did or
    /// that were about their keys and account.
    #[tracing::instrument(skip(self))]
    pub async fn activity_list(
        &self,
        actor_id: Option<Uuid>,
        page: PageRequest,
    ) -> Result<Page<ActivityEvent>, StoreError> {
        let mut q = activity::Entity::find().order_by_desc(activity::Column::Id);
        if let Some(actor) = actor_id {
            q = q.filter(
                sea_orm::Condition::any()
                    .add(activity::Column::ActorId.eq(actor))
                    .add(activity::Column::OwnerId.eq(actor)),
            );
        }
        if let Some(after) = page.after {
            q = q.filter(activity::Column::Id.lt(after));
        }
        let rows = q.limit(page.limit + 1).all(&self.db).await?;
        let events = rows.into_iter().map(ActivityEvent::from).collect();
        Ok(Page::from_rows(events, page.limit, |e: &ActivityEvent| {
            e.id
        }))
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
