//! Rate-limit counters in the database, so every replica shares them.
//!
//! A bucket (`login:ana@203.0.113.9`, `key-create:<user id>`, …) counts
//! attempts in fixed windows of its limit's length. An attempt is *taken*
//! only while the current window and the previous one together hold fewer
//! than the limit's `max`; any span of one window's length overlaps at most
//! those two, so no such span ever sees more than `max` attempts, however
//! they are timed (a plain fixed window lets through twice as many around
//! its boundary). The price: a client that used its whole allowance waits
//! up to two windows.
//!
//! Taking is atomic: SQLite's write lock (see [`crate::tx`]) or PostgreSQL's
//! row lock serialises every taker of a bucket, so N parallel attempts take
//! no more than N sequential ones would. Several buckets are taken together
//! or not at all.
//!
//! A hand-written counter rather than a crate: the rate-limit crates keep
//! their state in process memory (governor) or in Redis; this one needs
//! the database both backends already share.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use crate::{Backend, Store, StoreError, Tx};

/// At most `max` attempts in any span of `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

/// One bucket's counts, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Counts {
    /// The window index (`now_ms / window_ms`) the counts are for.
    window: i64,
    hits: i64,
    prev_hits: i64,
}

impl Counts {
    /// The counts as of window `w`: older windows roll off.
    fn at(self, w: i64) -> Counts {
        match w - self.window {
            0 => self,
            1 => Counts {
                window: w,
                hits: 0,
                prev_hits: self.hits,
            },
            _ => Counts {
                window: w,
                hits: 0,
                prev_hits: 0,
            },
        }
    }

    /// Milliseconds until one more attempt would be taken, if it would not
    /// be now.
    fn wait_ms(self, limit: Limit, now_ms: i64) -> Option<i64> {
        let max = i64::from(limit.max);
        if self.hits + self.prev_hits < max {
            return None;
        }
        let len = window_ms(limit);
        // When this window ends its hits become the previous window's:
        // if those alone fill the limit, wait for the next one to end too.
        let ends = if self.hits >= max { 2 } else { 1 };
        Some((self.window + ends) * len - now_ms)
    }
}

fn window_ms(limit: Limit) -> i64 {
    i64::try_from(limit.window.as_millis())
        .unwrap_or(i64::MAX)
        .max(1)
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    crate::now().timestamp_millis()
}

/// `$1, $2, …` on PostgreSQL; `?` on SQLite (values are bound in order).
fn statement(backend: Backend, sql: &str, values: Vec<Value>) -> Statement {
    match backend {
        Backend::Postgres => Statement::from_sql_and_values(DbBackend::Postgres, sql, values),
        Backend::Sqlite => {
            let mut out = String::with_capacity(sql.len());
            let mut chars = sql.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' {
                    while chars.peek().is_some_and(char::is_ascii_digit) {
                        chars.next();
                    }
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
            Statement::from_sql_and_values(DbBackend::Sqlite, out, values)
        }
    }
}

impl Tx {
    /// The bucket's counts, locked until this transaction ends (a row is
    /// created first, so that there is one to lock).
    async fn throttle_lock(&self, bucket: &str) -> Result<Counts, StoreError> {
        self.txn
            .execute(statement(
                self.backend,
                "INSERT INTO throttle (bucket, \"window\", hits, prev_hits, expires_ms) \
                 VALUES ($1, 0, 0, 0, 0) ON CONFLICT (bucket) DO NOTHING",
                vec![bucket.into()],
            ))
            .await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let row = self
            .txn
            .query_one(statement(
                self.backend,
                &format!(
                    "SELECT \"window\", hits, prev_hits FROM throttle WHERE bucket = $1{lock}"
                ),
                vec![bucket.into()],
            ))
            .await?;
        let Some(row) = row else {
            return Ok(Counts::default());
        };
        Ok(Counts {
            window: row.try_get("", "window")?,
            hits: row.try_get("", "hits")?,
            prev_hits: row.try_get("", "prev_hits")?,
        })
    }

    async fn throttle_store(
        &self,
        bucket: &str,
        counts: Counts,
        limit: Limit,
    ) -> Result<(), StoreError> {
        // Once two windows have passed, the row counts nothing.
        let expires_ms = (counts.window + 2) * window_ms(limit);
        self.txn
            .execute(statement(
                self.backend,
                "UPDATE throttle SET \"window\" = $1, hits = $2, prev_hits = $3, expires_ms = $4 \
                 WHERE bucket = $5",
                vec![
                    counts.window.into(),
                    counts.hits.into(),
                    counts.prev_hits.into(),
                    expires_ms.into(),
                    bucket.into(),
                ],
            ))
            .await?;
        Ok(())
    }
}

