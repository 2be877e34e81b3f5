//! Leaked keys: a report (from GitHub's secret scanning or the operator's
//! own scanner) revokes every live key it names, at once.
//!
//! Per reported token: a string that fails the offline checks (prefix,
//! alphabet, length, CRC32) is a false positive answered with no database
//! work. A real key is revoked in one transaction with its
//! `api_key_leaked` activity event (where it was found, visible to the
//! owner), its `key.revoked` and `key.leaked` webhook events and the
//! notification that makes every replica refuse it. If the token is a
//! key's *previous* secret (replaced by a roll, still in its grace), only
//! that secret stops; the current one keeps working. A known key already
//! revoked is still a true positive, and changes nothing.

use llavero_domain::{key, KeyHash};
use llavero_store::activity::NewEvent;
use llavero_store::StoreError;
use llavero_types::{ActivityAction, LeakFeedback, LeakLabel, LeakReport, WebhookEventType};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{events, Acting};
use crate::verification::Invalidation;
use crate::App;

/// The token type answered when the report names none.
pub const TOKEN_TYPE: &str = "llavero_api_key";

/// Who reported a leak (recorded in the activity log).
#[derive(Debug, Clone, Copy)]
pub enum Reporter {
    GitHub,
    Scanner,
}

impl Reporter {
    fn as_str(self) -> &'static str {
        match self {
            Reporter::GitHub => "GitHub secret scanning",
            Reporter::Scanner => "the operator's scanner",
        }
    }
}

impl App {
    /// Handles every report; answers one verdict per report, in order.
    #[tracing::instrument(skip_all, fields(reports = reports.len()))]
    pub async fn report_leaks(
        &self,
        reporter: Reporter,
        reports: &[LeakReport],
    ) -> Result<Vec<LeakFeedback>, StoreError> {
        let mut out = Vec::with_capacity(reports.len());
        for r in reports {
            let found = self.handle_leak(reporter, r).await?;
            out.push(LeakFeedback {
                token_hash: hex_sha256(&r.token),
                token_type: r
                    .token_type
                    .clone()
                    .unwrap_or_else(|| TOKEN_TYPE.to_owned()),
                label: if found {
                    LeakLabel::TruePositive
                } else {
                    LeakLabel::FalsePositive
                },
            });
        }
        Ok(out)
    }

    /// Whether the token is one of our keys; revokes it if live.
    async fn handle_leak(&self, reporter: Reporter, r: &LeakReport) -> Result<bool, StoreError> {
        let Ok(parsed) = key::parse(&self.key_prefix, &r.token) else {
            return Ok(false);
        };
        let hash = KeyHash::of(&self.pepper, &parsed);
        let Some((_, found)) = self.store.api_key_lookup_many(&[hash]).await?.pop() else {
            return Ok(false);
        };
        if found.revoked {
            return Ok(true);
        }
        let owner = found.owner.id;
        let key_id = found.key.id;
        let tx = self.store.begin().await?;
        let Some(current) = tx.api_key_lock(owner, key_id).await? else {
            // Revoked meanwhile.
            return Ok(true);
        };
        let previous = found.superseded_until.is_some();
        if previous && !tx.api_key_end_grace(key_id).await? {
            // A replaced secret whose grace had ended: already dead.
            return Ok(true);
        }
        if !previous {
            tx.api_key_set_revoked(key_id).await?;
        }
        let place = r.url.clone().unwrap_or_else(|| "-".to_owned());
        let which = if previous { "previous" } else { "current" };
        tx.activity_record(NewEvent {
            action: ActivityAction::ApiKeyLeaked,
            actor: None,
            ip: None,
            api_key_id: None,
            target_type: Some("api_key"),
            target_id: Some(key_id),
            // Fields in a fixed order, the place last: the web app reads the
            // name and the place back to tell the owner.
            detail: Some(format!(
                "name: {}; secret: {which}; by: {}; source: {}; at: {place}",
                current.name,
                reporter.as_str(),
                r.source.as_deref().unwrap_or("-"),
            )),
            owner_id: Some(owner),
        })
        .await?;
        let system = Acting::system();
        let facts = json!({
            "url": r.url,
            "source": r.source,
            "secret": if previous { "previous" } else { "current" },
        });
        if !previous {
            tx.outbox_emit(events::key(
                WebhookEventType::KeyRevoked,
                &system,
                owner,
                key_id,
                json!({ "reason": "leaked" }),
            ))
            .await?;
        }
        tx.outbox_emit(events::key(
            WebhookEventType::KeyLeaked,
            &system,
            owner,
            key_id,
            facts,
        ))
        .await?;
        self.commit_invalidating(tx, Invalidation::Key(key_id))
            .await?;
        if !previous {
            self.metrics.key_revoked();
        }
        tracing::warn!(%key_id, user_id = %owner, previous, "a leaked key was stopped");
        Ok(true)
    }
}

fn hex_sha256(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
