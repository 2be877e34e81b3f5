//! The batched queries, on SQLite and on a real PostgreSQL: the last-use
//! write (every key of a batch gets its use, and an older use never
//! overwrites a newer one: replicas flush in any order) and the key lookup
//! (each digest finds its own key, unknown digests find nothing).

use chrono::{Duration, Utc};
use llavero_domain::KeyHash;
use llavero_store::api_keys::NewApiKey;
use llavero_store::{PageRequest, Store};
use llavero_types::Role;
use sea_orm::{ConnectionTrait, Database};

async fn check(store: Store) {
    store.migrate().await.unwrap_or_else(|e| panic!("{e}"));
    let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
    let user = tx
        .user_insert("ana", "x".into(), Role::User)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut ids = Vec::new();
    for i in 0..700u16 {
        let key = tx
            .api_key_insert(NewApiKey {
                user_id: user.user.id,
                name: "k",
                hint: "mco_…0000",
                hash: hash_of(i),
                expires_at: None,
                scopes: &Default::default(),
                cidrs: &Default::default(),
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        ids.push(key.id);
    }
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    let newer = llavero_store::now();
    let older = newer - Duration::seconds(30);
    // 700 keys: more than one 500-row statement.
    let batch: Vec<_> = ids
        .iter()
        .map(|id| (*id, newer, Some("203.0.113.1".to_owned())))
        .collect();
    store
        .api_key_record_uses(&batch)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .api_key_record_uses(&[(ids[0], older, Some("198.51.100.1".to_owned()))])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let page = store
        .api_key_list(
            user.user.id,
            PageRequest {
                limit: 200,
                after: None,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        page.items
            .iter()
            .all(|k| k.last_used_at == Some(newer)
                && k.last_used_ip.as_deref() == Some("203.0.113.1"))
    );
    let first = store
        .api_key_get(user.user.id, ids[0])
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("gone"));
    assert_eq!(
        first.last_used_at,
        Some(newer),
        "an older use overwrote a newer one"
    );
    assert_eq!(first.last_used_ip.as_deref(), Some("203.0.113.1"));
    assert!(first.last_used_at.is_some_and(|t| t <= Utc::now()));

    // 300 known digests, one twice, and one nobody has.
    let mut wanted: Vec<KeyHash> = (0..300u16).map(hash_of).collect();
    wanted.push(hash_of(7));
    wanted.push(hash_of(9_999));
    let found = store
        .api_key_lookup_many(&wanted)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        found.len(),
        300,
        "each stored key once, the unknown one not"
    );
    for (hash, lookup) in &found {
        let i = u16::from_be_bytes([hash.0[0], hash.0[1]]);
        assert_eq!(
            lookup.key.id,
            ids[usize::from(i)],
            "digest {i} found another key"
        );
        assert_eq!(lookup.owner.id, user.user.id);
        assert!(!lookup.revoked);
    }
    assert!(store
        .api_key_lookup_many(&[])
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_empty());
}

fn hash_of(i: u16) -> KeyHash {
    let mut hash = [0u8; 32];
    hash[..2].copy_from_slice(&i.to_be_bytes());
    KeyHash(hash)
}

#[tokio::test]
async fn batches_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::connect(
        &format!("sqlite://{}/t.db?mode=rwc", dir.path().display()),
        2,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    check(store).await;
}

#[tokio::test]
async fn batches_on_postgres() {
    let admin = std::env::var("LLAVERO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name = format!("llavero_store_{}", uuid::Uuid::new_v4().simple());
    let db = Database::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL is required and unreachable at {admin}: {e}"));
    db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    let store = Store::connect(&format!("{base}/{name}"), 2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    check(store.clone()).await;
    let _ = store.close().await;
    let _ = db
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await;
}
