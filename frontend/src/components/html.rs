//! [`Html`]: markup that is safe by construction, and the only kind of value
//! the app hands to `inner_html`.
//!
//! The screens that only show data are drawn as HTML text instead of Leptos
//! views, to keep the download small (see `markup`). Text is where markup
//! injection hides, so that text lives in a type whose every way in
//! escapes: [`Html::text`] escapes, and [`el`] and [`void`] escape each
//! attribute value and take their content as `Html` already. Tag and
//! attribute names are `&'static str`, written in the source, so data can
//! never choose one (nor an event handler or URL attribute, which escaping
//! cannot make safe: debug builds and tests refuse those). The `String`
//! inside is private to this module: no other code can put raw text into
//! an `Html`, and no `String` or `&str` reaches `inner_html` (Leptos
//! accepts those; this app passes `Html`). There is no unescaped way in,
//! not even for literals: fixed markup is built with `el` too, which
//! measured no bigger than the `format!` templates it replaced.

use std::future::Future;

use leptos::attr::AttributeValue;
use leptos::tachys::html::element::InnerHtmlValue;
use leptos::tachys::renderer::types::Element;

/// A piece of HTML whose text and attribute values are all escaped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    /// `text`, shown as written: never read as markup, neither between tags
    /// nor inside a quoted attribute value.
    pub fn text(text: &str) -> Html {
        let mut html = Html::default();
        html.push_text(text);
        html
    }

    /// Appends `text`, escaped: `&`, `<`, `>`, `"` and `'` become character
    /// references.
    pub fn push_text(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '&' => self.0.push_str("&amp;"),
                '<' => self.0.push_str("&lt;"),
                '>' => self.0.push_str("&gt;"),
                '"' => self.0.push_str("&quot;"),
                '\'' => self.0.push_str("&#39;"),
                c => self.0.push(c),
            }
        }
    }

    /// Appends `other` after this.
    pub fn push(&mut self, other: &Html) {
        self.0.push_str(&other.0);
    }

    /// `parts` one after another.
    pub fn concat(parts: &[Html]) -> Html {
        let mut html = Html::default();
        for part in parts {
            html.push(part);
        }
        html
    }

    /// The markup, for tests to read.
    #[cfg(test)]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromIterator<Html> for Html {
    fn from_iter<I: IntoIterator<Item = Html>>(parts: I) -> Html {
        let mut html = Html::default();
        for part in parts {
            html.push(&part);
        }
        html
    }
}

/// `<tag attrs…>body</tag>`: each attribute value escaped, `body` already
/// markup.
pub fn el(tag: &'static str, attrs: &[(&'static str, &str)], body: Html) -> Html {
    let mut html = void(tag, attrs);
    html.push(&body);
    html.0.push_str("</");
    html.0.push_str(tag);
    html.0.push('>');
    html
}

/// `<tag attrs…>` with no content or closing tag, for HTML's void elements
/// (`<input>`; inside SVG every element needs [`el`]), each attribute value
/// escaped. A boolean attribute (`selected`) is written with an empty value.
pub fn void(tag: &'static str, attrs: &[(&'static str, &str)]) -> Html {
    let mut html = Html::default();
    html.0.push('<');
    html.0.push_str(tag);
    for (name, value) in attrs {
        // Escaping keeps a value inside its quotes, but a script handler or
        // a URL would still run what it says: such attributes take no data.
        debug_assert!(
            !name.starts_with("on") && !matches!(*name, "href" | "src" | "action" | "style"),
            "`{name}` is not an attribute for markup built from data"
        );
        html.0.push(' ');
        html.0.push_str(name);
        html.0.push_str("=\"");
        html.push_text(value);
        html.0.push('"');
    }
    html.0.push('>');
    html
}

/// `inner_html=` takes `Html` (or a signal or closure of it) like a
/// `String`, by handing its text to Leptos's own `String` implementation.
impl InnerHtmlValue for Html {
    type AsyncOutput = Self;
    type State = <String as InnerHtmlValue>::State;
    type Cloneable = Self;
    type CloneableOwned = Self;