impl Store {
    /// Takes one attempt from every bucket, or from none: `Ok(Ok(()))` when
    /// taken, `Ok(Err(wait))` with how long until all would allow one.
    #[tracing::instrument(skip_all)]
    pub async fn throttle_take(
        &self,
        buckets: &[(&str, Limit)],
    ) -> Result<Result<(), Duration>, StoreError> {
        let tx = self.begin().await?;
        let now = now_ms();
        let mut taken = Vec::with_capacity(buckets.len());
        let mut wait = None::<i64>;
        for &(bucket, limit) in buckets {
            let counts = tx.throttle_lock(bucket).await?.at(now / window_ms(limit));
            if let Some(ms) = counts.wait_ms(limit, now) {
                wait = Some(wait.unwrap_or(0).max(ms));
            }
            taken.push((bucket, limit, counts));
        }
        if let Some(ms) = wait {
            // Nothing is counted: the transaction rolls back.
            return Ok(Err(Duration::from_millis(u64::try_from(ms).unwrap_or(0))));
        }
        for (bucket, limit, counts) in taken {
            let counts = Counts {
                hits: counts.hits + 1,
                ..counts
            };
            tx.throttle_store(bucket, counts, limit).await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Gives back one attempt taken from `bucket` (it turned out not to
    /// count: a right password).
    #[tracing::instrument(skip_all)]
    pub async fn throttle_give_back(&self, bucket: &str, limit: Limit) -> Result<(), StoreError> {
        let tx = self.begin().await?;
        let counts = tx
            .throttle_lock(bucket)
            .await?
            .at(now_ms() / window_ms(limit));
        let counts = if counts.hits > 0 {
            Counts {
                hits: counts.hits - 1,
                ..counts
            }
        } else {
            Counts {
                prev_hits: (counts.prev_hits - 1).max(0),
                ..counts
            }
        };
        tx.throttle_store(bucket, counts, limit).await?;
        tx.commit().await
    }

    /// Forgets every attempt on `bucket`.
    #[tracing::instrument(skip_all)]
    pub async fn throttle_reset(&self, bucket: &str) -> Result<(), StoreError> {
        self.db
            .execute(statement(
                self.backend(),
                "DELETE FROM throttle WHERE bucket = $1",
                vec![bucket.into()],
            ))
            .await?;
        Ok(())
    }

    /// Deletes buckets that no longer count anything; returns how many.
    pub async fn throttle_purge(&self) -> Result<u64, StoreError> {
        let res = self
            .db
            .execute(statement(
                self.backend(),
                "DELETE FROM throttle WHERE expires_ms < $1",
                vec![now_ms().into()],
            ))
            .await?;
        Ok(res.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Limit = Limit {
        max: 10,
        window: Duration::from_millis(1000),
    };

    #[test]
    fn counts_roll_off_after_two_windows() {
        let c = Counts {
            window: 5,
            hits: 4,
            prev_hits: 3,
        };
        assert_eq!(c.at(5), c);
        assert_eq!(
            c.at(6),
            Counts {
                window: 6,
                hits: 0,
                prev_hits: 4
            }
        );
        assert_eq!(
            c.at(8),
            Counts {
                window: 8,
                ..Counts::default()
            }
        );
    }

    #[test]
    fn the_wait_ends_when_the_full_window_rolls_off() {
        // 6 now, 4 before: full until this window ends.
        let c = Counts {
            window: 5,
            hits: 6,
            prev_hits: 4,
        };
        assert_eq!(c.wait_ms(LIMIT, 5_250), Some(750));
        // 10 now: the next window still holds them as "previous".
        let c = Counts {
            window: 5,
            hits: 10,
            prev_hits: 0,
        };
        assert_eq!(c.wait_ms(LIMIT, 5_250), Some(1_750));
        let c = Counts {
            window: 5,
            hits: 5,
            prev_hits: 4,
        };
        assert_eq!(c.wait_ms(LIMIT, 5_250), None);
    }

    #[test]
    fn sqlite_placeholders_are_positional() {
        let s = statement(
            Backend::Sqlite,
            "UPDATE t SET a = $1, b = $12 WHERE c = $2",
            vec![1.into(), 2.into(), 3.into()],
        );
        assert_eq!(s.sql, "UPDATE t SET a = ?, b = ? WHERE c = ?");
    }
}
