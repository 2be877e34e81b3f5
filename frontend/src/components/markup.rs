//! Pieces of screens written as HTML text (`inner_html`) instead of Leptos
//! views: tables whose rows only show data and a few buttons, and the
//! fields of the form dialogs.
//!
//! Each Leptos view is a type of its own that the compiler expands into
//! code; the same table as text costs a fraction of that (the usage dialog
//! went from 37 KB to 15 KB of gzip this way, in an app that may weigh 250
//! KB in all). The text is [`Html`] (see `html`), so every value in it is
//! escaped by construction; buttons carry `data-act` and `data-id`, and the
//! screen reads them in one click handler ([`clicked`]).

use wasm_bindgen::JsCast;

pub use crate::components::html::{el, void, Html};

/// `<table>` markup: a caption for screen readers (none when empty), a
/// header row, then `rows` (see [`row`]).
pub fn table(class: &str, caption: &str, head: &[&str], rows: Html) -> Html {
    let caption = if caption.is_empty() {
        Html::default()
    } else {
        el(
            "caption",
            &[("class", "visually-hidden")],
            Html::text(caption),
        )
    };
    let head: Html = head
        .iter()
        .map(|h| el("th", &[("scope", "col")], Html::text(h)))
        .collect();
    el(
        "table",
        &[("class", class)],
        Html::concat(&[
            caption,
            el("thead", &[], el("tr", &[], head)),
            el("tbody", &[], rows),
        ]),
    )
}

/// A `<tr>` with `cells`, each in its `<td>`.
pub fn row(cells: Vec<Html>) -> Html {
    el(
        "tr",
        &[],
        cells.into_iter().map(|c| el("td", &[], c)).collect(),
    )
}

/// `<span>` with a class (may be empty) around `body`.
pub fn span(class: &str, body: Html) -> Html {
    el("span", &[("class", class)], body)
}

/// `<p class="muted">`: what a table shows when it has no rows.
pub fn none(text: &str) -> Html {
    para("muted", text)
}

/// What a table shows while its data is on the way (announced politely).
pub fn loading(text: &str) -> Html {
    el(
        "p",
        &[("class", "muted"), ("role", "status")],
        Html::text(text),
    )
}

/// What a table shows when its data could not be loaded (announced).
pub fn failed(text: &str) -> Html {
    el(
        "p",
        &[("class", "error-box"), ("role", "alert")],
        Html::text(text),
    )
}

/// A button that [`clicked`] reports as `(act, id)`; `label` is shown,
/// `hidden` is added for screen readers only (say, whose row it is). The
/// id is unique on the page, so focus can find the button again after a
/// redraw.
pub fn button(act: &str, id: &str, class: &str, label: &str, hidden: &str) -> Html {
    let mut words = Html::text(" ");
    words.push_text(hidden);
    el(
        "button",
        &[
            ("type", "button"),
            ("class", class),
            ("id", &[act, "-", id].concat()),
            ("data-act", act),
            ("data-id", id),
        ],
        Html::concat(&[Html::text(label), span("visually-hidden", words)]),
    )
}

/// A labelled `<input>` with a hint below it (`hint` may be empty).
pub fn input(id: &str, label: &str, kind: &str, autocomplete: &str, hint: &str) -> Html {
    let hint_id = [id, "-hint"].concat();
    let field = [
        ("id", id),
        ("type", kind),
        ("autocomplete", autocomplete),
        ("aria-describedby", hint_id.as_str()),
    ];
    let mut html = el("label", &[("for", id)], Html::text(label));
    if hint.is_empty() {
        html.push(&void("input", &field[..3]));
    } else {
        html.push(&void("input", &field));
        html.push(&el(
            "p",
            &[("id", &hint_id), ("class", "small muted")],
            Html::text(hint),
        ));
    }
    html
}

/// `<option>`s, `(value, words)` each, with `selected` on the one whose
/// value is `chosen`.
pub fn options<'a>(items: impl Iterator<Item = (&'a str, &'a str)>, chosen: &str) -> Html {
    items
        .map(|(value, words)| {
            let attrs = [("value", value), ("selected", "")];
            let attrs = if value == chosen {
                &attrs[..]
            } else {
                &attrs[..1]
            };
            el("option", attrs, Html::text(words))
        })
        .collect()
}