    fn html_len(&self) -> usize {
        self.0.len()
    }

    fn to_html(self, buf: &mut String) {
        buf.push_str(&self.0);
    }

    fn to_template(_buf: &mut String) {}

    fn hydrate<const FROM_SERVER: bool>(self, el: &Element) -> Self::State {
        InnerHtmlValue::hydrate::<FROM_SERVER>(self.0, el)
    }

    fn build(self, el: &Element) -> Self::State {
        InnerHtmlValue::build(self.0, el)
    }

    fn rebuild(self, state: &mut Self::State) {
        InnerHtmlValue::rebuild(self.0, state);
    }

    fn into_cloneable(self) -> Self {
        self
    }

    fn into_cloneable_owned(self) -> Self {
        self
    }

    fn dry_resolve(&mut self) {}

    fn resolve(self) -> impl Future<Output = Self> + Send {
        std::future::ready(self)
    }
}

/// `view!` passes every attribute's value, `inner_html` included, through
/// `IntoAttributeValue` first, which closures and signals only offer for an
/// `AttributeValue`. Used as an ordinary attribute, `Html` is set as text
/// (`setAttribute`), never parsed; the app does not use it so.
impl AttributeValue for Html {
    type AsyncOutput = Self;
    type State = <String as AttributeValue>::State;
    type Cloneable = Self;
    type CloneableOwned = Self;

    fn html_len(&self) -> usize {
        self.0.len()
    }

    fn to_html(self, key: &str, buf: &mut String) {
        AttributeValue::to_html(self.0, key, buf);
    }

    fn to_template(_key: &str, _buf: &mut String) {}

    fn hydrate<const FROM_SERVER: bool>(self, key: &str, el: &Element) -> Self::State {
        AttributeValue::hydrate::<FROM_SERVER>(self.0, key, el)
    }

    fn build(self, el: &Element, key: &str) -> Self::State {
        AttributeValue::build(self.0, el, key)
    }

    fn rebuild(self, key: &str, state: &mut Self::State) {
        AttributeValue::rebuild(self.0, key, state);
    }

    fn into_cloneable(self) -> Self {
        self
    }

    fn into_cloneable_owned(self) -> Self {
        self
    }

    fn dry_resolve(&mut self) {}

    fn resolve(self) -> impl Future<Output = Self> + Send {
        std::future::ready(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything an attacker would type to leave text or an attribute.
    const HOSTILE: &str = "<script>alert('x')</script> \"q\" & 'a'";
    const ESCAPED: &str =
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;q&quot; &amp; &#39;a&#39;";

    #[test]
    fn text_is_escaped() {
        assert_eq!(Html::text(HOSTILE).as_str(), ESCAPED);
        assert_eq!(Html::text("Ñandú — ok").as_str(), "Ñandú — ok");
    }

    #[test]
    fn attribute_values_are_escaped_and_bodies_kept() {
        let html = el(
            "span",
            &[("class", HOSTILE), ("title", "a\"b")],
            Html::text(HOSTILE),
        );
        assert_eq!(
            html.as_str(),
            format!("<span class=\"{ESCAPED}\" title=\"a&quot;b\">{ESCAPED}</span>")
        );
        let input = void("input", &[("value", "\"><img src=x onerror=a()>")]);
        assert_eq!(
            input.as_str(),
            "<input value=\"&quot;&gt;&lt;img src=x onerror=a()&gt;\">"
        );
    }

    #[test]
    fn pieces_join_in_order() {
        let mut html = Html::concat(&[Html::text("<a>"), el("b", &[], Html::default())]);
        html.push(&Html::text("&"));
        html.push_text("'");
        assert_eq!(html.as_str(), "&lt;a&gt;<b></b>&amp;&#39;");
        let rows: Html = ["1", "<2>"].iter().map(|s| Html::text(s)).collect();
        assert_eq!(rows.as_str(), "1&lt;2&gt;");
    }

    #[test]
    #[should_panic(expected = "is not an attribute for markup built from data")]
    fn script_handlers_take_no_data() {
        let _ = void("img", &[("onerror", "a()")]);
    }
}
