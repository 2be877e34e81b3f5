//! The shapes migrations repeat — a timestamp column, a plain index, a
//! foreign key that cascades on delete — said once. Each builds exactly
//! the statement the migrations wrote out before (so databases migrated
//! by earlier versions and fresh ones end up the same; the upgrade test
//! checks it); a migration that needs another shape writes it out.

use sea_orm_migration::prelude::*;

/// A `timestamp with time zone` column that must be set.
pub(super) fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

/// A `timestamp with time zone` column that may be null.
pub(super) fn ts_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

/// `CREATE INDEX name ON table (cols…)`.
pub(super) fn index<C: IntoIndexColumn>(
    name: &str,
    table: impl IntoIden + 'static,
    cols: impl IntoIterator<Item = C>,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    index.to_owned()
}

/// `FOREIGN KEY (col) REFERENCES to (to_col) ON DELETE CASCADE`.
pub(super) fn cascade(
    from: impl IntoTableRef,
    col: impl IntoIden,
    to: impl IntoTableRef,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, to_col)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}
