//! The `api_key_usage_days` table: one row per key and UTC day.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_key_usage_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub api_key_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub uses: i64,
    pub refused_revoked: i64,
    pub refused_expired: i64,
    pub refused_user_disabled: i64,
    pub refused_ip_not_allowed: i64,
    pub refused_scope_missing: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
