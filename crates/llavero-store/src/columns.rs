//! Reading a row's columns by position, through sqlx itself.
//!
//! sea-orm's `TryGetable` reads an `Option` column by asking for the value
//! and, on NULL, building an error whose message is the column's `Debug`
//! form (`format!("{idx:?}")`), which the `Option` then drops. A listed key
//! has up to six NULL columns, so a 50-key page formatted some 300 error
//! strings: under callgrind, two fifths of the page's instructions. Rows
//! read per request are read here instead: sqlx decodes `Option<T>`
//! directly, by the column's position in a statement written out beside
//! the reader.

use sea_orm::sqlx::{self, Decode, Postgres, Row, Sqlite, Type};
use sea_orm::{DbErr, QueryResult, RuntimeErr};

/// A column type both backends decode.
pub(crate) trait Column:
    for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>
{
}

impl<T> Column for T where
    T: for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>
{
}

/// The value of the `index`th column of `row` (an `Option` for a nullable one).
pub(crate) fn get<T: Column>(row: &QueryResult, index: usize) -> Result<T, DbErr> {
    let read = if let Some(row) = row.try_as_pg_row() {
        row.try_get(index)
    } else if let Some(row) = row.try_as_sqlite_row() {
        row.try_get(index)
    } else {
        return Err(DbErr::Type("a row of neither PostgreSQL nor SQLite".into()));
    };
    read.map_err(|e: sqlx::Error| DbErr::Query(RuntimeErr::SqlxError(e)))
}
