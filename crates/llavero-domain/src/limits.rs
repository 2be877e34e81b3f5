//! What a key may do and from where: its scopes and its address limits.
//!
//! A key holds either every privilege of its owner (`scopes: null`, the
//! default the user guide describes) or a non-empty set of scope names from
//! the operator's catalogue. [`MANAGE`] is built in and special: it lets a
//! key manage keys, and only a key granted it explicitly holds it — an
//! all-privileges key satisfies every *API* scope but never this one, so no
//! existing key gains the power to mint keys.
//!
//! Address limits are up to [`MAX_CIDRS`] networks (IPv4 or IPv6); an empty
//! list means anywhere. Networks are parsed with `ipnet` (the maintained
//! crate for CIDRs, already used for trusted proxies) and stored in their
//! canonical form (host bits cleared), so `10.1.2.3/8` is kept as
//! `10.0.0.0/8` and a bare address as a `/32` or `/128`.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use ipnet::IpNet;

use crate::names::ValidationError;

/// Everything that limits a key: what it may do, from where, until when.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyLimits {
    pub scopes: Scopes,
    pub cidrs: Cidrs,
    /// `None`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The built-in scope that lets a key manage its owner's keys (and, for an
/// admin's key, users).
pub const MANAGE: &str = "llavero:manage";

/// Most networks one key may be limited to.
pub const MAX_CIDRS: usize = 32;

/// Longest scope name.
pub const SCOPE_NAME_MAX: usize = 64;

/// Whether `name` is a well-formed scope name: `^[a-z][a-z0-9_.:-]{0,63}$`.
pub fn is_scope_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= SCOPE_NAME_MAX
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | ':' | '-')
        })
}

/// What a key may do: everything its owner may (`All`), or only these
/// scopes (sorted, without duplicates, never empty).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scopes {
    #[default]
    All,
    Only(Vec<String>),
}

impl Scopes {
    /// Checks `requested` against the catalogue (`known` answers whether a
    /// name is in it): `None` is every privilege; a list must be non-empty
    /// and name only catalogued scopes.
    pub fn parse(
        requested: Option<&[String]>,
        known: impl Fn(&str) -> bool,
    ) -> Result<Self, ValidationError> {
        let Some(names) = requested else {
            return Ok(Scopes::All);
        };
        if names.is_empty() {
            return Err(ValidationError::new(
                "scopes",
                "must not be empty: send null for all of the owner's privileges, or name at least one scope",
            ));
        }
        let mut list = Vec::with_capacity(names.len());
        for name in names {
            let name = name.trim();
            if !is_scope_name(name) {
                return Err(ValidationError::new(
                    "scopes",
                    format!("{name:?} is not a scope name (^[a-z][a-z0-9_.:-]{{0,63}}$)"),
                ));
            }
            if !known(name) {
                return Err(ValidationError::new(
                    "scopes",
                    format!("unknown scope {name:?}: GET /api/v1/scopes lists them"),
                ));
            }
            list.push(name.to_owned());
        }
        list.sort();
        list.dedup();
        Ok(Scopes::Only(list))
    }

    /// The stored form: `None` for all privileges, else the names joined
    /// by single spaces.
    pub fn to_stored(&self) -> Option<String> {
        match self {
            Scopes::All => None,
            Scopes::Only(list) => Some(list.join(" ")),
        }
    }

    /// Reads the stored form back (trusted: it was written by [`Scopes::to_stored`]).
    pub fn from_stored(stored: Option<&str>) -> Self {
        match stored {
            None => Scopes::All,
            Some(s) => Scopes::Only(s.split_whitespace().map(str::to_owned).collect()),
        }
    }

    /// The wire form: `None` (null) for all privileges.
    pub fn to_list(&self) -> Option<Vec<String>> {
        match self {
            Scopes::All => None,
            Scopes::Only(list) => Some(list.clone()),
        }
    }

    /// Whether a key with these scopes may act under `scope`. All
    /// privileges satisfy every scope but [`MANAGE`], which must be granted.
    pub fn allows(&self, scope: &str) -> bool {
        match self {
            Scopes::All => scope != MANAGE,
            Scopes::Only(list) => list.iter().any(|s| s == scope),
        }
    }

