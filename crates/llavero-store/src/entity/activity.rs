//! The `activity` table: the audit log. Rows are only ever inserted.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity")]
pub struct Model {
    /// UUIDv7, so events sort by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub action: String,
    /// No foreign key: the log outlives what it mentions.
    pub actor_id: Option<Uuid>,
    pub actor_username: Option<String>,
    pub ip: Option<String>,
    pub api_key_id: Option<Uuid>,
    pub target_type: Option<String>,
    pub target_id: Option<Uuid>,
    pub detail: Option<String>,
    /// Whose key or account the event is about (when not the actor's).
    pub owner_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