/// `<p>` markup with a class (may be empty).
pub fn para(class: &str, text: &str) -> Html {
    el("p", &[("class", class)], Html::text(text))
}

/// An icon button that [`clicked`] reports as `(act, id)`, named by
/// `label` (also its tooltip); `class` is added to `icon-button`.
pub fn icon_button(act: &str, id: &str, class: &str, label: &str, path: &str) -> Html {
    el(
        "button",
        &[
            ("type", "button"),
            ("class", &["icon-button", class].concat()),
            ("id", &[act, "-", id].concat()),
            ("data-act", act),
            ("data-id", id),
            ("aria-label", label),
            ("title", label),
        ],
        crate::components::icons::markup(path),
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

    const HOSTILE: &str = "<script>x('1')</script>\"&";
    const ESCAPED: &str = "&lt;script&gt;x(&#39;1&#39;)&lt;/script&gt;&quot;&amp;";

    #[test]
    fn a_button_escapes_every_argument() {
        let html = button(HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE);
        let html = html.as_str();
        assert!(
            !html.contains("<script>") && !html.contains("'1'"),
            "{html}"
        );
        assert_eq!(
            html,
            format!(
                "<button type=\"button\" class=\"{e}\" id=\"{e}-{e}\" data-act=\"{e}\" data-id=\"{e}\">{e}<span class=\"visually-hidden\"> {e}</span></button>",
                e = ESCAPED
            )
        );
    }

    #[test]
    fn an_icon_button_escapes_its_name_and_ids() {
        let html = icon_button("\"", "'", "\" x", "<b>", "M0 0");
        let html = html.as_str();
        assert!(html.contains("id=\"&quot;-&#39;\" data-act=\"&quot;\" data-id=\"&#39;\""));
        assert!(html.contains("class=\"icon-button&quot; x\""));
        assert!(html.contains("aria-label=\"&lt;b&gt;\" title=\"&lt;b&gt;\""));
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn options_mark_the_chosen_one_and_escape_values() {
        let html = options([("a", "A"), ("b\"", "<B>")].into_iter(), "b\"");
        assert_eq!(
            html.as_str(),
            "<option value=\"a\">A</option><option value=\"b&quot;\" selected=\"\">&lt;B&gt;</option>"
        );
    }

    #[test]
    fn an_input_is_labelled_and_described_by_its_hint() {
        let html = input("pw", "Contraseña", "password", "new-password", "Al menos 8");
        let html = html.as_str();
        assert!(html.starts_with("<label for=\"pw\">Contraseña</label><input id=\"pw\""));
        assert!(html.contains("aria-describedby=\"pw-hint\"") && html.contains("id=\"pw-hint\""));
        let plain = input("x", "X", "text", "off", "");
        assert!(!plain.as_str().contains("aria-describedby"));
        let hostile = input("x", HOSTILE, "text", "off", HOSTILE);
        assert_eq!(hostile.as_str().matches(ESCAPED).count(), 2);
        assert!(!hostile.as_str().contains("<script>"));
    }

    #[test]
    fn a_table_escapes_its_heads_caption_and_cells() {
        let rows = row(vec![Html::text(HOSTILE), Html::text("x")]);
        let html = table("t", HOSTILE, &[HOSTILE], rows);
        let html = html.as_str();
        assert_eq!(html.matches(ESCAPED).count(), 3, "{html}");
        assert!(!html.contains("<script>"));
        assert!(html.contains("<td>x</td>"));
        assert!(!table("t", "", &[], Html::default())
            .as_str()
            .contains("caption"));
    }

    #[test]
    fn paragraphs_escape_their_text_and_class() {
        for html in [
            para(HOSTILE, HOSTILE),
            none(HOSTILE),
            loading(HOSTILE),
            failed(HOSTILE),
        ] {
            assert!(!html.as_str().contains("<script>"), "{html:?}");
            assert!(html.as_str().contains(ESCAPED));
        }
    }
}
