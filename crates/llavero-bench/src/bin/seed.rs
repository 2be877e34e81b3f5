//! Seeds keys for the benchmark.
//!
//! Usage: `llavero-bench-seed DATABASE_URL PEPPER USERNAME COUNT KEYS_FILE`
//! Creates USERNAME (password `bench-password`) if needed, gives it COUNT
//! new keys in batches, and writes each key, one per line, to KEYS_FILE.

use std::io::Write;

use anyhow::{bail, Context};
use llavero_domain::{key, password, KeyHash, KeyPrefix, Pepper};
use llavero_store::Store;
use llavero_types::Role;

const BATCH: usize = 1000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, pepper, username, count, file] = args.as_slice() else {
        bail!("usage: llavero-bench-seed DATABASE_URL PEPPER USERNAME COUNT KEYS_FILE");
    };
    let count: usize = count.parse().context("COUNT")?;
    let pepper = Pepper::new(pepper.as_bytes().to_vec()).map_err(anyhow::Error::msg)?;
    let prefix = KeyPrefix::default();
    let store = Store::connect(url, 4).await?;
    store.migrate().await?;
    let user = match store.user_by_username(username).await? {
        Some(u) => u,
        None => {
            let tx = store.begin().await?;
            let user = tx
                .user_insert(username, password::hash("bench-password")?, Role::User)
                .await?;
            tx.commit().await?;
            user
        }
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(file)?);
    let mut done = 0;
    while done < count {
        let n = BATCH.min(count - done);
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            let generated = key::generate(&prefix)?;
            let parsed =
                key::parse(&prefix, generated.secret.expose()).map_err(anyhow::Error::msg)?;
            rows.push((generated.hint.clone(), KeyHash::of(&pepper, &parsed)));
            writeln!(out, "{}", generated.secret.expose())?;
        }
        store
            .api_key_insert_many(user.user.id, "seeded", &rows)
            .await?;
        done += n;
    }
    out.flush()?;
    store.refresh_statistics().await?;
    println!("seeded {count} keys for {username}");
    Ok(())
}
