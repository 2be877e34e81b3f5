//! What Llavero reads from a provider's claims: whether the roles claim
//! names the admin value, and the username a new user gets.

use serde_json::{Map, Value};

/// Whether the claim at `path` (a name, or a dotted path into objects such
/// as Keycloak's `realm_access.roles`) holds `value`: equal to it, or a
/// list with it.
pub fn claim_holds(claims: &Map<String, Value>, path: &str, value: &str) -> bool {
    match lookup(claims, path) {
        Some(Value::String(s)) => s == value,
        Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(value)),
        _ => false,
    }
}

/// The claim at `path`, if present.
pub fn lookup<'a>(claims: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    // A claim whose own name has dots (some providers use URLs) first.
    if let Some(v) = claims.get(path) {
        return Some(v);
    }
    let mut parts = path.split('.');
    let mut here = claims.get(parts.next()?)?;
    for part in parts {
        here = here.as_object()?.get(part)?;
    }
    Some(here)
}

/// The username a new user from the provider asks for: the
/// `preferred_username`, else the e-mail address, else `user`, lowercased,
/// with what a username may not hold turned into `-`, cut to 56 characters
/// (room for a suffix), and at least 3 long.
pub fn username_base(preferred: Option<&str>, email: Option<&str>) -> String {
    let raw = [preferred, email]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or("user");
    let mut name: String = raw
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@') {
                c
            } else {
                '-'
            }
        })
        .take(56)
        .collect();
    while name.chars().count() < 3 {
        name.push('_');
    }
    name
}

/// The names to try, in order, for a new user whose base is `base`: the
/// base, then `base-2` … `base-9`, then one made unique by `subject`.
pub fn username_candidates(base: &str, subject: &str) -> Vec<String> {
    let mut names = vec![base.to_owned()];
    names.extend((2..=9).map(|n| format!("{base}-{n}")));
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(subject.as_bytes()));
    names.push(format!("{base}-{}", &digest[..8]));
    names
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_admin_value_is_found_in_a_list_a_string_or_a_nested_claim() {
        let c = claims(json!({
            "groups": ["staff", "llavero-admins"],
            "role": "admin",
            "realm_access": {"roles": ["offline", "llavero-admin"]},
            "https://example.com/roles": ["x"],
        }));
        assert!(claim_holds(&c, "groups", "llavero-admins"));
        assert!(!claim_holds(&c, "groups", "llavero"));
        assert!(claim_holds(&c, "role", "admin"));
        assert!(claim_holds(&c, "realm_access.roles", "llavero-admin"));
        assert!(claim_holds(&c, "https://example.com/roles", "x"));
        assert!(!claim_holds(&c, "missing.path", "x"));
        assert!(!claim_holds(
            &claims(json!({"groups": [1, true]})),
            "groups",
            "1"
        ));
    }

    #[test]
    fn usernames_are_made_valid() {
        assert_eq!(username_base(Some("Ana María"), None), "ana-mar-a");
        assert_eq!(
            username_base(None, Some("Bo@Example.com")),
            "bo@example.com"
        );
        assert_eq!(username_base(Some("  "), None), "user");
        assert_eq!(username_base(Some("x"), None), "x__");
        assert_eq!(username_base(Some(&"a".repeat(100)), None).len(), 56);
        for base in ["ana-mar-a", "x__", "user"] {
            for name in username_candidates(base, "sub-1") {
                assert!(llavero_domain::Username::parse(&name).is_ok(), "{name}");
            }
        }
        let a = username_candidates("ana", "sub-1");
        assert_eq!(&a[..3], ["ana", "ana-2", "ana-3"]);
        assert_ne!(a.last(), username_candidates("ana", "sub-2").last());
    }
}
