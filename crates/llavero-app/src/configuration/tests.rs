//! Settings: defaults, validation messages, secrets, and the layers.

use super::*;

/// Settings from these variables alone (no file, not the process's).
fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    from_variables(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

#[test]
fn defaults_serve_sqlite_on_localhost() {
    let s = settings(&[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(s.api_endpoint(s.listen), "http://127.0.0.1:8080/api/v1");
    assert_eq!(s.key_prefix.as_str(), "mco");
    assert_eq!(s.sqlite_path(), Some(PathBuf::from("./data/llavero.db")));
    assert!(s.verify_token.is_none());
    assert!(!s.secure_cookies());
}

#[test]
fn wildcard_listen_shows_localhost_and_public_url_wins() {
    let s = settings(&[("LLAVERO_LISTEN", "0.0.0.0:9000")]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.public_url(s.listen), "http://localhost:9000");
    let s = settings(&[("LLAVERO_PUBLIC_URL", "https://keys.example.com/")])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.api_endpoint(s.listen), "https://keys.example.com/api/v1");
    assert!(s.secure_cookies());
}

#[test]
fn the_shown_api_endpoint_may_be_the_portals() {
    let s = settings(&[
        ("LLAVERO_PUBLIC_URL", "https://keys.example.com"),
        ("LLAVERO_API_ENDPOINT", "https://api.example.com/v2/"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.api_endpoint(s.listen), "https://api.example.com/v2");
    assert_eq!(s.own_api(s.listen), "https://keys.example.com/api/v1");
    for bad in ["api.example.com", "https://", "ftp://x", "https://a b"] {
        let e = settings(&[("LLAVERO_API_ENDPOINT", bad)])
            .map(|_| ())
            .unwrap_err();
        assert!(e.to_string().contains("LLAVERO_API_ENDPOINT"), "{e}");
    }
}

#[test]
fn bad_values_name_their_variable() {
    for (k, v) in [
        ("LLAVERO_LISTEN", "nope"),
        ("LLAVERO_PUBLIC_URL", "ftp://x"),
        ("LLAVERO_KEY_PREFIX", "NO"),
        ("LLAVERO_VERIFY_TOKEN", "short"),
        ("LLAVERO_TRUSTED_PROXIES", "10.0.0.0/8, banana"),
        ("LLAVERO_LOG_FORMAT", "xml"),
        ("LLAVERO_DATABASE_URL", "mysql://x"),
        ("LLAVERO_SESSION_HOURS", "0"),
        ("LLAVERO_CACHE_TTL_SECS", "forever"),
        ("LLAVERO_USAGE_FLUSH_MS", "1"),
        ("LLAVERO_WORKERS", "0"),
        ("LLAVERO_DB_MAX_CONNECTIONS", "1"),
        ("LLAVERO_DB_LOOKUPS_IN_FLIGHT", "0"),
        ("LLAVERO_DB_LOOKUPS_IN_FLIGHT", "16"),
        ("LLAVERO_WEBHOOK_ALLOW_HTTP", "yes"),
        ("LLAVERO_WEBHOOK_SENDER", "1"),
        (
            "LLAVERO_GITHUB_SCANNING_KEYS",
            "http://keys.example.com/github",
        ),
    ] {
        let err = settings(&[(k, v)])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(k), "{k}={v} gave {err:?}");
    }
}

#[test]
fn secrets_do_not_print() {
    let s = settings(&[
        ("LLAVERO_KEY_PEPPER", "pepper-pepper-pepper-pepper-pepper"),
        ("LLAVERO_VERIFY_TOKEN", "token-token-token-token-token"),
        ("LLAVERO_ADMIN_PASSWORD", "admin-password-1"),
        ("LLAVERO_DATABASE_URL", "postgres://u:dbpass@h/db"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let shown = format!("{s:?}");
    for secret in ["pepper-pepper", "token-token", "admin-password", "dbpass"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[test]
fn proxies_accept_addresses_and_networks() {
    let s = settings(&[("LLAVERO_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1")])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.trusted_proxies.len(), 3);
}

#[test]
fn sqlite_paths_are_found_in_urls() {
    assert_eq!(sqlite_path("sqlite::memory:"), None);
    assert_eq!(
        sqlite_path("sqlite:///tmp/x.db?mode=rwc"),
        Some(PathBuf::from("/tmp/x.db"))
    );
    assert_eq!(
        sqlite_path("sqlite:data/y.db"),
        Some(PathBuf::from("data/y.db"))
    );
    assert_eq!(sqlite_path("postgres://h/db"), None);
}

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
    f
}

#[test]
fn the_file_overrides_defaults_and_the_environment_overrides_the_file() {
    let f = file(
        "listen = \"127.0.0.1:9100\"\nsession_hours = 2\nbrand = \"Portal\"\n\
         trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n",
    );
    // A prefix of this test's own: the variables cannot meet another test's.
    std::env::set_var("LLAVERO_T1_LISTEN", "127.0.0.1:9200");
    let s = layers::load_with(
        Some(f.path()),
        figment::providers::Env::prefixed("LLAVERO_T1_"),
    )
    .unwrap();
    assert_eq!(
        s.listen.to_string(),
        "127.0.0.1:9200",
        "environment over file"
    );
    assert_eq!(
        s.session_ttl,
        Duration::from_secs(2 * 3600),
        "file over default"
    );
    assert_eq!(s.brand, "Portal");
    assert_eq!(s.trusted_proxies.len(), 2);
    assert_eq!(s.key_prefix.as_str(), "mco", "default where no layer says");
    assert_eq!(
        s.database,
        Database::Sqlite {
            path: Some(PathBuf::from("./data/llavero.db"))
        }
    );
}

#[test]
fn a_bad_file_is_a_clear_error() {
    let none = layers::load_with(
        Some(std::path::Path::new("/nonexistent/llavero.toml")),
        figment::providers::Env::prefixed("LLAVERO_T2_"),
    );
    assert!(none
        .unwrap_err()
        .to_string()
        .contains("no such configuration file"));
    let typo = file("lisen = \"127.0.0.1:1\"\n");
    let err = layers::load_with(
        Some(typo.path()),
        figment::providers::Env::prefixed("LLAVERO_T2_"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("unknown setting \"lisen\""), "{err}");
    let bad = file("session_hours = 0\n");
    let err = layers::load_with(
        Some(bad.path()),
        figment::providers::Env::prefixed("LLAVERO_T2_"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("LLAVERO_SESSION_HOURS") && err.contains("`session_hours`"),
        "{err}"
    );
    let broken = file("listen = [\n");
    assert!(layers::load_with(
        Some(broken.path()),
        figment::providers::Env::prefixed("LLAVERO_T2_")
    )
    .is_err());
}

#[test]
fn the_database_kind_is_parsed_once() {
    let s = settings(&[("LLAVERO_DATABASE_URL", "postgres://u@h/db")]).unwrap();
    assert_eq!(s.database, Database::Postgres);
    assert_eq!(s.sqlite_path(), None);
    let s = settings(&[("LLAVERO_DATABASE_URL", "sqlite::memory:")]).unwrap();
    assert_eq!(s.database, Database::Sqlite { path: None });
}

#[test]
fn environment_values_are_taken_verbatim() {
    // figment would parse these (0012 -> 12, quotes stripped): secrets must not change.
    std::env::set_var("LLAVERO_T3_ADMIN_PASSWORD", "0012345678");
    std::env::set_var(
        "LLAVERO_T3_KEY_PEPPER",
        "\"quoted\\n-pepper-0123456789abcdef0123\"",
    );
    std::env::set_var("LLAVERO_T3_BRAND", "1.50");
    let s = layers::load_with(None, figment::providers::Env::prefixed("LLAVERO_T3_")).unwrap();
    assert_eq!(s.admin_password.unwrap().expose(), "0012345678");
    assert_eq!(
        s.key_pepper.unwrap().expose(),
        "\"quoted\\n-pepper-0123456789abcdef0123\""
    );
    assert_eq!(s.brand, "1.50");
}

#[test]
fn the_examples_placeholder_secrets_are_refused_by_name() {
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.env.example"))
            .unwrap_or_else(|e| panic!("{e}"));
    let value = |name: &str| {
        example
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} not in .env.example"))
            .to_owned()
    };
    for name in [
        "LLAVERO_KEY_PEPPER",
        "LLAVERO_VERIFY_TOKEN",
        "LLAVERO_ADMIN_PASSWORD",
    ] {
        let err = settings(&[(name, &value(name))])
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_else(|| panic!("{name}: the placeholder was accepted"));
        assert!(err.starts_with(name), "{err}");
        assert!(
            !err.contains(&value(name)),
            "the message quotes the value: {err}"
        );
    }
    let url = format!(
        "postgres://llavero:{}@db:5432/llavero",
        value("POSTGRES_PASSWORD")
    );
    assert!(settings(&[("LLAVERO_DATABASE_URL", &url)]).is_err());
}

#[test]
fn limits_have_defaults_and_bounds() {
    let s = settings(&[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.key_create_per_minute, 60);
    assert!((1..=4).contains(&s.hash_concurrency));
    assert_eq!(s.session_idle, Duration::from_secs(3600));
    let s = settings(&[
        ("LLAVERO_KEY_CREATE_PER_MINUTE", "0"),
        ("LLAVERO_HASH_CONCURRENCY", "2"),
        ("LLAVERO_SESSION_IDLE_MINUTES", "15"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.key_create_per_minute, 0);
    assert_eq!(s.hash_concurrency, 2);
    assert_eq!(s.session_idle, Duration::from_secs(900));
    assert!(settings(&[("LLAVERO_HASH_CONCURRENCY", "0")]).is_err());
}

#[test]
fn key_lookups_in_flight_default_to_two_and_leave_a_connection() {
    let s = settings(&[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((s.db_max_connections, s.db_lookups_in_flight), (4, 2));
    let pg = ("LLAVERO_DATABASE_URL", "postgres://db/llavero");
    let s = settings(&[pg]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((s.db_max_connections, s.db_lookups_in_flight), (16, 2));
    let s = settings(&[("LLAVERO_DB_MAX_CONNECTIONS", "2")]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.db_lookups_in_flight, 1);
    let s =
        settings(&[pg, ("LLAVERO_DB_LOOKUPS_IN_FLIGHT", "15")]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.db_lookups_in_flight, 15);
    let err = settings(&[pg, ("LLAVERO_DB_LOOKUPS_IN_FLIGHT", "16")])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("LLAVERO_DB_MAX_CONNECTIONS (16)"), "{err}");
}

#[test]
fn the_scope_catalogue_comes_from_the_file_with_descriptions_or_the_variable() {
    let f = file(
        "key_max_lifetime_days = 90\n\
         scopes = [\n  { name = \"compute:read\", description = { es = \"Ver máquinas\", en = \"See machines\" } },\n  \"dns:edit\",\n]\n",
    );
    let s = layers::load_with(
        Some(f.path()),
        figment::providers::Env::prefixed("LLAVERO_T9_"),
    )
    .unwrap();
    let names: Vec<&str> = s
        .key_policy
        .scopes
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["compute:read", "dns:edit", "llavero:manage"]);
    assert_eq!(
        s.key_policy.scopes[0]
            .description
            .as_ref()
            .map(|d| d.en.as_str()),
        Some("See machines")
    );
    assert_eq!(s.key_policy.max_lifetime_days, Some(90));
    let from_env = settings(&[("LLAVERO_SCOPES", "a:b, c")]).unwrap();
    assert_eq!(from_env.key_policy.scopes.len(), 3);
    let bad = settings(&[("LLAVERO_SCOPES", "Nope")]).unwrap_err();
    assert!(bad.to_string().contains("LLAVERO_SCOPES"), "{bad}");
    let bad = settings(&[
        ("LLAVERO_KEY_MAX_LIFETIME_DAYS", "30"),
        ("LLAVERO_KEY_DEFAULT_LIFETIME_DAYS", "60"),
    ])
    .unwrap_err();
    assert!(bad.to_string().contains("exceeds"), "{bad}");
}

#[test]
fn webhook_and_leak_settings_have_safe_defaults() {
    let s = settings(&[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.webhook_reach, llavero_domain::webhook::Reach::default());
    assert!(s.webhook_sender);
    assert!(s.leaks_token.is_none() && s.metrics_token.is_none() && s.metrics_listen.is_none());
    assert_eq!(s.github_scanning_keys, None);
    let s = settings(&[
        ("LLAVERO_WEBHOOK_ALLOW_HTTP", "true"),
        ("LLAVERO_WEBHOOK_SENDER", "false"),
        ("LLAVERO_WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8, 10.1.2.3"),
        ("LLAVERO_GITHUB_SCANNING_KEYS", "http://127.0.0.1:9000/keys"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.webhook_reach.allow_http && !s.webhook_sender);
    assert_eq!(
        s.webhook_reach.allow_networks,
        [
            "127.0.0.0/8".parse().unwrap(),
            "10.1.2.3/32".parse().unwrap()
        ]
    );
    assert_eq!(
        s.github_scanning_keys.as_deref(),
        Some("http://127.0.0.1:9000/keys")
    );
    let bad = settings(&[("LLAVERO_WEBHOOK_ALLOW_NETWORKS", "10.0.0.0/8,intranet")]).unwrap_err();
    assert!(
        bad.to_string().contains("LLAVERO_WEBHOOK_ALLOW_NETWORKS"),
        "{bad}"
    );
}

#[test]
fn the_leaks_and_metrics_settings_are_checked() {
    let token = "t".repeat(24);
    let s = settings(&[
        ("LLAVERO_LEAKS_TOKEN", &format!("l{token}")),
        ("LLAVERO_METRICS_TOKEN", &format!("m{token}")),
        ("LLAVERO_METRICS_LISTEN", "127.0.0.1:9464"),
    ])
    .unwrap();
    assert_eq!(s.metrics_listen, Some("127.0.0.1:9464".parse().unwrap()));
    assert!(s.leaks_token.is_some() && s.metrics_token.is_some());
    for (bad, says) in [
        (
            vec![("LLAVERO_LEAKS_TOKEN", "short")],
            "LLAVERO_LEAKS_TOKEN",
        ),
        (
            vec![("LLAVERO_METRICS_TOKEN", "short")],
            "LLAVERO_METRICS_TOKEN",
        ),
        (
            vec![("LLAVERO_METRICS_LISTEN", "9464")],
            "LLAVERO_METRICS_LISTEN",
        ),
        (
            vec![
                ("LLAVERO_LEAKS_TOKEN", token.as_str()),
                ("LLAVERO_VERIFY_TOKEN", token.as_str()),
            ],
            "must differ",
        ),
    ] {
        let e = settings(&bad).unwrap_err().to_string();
        assert!(e.contains(says), "{e}");
        assert!(!e.contains(&token), "the message shows the token: {e}");
    }
}

#[test]
fn the_identity_provider_is_optional_and_checked_when_set() {
    let s = settings(&[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.oidc.is_none() && s.local_login);

    let s = settings(&[
        (
            "LLAVERO_OIDC_ISSUER",
            "https://login.example.com/application/o/llavero/",
        ),
        ("LLAVERO_OIDC_CLIENT_ID", "llavero"),
        ("LLAVERO_OIDC_CLIENT_SECRET", "s3cret-value"),
        ("LLAVERO_LOCAL_LOGIN", "false"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let o = s.oidc.unwrap_or_else(|| panic!("no provider"));
    // Exactly as given: the provider's discovery document must match it.
    assert_eq!(o.issuer, "https://login.example.com/application/o/llavero/");
    assert_eq!(o.scopes, ["openid", "profile", "email"]);
    assert_eq!(o.roles_claim, "groups");
    assert_eq!(o.name, "OpenID Connect");
    assert!(o.admin_value.is_none());
    assert!(
        !format!("{o:?}").contains("s3cret-value"),
        "the secret printed"
    );
    assert!(!s.local_login);

    let refused = |vars: &[(&str, &str)], says: &str| {
        let e = settings(vars)
            .err()
            .unwrap_or_else(|| panic!("{vars:?} accepted"));
        assert!(e.to_string().contains(says), "{e} should say {says}");
    };
    let issuer = ("LLAVERO_OIDC_ISSUER", "https://login.example.com");
    let client = ("LLAVERO_OIDC_CLIENT_ID", "llavero");
    refused(&[issuer], "LLAVERO_OIDC_CLIENT_ID is required");
    refused(
        &[("LLAVERO_OIDC_CLIENT_ID", "x")],
        "LLAVERO_OIDC_ISSUER is not",
    );
    refused(
        &[("LLAVERO_OIDC_ISSUER", "http://login.example.com"), client],
        "must be an https:// URL",
    );
    refused(
        &[issuer, client, ("LLAVERO_OIDC_SCOPES", "profile email")],
        "must include openid",
    );
    refused(
        &[issuer, client, ("LLAVERO_OIDC_ROLES_CLAIM", "a..b")],
        "LLAVERO_OIDC_ROLES_CLAIM",
    );
    refused(
        &[issuer, client, ("LLAVERO_OIDC_TIMEOUT_SECS", "0")],
        "LLAVERO_OIDC_TIMEOUT_SECS",
    );
    refused(
        &[("LLAVERO_LOCAL_LOGIN", "false")],
        "needs an identity provider",
    );
    refused(&[("LLAVERO_LOCAL_LOGIN", "no")], "expected true or false");
    refused(
        &[
            issuer,
            client,
            ("LLAVERO_OIDC_CLIENT_SECRET", "change-me-please"),
        ],
        "LLAVERO_OIDC_CLIENT_SECRET still holds",
    );
    // Loopback may be plain http (a provider on this machine, the tests).
    let s = settings(&[("LLAVERO_OIDC_ISSUER", "http://localhost:9000/idp"), client])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.oidc.is_some());
}

#[test]
fn every_setting_says_what_it_means_and_its_default() {
    let rows = markdown::rows();
    assert_eq!(rows.len(), keys().len());
    assert!(rows.len() >= 44, "{} settings", rows.len());
    for row in &rows {
        assert!(!row.meaning.is_empty(), "{}: no meaning", row.key);
        assert!(!row.default.is_empty(), "{}: no `Default:`", row.key);
    }
    // A default the code gives must be the one the documentation names.
    let defaults = serde_json::to_value(Config::default()).unwrap_or_default();
    for row in &rows {
        let shown = match &defaults[&row.key] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => continue,
        };
        assert!(
            row.default.contains(&format!("`{shown}`")),
            "{}: the code's default is {shown:?}, the documentation says {:?}",
            row.key,
            row.default
        );
    }
}

#[test]
fn the_settings_table_in_the_docs_is_the_one_the_code_writes() {
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/configuration.md"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let begin = "<!-- settings:begin -->";
    let end = "<!-- settings:end -->";
    let (Some(a), Some(b)) = (page.find(begin), page.find(end)) else {
        panic!("docs/configuration.md lacks the {begin} / {end} markers");
    };
    assert_eq!(
        page[a + begin.len()..b].trim(),
        settings_table().trim(),
        "docs/configuration.md's table differs from the code: \
         rewrite it with `cargo run -p llavero-server -- config --markdown`"
    );
}

#[test]
fn unknown_variables_are_ignored_and_unknown_file_keys_are_not() {
    let s = settings(&[("LLAVERO_NO_SUCH_SETTING", "x"), ("LLAVERO_CONFIG", "y")]);
    assert!(s.is_ok(), "{:?}", s.err());
    let typo = file("brnad = \"x\"\n");
    let err = layers::load_with(
        Some(typo.path()),
        figment::providers::Env::prefixed("LLAVERO_T4_"),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(err.contains("unknown setting \"brnad\""), "{err}");
}

#[test]
fn a_file_value_of_the_wrong_type_names_its_setting() {
    let bad = file("session_hours = \"many\"\nwebhook_sender = 3\n");
    let err = layers::load_with(
        Some(bad.path()),
        figment::providers::Env::prefixed("LLAVERO_T5_"),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(
        err.contains("LLAVERO_SESSION_HOURS") || err.contains("LLAVERO_WEBHOOK_SENDER"),
        "{err}"
    );
    assert!(err.contains(&bad.path().display().to_string()), "{err}");
}
