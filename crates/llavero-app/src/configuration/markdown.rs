//! The settings table of `docs/configuration.md`, written from [`Config`]'s
//! schema — each field's doc comment, split at its `Default:` — so the
//! table and the code cannot drift (`llavero config --markdown` prints it;
//! a test compares it with the page).

use super::Config;

/// One setting as the table shows it.
pub struct Row {
    /// The file key (`listen`).
    pub key: String,
    /// What the doc comment says before `Default:`.
    pub meaning: String,
    /// What it says after.
    pub default: String,
}

/// Every setting, in declaration order.
pub fn rows() -> Vec<Row> {
    let schema = schemars::schema_for!(Config);
    let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(key, property)| {
            let text = ["title", "description"]
                .iter()
                .filter_map(|k| property.get(*k).and_then(|v| v.as_str()))
                .collect::<Vec<_>>()
                .join(" ");
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let (meaning, default) = text.rsplit_once(" Default: ").unwrap_or((&text, ""));
            Row {
                key: key.clone(),
                meaning: meaning.to_owned(),
                default: default.trim_end_matches('.').to_owned(),
            }
        })
        .collect()
}

/// The table, in Markdown.
pub fn settings_table() -> String {
    let mut table = String::from("| variable | default | meaning |\n|---|---|---|\n");
    for row in rows() {
        table.push_str(&format!(
            "| `LLAVERO_{}` | {} | {} |\n",
            row.key.to_ascii_uppercase(),
            row.default,
            row.meaning
        ));
    }
    table
}
