//! The `api_keys` table. Holds the key's HMAC digest and hint, never the key.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    /// UUIDv7: time-ordered, so "newest first" is "highest id first".
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub hint: String,
    /// Hex HMAC-SHA256(pepper, key); unique.
    #[sea_orm(unique)]
    pub key_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub last_used_ip: Option<String>,
    /// Set on revocation; the row stays so `verify` can answer REVOKED.
    pub revoked_at: Option<DateTimeUtc>,
    /// Null: every privilege of the owner; else scope names, space-separated.
    pub scopes: Option<String>,
    /// Null: anywhere; else canonical CIDRs, space-separated.
    pub allowed_cidrs: Option<String>,
    /// The digest of the secret a roll replaced; unique.
    #[sea_orm(unique)]
    pub previous_key_hash: Option<String>,
    /// Until when that previous secret still works.
    pub previous_valid_until: Option<DateTimeUtc>,
    /// 0; 1 once `key.expiring` was sent; 2 once `key.expired` was.
    pub expiry_notice: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
