//! The batched queries, on SQLite and on a real PostgreSQL: the usage
//! write (every key of a batch gets its use, and an older use never
//! overwrites a newer one: replicas flush in any order; day counts and
//! addresses add up, new addresses are found once), its purge, and the key lookup
//! (each digest finds its own key, unknown digests find nothing); and a list
//! page and a lookup, whose rows are read by column position, against the
//! same keys and owner read whole.

use chrono::{Duration, Utc};
use llavero_domain::{Cidrs, KeyHash, Scopes};
use llavero_store::api_keys::NewApiKey;
use llavero_store::usage::{AddressUse, KeysToCheck, UsageBatch, Written};
use llavero_store::{PageRequest, Store};
use llavero_types::Role;
use sea_orm::{ConnectionTrait, Database};
use uuid::Uuid;

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
    write(
        &store,
        UsageBatch {
            last_uses: batch,
            ..UsageBatch::default()
        },
    )
    .await;
    write(
        &store,
        UsageBatch {
            last_uses: vec![(ids[0], older, Some("198.51.100.1".to_owned()))],
            ..UsageBatch::default()
        },
    )
    .await;
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

    usage(&store, user.user.id, &ids).await;

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

/// A key with every listed column set, each to a value of its own (three
/// different instants), and one with every nullable column NULL: a list
/// page and a lookup, both read by column position, must show both exactly
/// as a key read whole does, and the lookup their owner as a user read
/// whole, which digest matched and which key is revoked.
async fn every_column_is_read_in_place(store: &Store) {
    let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
    let owner = tx
        .user_insert("lister", "x".into(), Role::User)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let plain = tx
        .api_key_insert(NewApiKey {
            user_id: owner.user.id,
            name: "plain",
            hint: "mco_…aaaa",
            hash: hash_of(9_001),
            expires_at: None,
            scopes: &Scopes::default(),
            cidrs: &Cidrs::default(),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let now = llavero_store::now();
    let full = tx
        .api_key_insert(NewApiKey {
            user_id: owner.user.id,
            name: "full",
            hint: "mco_…bbbb",
            hash: hash_of(9_002),
            expires_at: Some(now + Duration::days(30)),
            scopes: &Scopes::from_stored(Some("compute:read dns:edit")),
            cidrs: &Cidrs::from_stored(Some("203.0.113.0/24")),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.api_key_roll(
        full.id,
        hash_of(9_003),
        "mco_…cccc",
        now + Duration::hours(2),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    write(
        store,
        UsageBatch {
            last_uses: vec![(
                full.id,
                now - Duration::minutes(5),
                Some("198.51.100.7".to_owned()),
            )],
            ..UsageBatch::default()
        },
    )
    .await;
    let page = store
        .api_key_list(
            owner.user.id,
            PageRequest {
                limit: 10,
                after: None,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let whole = |id| async move {
        store
            .api_key_get(owner.user.id, id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no key {id}"))
    };
    let (full, plain) = (whole(full.id).await, whole(plain.id).await);
    assert!(
        full.expires_at.is_some()
            && full.last_used_at.is_some()
            && full.last_used_ip.is_some()
            && matches!(full.scopes, Scopes::Only(_))
            && !full.cidrs.is_empty()
            && full
                .previous_valid_until
                .is_some_and(|until| until > llavero_store::now()),
        "{full:?}"
    );
    assert_eq!(page.items, vec![full.clone(), plain.clone()]);

    let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
    tx.api_key_set_revoked(plain.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    let owner = store
        .user_by_id(owner.user.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no owner"))
        .user;
    let mut found = store
        .api_key_lookup_many(&[hash_of(9_001), hash_of(9_002), hash_of(9_003)])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    found.sort_by_key(|(hash, _)| hash.0);
    let seen: Vec<_> = found
        .into_iter()
        .map(|(hash, l)| (hash, l.key, l.owner, l.revoked, l.superseded_until))
        .collect();
    let until = full.previous_valid_until;
    assert_eq!(
        seen,
        vec![
            (hash_of(9_001), plain, owner.clone(), true, None),
            (hash_of(9_002), full.clone(), owner.clone(), false, until),
            (hash_of(9_003), full, owner, false, None),
        ]
    );
}

async fn write(store: &Store, batch: UsageBatch) -> Written {
    store
        .usage_write(&batch)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Day counts and addresses of 700 keys, written twice: the second write
/// adds to the first, and only the first finds the addresses new (one
/// event each). Then the purge keeps 90 days and 50 addresses a key.
async fn usage(store: &Store, owner: Uuid, ids: &[Uuid]) {
    let newer = llavero_store::now();
    let older = newer - Duration::seconds(30);
    let today = newer.date_naive();
    let seen = |id: Uuid, ip: String, last| AddressUse {
        key_id: id,
        ip,
        first_seen: older,
        last_seen: last,
        uses: 2,
    };
    let batch = UsageBatch {
        last_uses: Vec::new(),
        days: ids
            .iter()
            .map(|id| (*id, today, [2, 1, 0, 0, 0, 0]))
            .collect(),
        addresses: ids
            .iter()
            .map(|id| seen(*id, "203.0.113.1".to_owned(), newer))
            .collect(),
    };
    let first = write(store, batch.clone()).await;
    assert_eq!(first.new_addresses, 700);
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    assert_eq!(first.grown, sorted, "every key grew, each listed once");
    assert_eq!(first.rows, 1400);
    let again = write(store, batch).await;
    assert_eq!((again.new_addresses, again.grown), (0, Vec::new()));
    let got = store
        .api_key_usage(owner, ids[0])
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no usage"));
    assert_eq!(got.days.len(), 1);
    assert_eq!(got.days[0].day, today);
    // Uses, then refusals in `Outcome::ALL`'s order: REVOKED only.
    assert_eq!(got.days[0].counts, [4, 2, 0, 0, 0, 0]);
    let a = &got.addresses[0];
    assert_eq!(
        (a.ip.as_str(), a.uses, a.first_seen, a.last_seen),
        ("203.0.113.1", 4, older, newer)
    );
    assert!(
        store
            .api_key_usage(Uuid::now_v7(), ids[0])
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none(),
        "another user's key has no usage for them"
    );
    let events = store
        .activity_list(
            llavero_store::activity::ActivityScope {
                user: Some(owner),
                about_account: false,
                action: None,
            },
            PageRequest {
                limit: 200,
                after: None,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The flush keeps neither owner nor name: the event reads them.
    assert!(events
        .items
        .iter()
        .all(|e| e.action.as_str() == "key_new_address"
            && e.ip.as_deref() == Some("203.0.113.1")
            && e.actor.as_ref().map(|a| (a.id, a.username.as_str())) == Some((owner, "ana"))
            && e.detail.as_deref() == Some("name: k")));
    assert_eq!(events.items.len(), 200);

    // 60 addresses for two keys, and a day 100 days old for one of them.
    let sixty = |id: Uuid| {
        (0..60).map(move |i| {
            let at = older - Duration::seconds(60 - i);
            AddressUse {
                first_seen: at,
                ..seen(id, format!("10.0.0.{i}"), at)
            }
        })
    };
    let crowded = UsageBatch {
        last_uses: Vec::new(),
        days: vec![(ids[1], today - Duration::days(100), [1, 0, 0, 0, 0, 0])],
        addresses: sixty(ids[1]).chain(sixty(ids[2])).collect(),
    };
    let mut both = vec![ids[1], ids[2]];
    both.sort_unstable();
    assert_eq!(
        write(store, crowded).await.grown,
        both,
        "the keys that grew"
    );
    // 61 addresses each (60 and 203.0.113.1, the most recent). Counted for
    // one key only: 11 of its addresses go, none of the other's.
    for gone in [11, 0] {
        assert_eq!(
            store
                .usage_purge_crowded(KeysToCheck::These(&[ids[1]]))
                .await
                .unwrap_or_else(|e| panic!("{e}")),
            gone
        );
    }
    // Over every row: the other key's 11 addresses, and the old day.
    for gone in [12, 0] {
        assert_eq!(
            store.usage_purge().await.unwrap_or_else(|e| panic!("{e}")),
            gone
        );
    }
    for id in [ids[1], ids[2]] {
        let kept = store
            .api_key_usage(owner, id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no usage"));
        assert_eq!(kept.addresses.len(), 50);
        assert_eq!(kept.addresses[0].ip, "203.0.113.1");
        assert_eq!(kept.addresses[49].ip, "10.0.0.11", "the oldest went");
        assert_eq!(kept.days.len(), 1, "today's only");
    }
}

/// A key deleted by hand (nothing in Llavero deletes one) takes its usage
/// rows with it: foreign keys on SQLite, a trigger on PostgreSQL.
async fn deleting_a_key_deletes_its_usage(url: &str) {
    let db = Database::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            let row = db
                .query_one(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("no row"));
            row.try_get_by_index::<i64>(0)
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let used = "(SELECT api_key_id FROM api_key_addresses ORDER BY api_key_id LIMIT 1)";
    let days = "SELECT count(*) FROM api_key_usage_days";
    let addresses = "SELECT count(*) FROM api_key_addresses";
    let (days_before, addresses_before) = (count(days).await, count(addresses).await);
    let gone = db
        .execute_unprepared(&format!("DELETE FROM api_keys WHERE id IN {used}"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(gone.rows_affected(), 1);
    assert_eq!(count(days).await, days_before - 1, "its day went");
    assert_eq!(
        count(addresses).await,
        addresses_before - 1,
        "its address went"
    );
}

fn hash_of(i: u16) -> KeyHash {
    let mut hash = [0u8; 32];
    hash[..2].copy_from_slice(&i.to_be_bytes());
    KeyHash(hash)
}

#[tokio::test]
async fn batches_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
    let store = Store::connect(&url, 2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    check(store.clone()).await;
    every_column_is_read_in_place(&store).await;
    deleting_a_key_deletes_its_usage(&url).await;
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
    let url = format!("{base}/{name}");
    let store = Store::connect(&url, 2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    check(store.clone()).await;
    every_column_is_read_in_place(&store).await;
    deleting_a_key_deletes_its_usage(&url).await;
    let _ = store.close().await;
    let _ = db
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await;
}
