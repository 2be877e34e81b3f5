//! Pieces of screens written as HTML text (`inner_html`) instead of Leptos
//! views: tables whose rows only show data and a few buttons.
//!
//! Each Leptos view is a type of its own that the compiler expands into
//! code; the same table as text costs a fraction of that (the usage dialog
//! went from 37 KB to 15 KB of gzip this way, in an app that may weigh 250
//! KB in all). Every value is escaped with [`esc`]; buttons carry
//! `data-act` and `data-id`, and the screen reads them in one click
//! handler ([`clicked`]).

use wasm_bindgen::JsCast;

/// `s` safe inside HTML text and attribute values.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `<table>` markup: a caption (may be empty), a header row, then `rows`
/// (cells already escaped).
pub fn table(
    class: &str,
    caption: &str,
    head: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> String {
    let head: String = head
        .iter()
        .map(|h| format!("<th scope=\"col\">{}</th>", esc(h)))
        .collect();
    let body: String = rows
        .map(|row| {
            let cells: String = row.iter().map(|c| format!("<td>{c}</td>")).collect();
            format!("<tr>{cells}</tr>")
        })
        .collect();
    let caption = if caption.is_empty() {
        String::new()
    } else {
        format!(
            "<caption class=\"visually-hidden\">{}</caption>",
            esc(caption)
        )
    };
    format!("<table class=\"compact {class}\">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
}

/// `<p class="muted">` markup.
pub fn none(text: &str) -> String {
    para("muted", text)
}

/// What a table shows while its data is on the way (announced politely).
pub fn loading(text: &str) -> String {
    format!("<p class=\"muted\" role=\"status\">{}</p>", esc(text))
}

/// What a table shows when its data could not be loaded (announced).
pub fn failed(text: &str) -> String {
    format!("<p class=\"error-box\" role=\"alert\">{}</p>", esc(text))
}

/// A button that [`clicked`] reports as `(act, id)`; `label` is shown,
/// `hidden` is added for screen readers only (say, whose row it is). The
/// id is unique on the page, so focus can find the button again after a
/// redraw.
pub fn button(act: &str, id: &str, class: &str, label: &str, hidden: &str) -> String {
    format!(
        "<button type=\"button\" class=\"{class}\" id=\"{act}-{id}\" data-act=\"{act}\" data-id=\"{id}\">{}<span class=\"visually-hidden\"> {}</span></button>",
        esc(label),
        esc(hidden)
    )
}

/// A labelled `<input>` with a hint below it (`hint` may be empty).
pub fn input(id: &str, label: &str, kind: &str, autocomplete: &str, hint: &str) -> String {
    let (described, hint) = if hint.is_empty() {
        (String::new(), String::new())
    } else {
        (
            format!(" aria-describedby=\"{id}-hint\""),
            format!(
                "<p id=\"{id}-hint\" class=\"small muted\">{}</p>",
                esc(hint)
            ),
        )
    };
    format!(
        "<label for=\"{id}\">{}</label><input id=\"{id}\" type=\"{kind}\" autocomplete=\"{autocomplete}\"{described}>{hint}",
        esc(label)
    )
}

/// `<option>`s, `(value, words)` each, with `selected` on the one whose
/// value is `chosen`.
pub fn options<'a>(items: impl Iterator<Item = (&'a str, &'a str)>, chosen: &str) -> String {
    items
        .map(|(value, words)| {
            let selected = if value == chosen { " selected" } else { "" };
            format!(
                "<option value=\"{}\"{selected}>{}</option>",
                esc(value),
                esc(words)
            )
        })
        .collect()
}

/// `<p>` markup with a class (may be empty).
pub fn para(class: &str, text: &str) -> String {
    format!("<p class=\"{class}\">{}</p>", esc(text))
}

/// An icon button that [`clicked`] reports as `(act, id)`, named by
/// `label` (also its tooltip); `class` is added to `icon-button`.
pub fn icon_button(act: &str, id: &str, class: &str, label: &str, path: &str) -> String {
    format!(
        "<button type=\"button\" class=\"icon-button{class}\" id=\"{act}-{id}\" data-act=\"{act}\" data-id=\"{id}\" aria-label=\"{label}\" title=\"{label}\">{}</button>",
        crate::components::icons::markup(path),
        label = esc(label),
    )
}

/// The `(data-act, data-id)` of the button a click inside markup hit.
pub fn clicked(ev: &web_sys::MouseEvent) -> Option<(String, String)> {
    let target: web_sys::Element = ev.target()?.dyn_into().ok()?;
    let button = target.closest("[data-act]").ok()??;
    Some((
        button.get_attribute("data-act")?,
        button.get_attribute("data-id")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_break_out_of_text_or_attributes() {
        assert_eq!(
            esc("<img src=x onerror='a()'> & \"b\""),
            "&lt;img src=x onerror=&#39;a()&#39;&gt; &amp; &quot;b&quot;"
        );
        let html = button("toggle", "1", "link", "<b>", "a\"b");
        assert!(html.contains("&lt;b&gt;") && html.contains("a&quot;b"));
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn options_mark_the_chosen_one_and_escape_values() {
        let html = options([("a", "A"), ("b\"", "<B>")].into_iter(), "b\"");
        assert_eq!(
            html,
            "<option value=\"a\">A</option><option value=\"b&quot;\" selected>&lt;B&gt;</option>"
        );
    }

    #[test]
    fn an_input_is_labelled_and_described_by_its_hint() {
        let html = input("pw", "Contraseña", "password", "new-password", "Al menos 8");
        assert!(html.starts_with("<label for=\"pw\">Contraseña</label><input id=\"pw\""));
        assert!(html.contains("aria-describedby=\"pw-hint\"") && html.contains("id=\"pw-hint\""));
        assert!(!input("x", "X", "text", "off", "").contains("aria-describedby"));
    }

    #[test]
    fn a_table_escapes_its_heads_and_caption() {
        let html = table("t", "<c>", &["<h>"], [vec!["x".to_owned()]].into_iter());
        assert!(html.contains("&lt;c&gt;") && html.contains("&lt;h&gt;"));
        assert!(html.contains("<td>x</td>"));
    }
}
