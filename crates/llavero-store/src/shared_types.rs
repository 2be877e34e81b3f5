//! The check that the store speaks its own records: it reads every source
//! file of this crate and fails on any name of `llavero-types` but the
//! shared enums the crate's documentation names ([`ALLOWED`]).
//!
//! A reading of the text, not of the compiled crate: it sees `use`
//! declarations and paths written out (`llavero_types::Role::Admin`),
//! grouped or not, over several lines; it refuses what it cannot check (a
//! glob, the crate itself under another name). Comments are skipped. Tests
//! are read too: they have no need of wire types either. This file is not
//! read: its examples name wire types on purpose.

use std::path::{Path, PathBuf};

/// The names of `llavero-types` the store may use: column values the wire
/// spells the same way (see the crate's documentation).
const ALLOWED: [&str; 4] = [
    "Role",
    "ActivityAction",
    "WebhookEventType",
    "DeliveryStatus",
];

const CRATE: &str = "llavero_types";

/// Every item `source` takes from `llavero_types`: the first segment of
/// each path after `llavero_types::` (`Role` for `llavero_types::Role::Admin`,
/// `patch` for `llavero_types::patch::Patch`), or what stands there instead
/// (`*`, `self`, `as …`, an empty name).
fn imported_names(source: &str) -> Vec<String> {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find(CRATE) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + CRATE.len()..];
        // Part of a longer identifier (`my_llavero_types`): not the crate.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            || rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let Some(path) = rest.trim_start().strip_prefix("::") else {
            // `use llavero_types;`, `llavero_types as t`: the whole crate.
            names.push(format!("{CRATE} itself"));
            continue;
        };
        let path = path.trim_start();
        if let Some(group) = path.strip_prefix('{') {
            let end = closing_brace(group);
            names.extend(top_level_items(&group[..end]).map(first_segment));
        } else {
            names.push(first_segment(path));
        }
    }
    names
}

/// Where the group that `group` is the inside of ends.
fn closing_brace(group: &str) -> usize {
    let mut depth = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    group.len()
}

/// The comma-separated items of a group, nested groups left whole.
fn top_level_items(group: &str) -> impl Iterator<Item = &str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    items.into_iter().filter(|item| !item.trim().is_empty())
}

/// The first segment of a path: the identifier it starts with, or the
/// character standing there instead (`*`, `{`).
fn first_segment(path: &str) -> String {
    let path = path.trim_start();
    let ident: String = path
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if ident.is_empty() {
        path.chars().take(1).collect()
    } else {
        ident
    }
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs")
            && path
                .file_name()
                .is_some_and(|name| name != "shared_types.rs")
        {
            found.push(path);
        }
    }
}

#[test]
fn the_store_uses_no_wire_type_but_the_shared_enums() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 10, "found only {files:?}");
    let mut forbidden = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        for name in imported_names(&source) {
            if !ALLOWED.contains(&name.as_str()) {
                let file = file.strip_prefix(&src).unwrap().display();
                forbidden.push(format!("{file}: {name}"));
            }
        }
    }
    assert!(
        forbidden.is_empty(),
        "llavero-store takes from llavero-types only {ALLOWED:?} (see its lib.rs); \
         return a record of the store's own and convert it in llavero-app's `wire` \
         instead of using:\n{}",
        forbidden.join("\n")
    );
}

#[test]
fn every_way_of_naming_a_wire_type_is_seen() {
    let source = "
        use llavero_types::{Role, ApiKey};
        use llavero_types::{
            patch::{Patch, Other},
            WebhookEventType as Kind,
        };
        use llavero_types::*;
        use llavero_types as wire;
        let user: llavero_types::User = todo!();
        let admin = llavero_types::Role::Admin;
        // llavero_types::InAComment
        let my_llavero_types = 1;
    ";
    assert_eq!(
        imported_names(source),
        [
            "Role",
            "ApiKey",
            "patch",
            "WebhookEventType",
            "*",
            "llavero_types itself",
            "User",
            "Role",
        ]
    );
}