    /// Whether every privilege of `other` is also one of these (so a key
    /// with these scopes may grant `other`).
    pub fn covers(&self, other: &Scopes) -> bool {
        match (self, other) {
            (Scopes::All, Scopes::All) => true,
            (Scopes::All, Scopes::Only(list)) => list.iter().all(|s| s != MANAGE),
            (Scopes::Only(_), Scopes::All) => false,
            (Scopes::Only(mine), Scopes::Only(theirs)) => theirs.iter().all(|s| mine.contains(s)),
        }
    }

    /// The `X-Llavero-Scopes` value: `*` for all privileges, else the names
    /// separated by single spaces.
    pub fn header_value(&self) -> String {
        match self {
            Scopes::All => "*".to_owned(),
            Scopes::Only(list) => list.join(" "),
        }
    }
}

/// The networks a key may be used from; empty: anywhere.
///
/// A stored entry that does not parse (written by hand, or by a future
/// version) is kept as text and closes the set: such a key is allowed from
/// nowhere and covers nothing, rather than silently from anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cidrs {
    nets: Vec<IpNet>,
    unreadable: Vec<String>,
}

impl Cidrs {
    /// Parses up to [`MAX_CIDRS`] networks (a bare address is a one-address
    /// network); host bits are cleared and duplicates dropped.
    pub fn parse(raw: &[String]) -> Result<Self, ValidationError> {
        if raw.len() > MAX_CIDRS {
            return Err(ValidationError::new(
                "allowed_cidrs",
                format!("at most {MAX_CIDRS} networks (got {})", raw.len()),
            ));
        }
        let mut nets = Vec::with_capacity(raw.len());
        for item in raw {
            let s = item.trim();
            let net = s
                .parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    ValidationError::new(
                        "allowed_cidrs",
                        format!("{s:?} is not an IPv4 or IPv6 network (like 203.0.113.0/24 or 2001:db8::/32)"),
                    )
                })?;
            nets.push(net.trunc());
        }
        nets.sort();
        nets.dedup();
        Ok(Cidrs {
            nets,
            unreadable: Vec::new(),
        })
    }

    /// A set that allows no address at all (for limits that cannot be read).
    pub fn nowhere() -> Self {
        Cidrs {
            nets: Vec::new(),
            unreadable: vec!["(unreadable)".to_owned()],
        }
    }

    /// The stored form: `None` when unlimited, else the networks joined by
    /// single spaces.
    pub fn to_stored(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.to_list().join(" "))
    }

    /// Reads the stored form back. [`Cidrs::to_stored`] wrote it, so every
    /// entry parses; one that does not closes the set (see the type).
    pub fn from_stored(stored: Option<&str>) -> Self {
        let mut cidrs = Cidrs::default();
        for entry in stored.unwrap_or_default().split_whitespace() {
            match entry.parse() {
                Ok(net) => cidrs.nets.push(net),
                Err(_) => cidrs.unreadable.push(entry.to_owned()),
            }
        }
        cidrs
    }

    /// The wire form (an unreadable entry is shown as it is stored, so its
    /// owner can see and replace it).
    pub fn to_list(&self) -> Vec<String> {
        self.nets
            .iter()
            .map(ToString::to_string)
            .chain(self.unreadable.iter().cloned())
            .collect()
    }

    /// Unlimited: usable from anywhere.
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty() && self.unreadable.is_empty()
    }

    /// Whether a use from `ip` is allowed: always when unlimited; else only
    /// from a known address inside one of the networks (an IPv4-mapped IPv6
    /// address counts as its IPv4 address).
    pub fn allows(&self, ip: Option<IpAddr>) -> bool {
        if self.is_empty() {
            return true;
        }
        if !self.unreadable.is_empty() {
            return false;
        }
        let Some(ip) = ip else {
            return false;
        };
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// Whether every network of `other` lies inside one of these (an
    /// unlimited set covers everything; nothing limited covers "anywhere").
    pub fn covers(&self, other: &Cidrs) -> bool {
        if self.is_empty() {
            return true;
        }
        self.unreadable.is_empty()
            && !other.is_empty()
            && other
                .nets
                .iter()
                .all(|theirs| self.nets.iter().any(|mine| mine.contains(theirs)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn scope_names_follow_the_pattern() {
        for good in ["a", "compute:read", "x.y_z-1", &"a".repeat(64)] {
            assert!(is_scope_name(good), "{good}");
        }
        for bad in ["", "A", "1a", "a b", "a/b", "é", &"a".repeat(65), ":a"] {
            assert!(!is_scope_name(bad), "{bad}");
        }
    }

    #[test]
    fn scopes_are_checked_against_the_catalogue() {
        let known = |s: &str| ["compute:read", "compute:write", MANAGE].contains(&s);
        assert_eq!(Scopes::parse(None, known).unwrap(), Scopes::All);
        let two = Scopes::parse(
            Some(&strings(&["compute:write", "compute:read", "compute:read"])),
            known,
        )
        .unwrap();
        assert_eq!(
            two,
            Scopes::Only(strings(&["compute:read", "compute:write"]))
        );
        assert_eq!(two.header_value(), "compute:read compute:write");
        assert_eq!(Scopes::from_stored(two.to_stored().as_deref()), two);
        for bad in [&[][..], &["nope"][..], &["Bad"][..]] {
            let err = Scopes::parse(Some(&strings(bad)), known).unwrap_err();
            assert_eq!(err.field, "scopes");
        }
    }

    #[test]
    fn all_privileges_never_include_manage() {
        assert!(Scopes::All.allows("compute:read"));
        assert!(!Scopes::All.allows(MANAGE));
        let only = Scopes::Only(strings(&["compute:read"]));
        assert!(only.allows("compute:read"));
        assert!(!only.allows("compute:write"));
        assert!(Scopes::All.covers(&only));
        assert!(!only.covers(&Scopes::All));
        assert!(!Scopes::All.covers(&Scopes::Only(strings(&[MANAGE]))));
    }

    #[test]
    fn cidrs_are_canonical_and_bounded() {
        let c = Cidrs::parse(&strings(&["10.1.2.3/8", "203.0.113.7", "2001:db8::1/32"])).unwrap();
        assert_eq!(
            c.to_list(),
            strings(&["10.0.0.0/8", "203.0.113.7/32", "2001:db8::/32"])
        );
        assert_eq!(Cidrs::from_stored(c.to_stored().as_deref()), c);
        assert!(Cidrs::parse(&strings(&["10.0.0.0/33"])).is_err());
        assert!(Cidrs::parse(&strings(&["nope"])).is_err());
        let many: Vec<String> = (0..33).map(|i| format!("10.0.{i}.0/24")).collect();
        assert_eq!(Cidrs::parse(&many).unwrap_err().field, "allowed_cidrs");
        assert!(Cidrs::parse(&many[..32]).is_ok());
    }

    #[test]
    fn cidrs_allow_only_addresses_inside() {
        let c = Cidrs::parse(&strings(&["10.0.0.0/8", "2001:db8::/32"])).unwrap();
        assert!(c.allows(Some("10.9.8.7".parse().unwrap())));
        assert!(c.allows(Some("::ffff:10.9.8.7".parse().unwrap())));
        assert!(c.allows(Some("2001:db8::5".parse().unwrap())));
        assert!(!c.allows(Some("11.0.0.1".parse().unwrap())));
        assert!(!c.allows(None));
        assert!(Cidrs::default().allows(None));
        let inner = Cidrs::parse(&strings(&["10.1.0.0/16"])).unwrap();
        assert!(c.covers(&inner));
        assert!(!inner.covers(&c));
        assert!(!inner.covers(&Cidrs::default()));
        assert!(Cidrs::default().covers(&c));
    }

    #[test]
    fn an_unreadable_stored_network_closes_the_set() {
        let bad = Cidrs::from_stored(Some("10.0.0.0/8 not-a-net"));
        assert!(!bad.is_empty());
        assert!(!bad.allows(Some("10.1.1.1".parse().unwrap())));
        assert_eq!(bad.to_list(), ["10.0.0.0/8", "not-a-net"]);
        assert!(Cidrs::parse(&bad.to_list()).is_err());
        let only_bad = Cidrs::from_stored(Some("garbage"));
        assert!(!only_bad.allows(Some("127.0.0.1".parse().unwrap())));
        assert!(!only_bad.covers(&Cidrs::parse(&["10.0.0.0/8".into()]).unwrap()));
        assert!(!Cidrs::nowhere().allows(None));
    }
}
