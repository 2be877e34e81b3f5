//! Thin, failure-tolerant wrappers over the browser APIs the app uses
//! (localStorage, navigator, clipboard, dates, focus). Each returns `None` or
//! `false` instead of panicking when an API is missing.

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// A remembered preference (never a secret: keys are kept in memory only).
pub fn storage_get(key: &str) -> Option<String> {
    window()?.local_storage().ok()??.get_item(key).ok()?
}

/// Remembers a preference.
pub fn storage_set(key: &str, value: &str) {
    if let Some(Ok(Some(s))) = window().map(|w| w.local_storage()) {
        let _ = s.set_item(key, value);
    }
}

/// The browser's preferred language, e.g. `es-ES`.
pub fn navigator_language() -> Option<String> {
    window()?.navigator().language()
}

/// Sets `<html lang>`.
pub fn set_document_lang(tag: &str) {
    if let Some(el) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = el.set_attribute("lang", tag);
    }
}

/// Copies `text` to the clipboard; whether it worked.
pub async fn copy(text: &str) -> bool {
    let Some(w) = window() else { return false };
    let promise = w.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// An RFC 3339 instant as a date and time in the user's language.
pub fn local_datetime(iso: &str, lang_tag: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(iso));
    if date.get_time().is_nan() {
        return iso.to_owned();
    }
    date.to_locale_string(lang_tag, &JsValue::UNDEFINED).into()
}

/// An RFC 3339 instant as a date in the user's language.
pub fn local_date(iso: &str, lang_tag: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(iso));
    if date.get_time().is_nan() {
        return iso.to_owned();
    }
    date.to_locale_date_string(lang_tag, &JsValue::UNDEFINED)
        .into()
}

/// Now, in milliseconds since the epoch (the browser's clock).
pub fn now_millis() -> f64 {
    js_sys::Date::now()
}

/// The last second of a `YYYY-MM-DD` day in the user's time zone, in
/// milliseconds since the epoch; `None` if it is not a date.
pub fn end_of_local_day_millis(day: &str) -> Option<f64> {
    let date = js_sys::Date::new(&JsValue::from_str(&format!("{day}T23:59:59")));
    let ms = date.get_time();
    (!ms.is_nan()).then_some(ms)
}

/// The element that has focus, to give it back after a dialog closes.
pub fn active_element() -> Option<web_sys::HtmlElement> {
    window()?.document()?.active_element()?.dyn_into().ok()
}

/// Focuses `el` if it is still in the page.
pub fn focus(el: &web_sys::HtmlElement) {
    if el.is_connected() {
        let _ = el.focus();
    }
}

/// The focusable elements inside `root`, in document order.
pub fn focusables(root: &web_sys::Element) -> Vec<web_sys::HtmlElement> {
    const SELECTOR: &str =
        "button:not([disabled]), input:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";
    let Ok(list) = root.query_selector_all(SELECTOR) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}

/// Focuses the element with `id`; whether there was one.
pub fn focus_by_id(id: &str) -> bool {
    match window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        Some(el) => el.focus().is_ok(),
        None => false,
    }
}

/// The value of `name` in this page's query string, as written (the
/// server's error codes need no decoding).
pub fn query_param(name: &str) -> Option<String> {
    let search = window()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_owned)
}

/// Loads `path` afresh (a full page load, not a client-side route change).
pub fn go(path: &str) {
    if let Some(w) = window() {
        let _ = w.location().set_href(path);
    }
}

/// The value of the `<input>` or `<select>` with `id` ("" if none).
pub fn value_of(id: &str) -> String {
    let Some(el) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return String::new();
    };
    if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        input.value()
    } else if let Some(select) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
        select.value()
    } else {
        String::new()
    }
}

/// The id of the element that has focus ("" if none has one).
pub fn active_id() -> String {
    active_element().map(|e| e.id()).unwrap_or_default()
}

/// Sets the value of the `<input>` with `id`, if any.
pub fn set_value(id: &str, value: &str) {
    if let Some(input) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.set_value(value);
    }
}

/// The value of the checked radio button named `name` ("" if none).
pub fn checked_value(name: &str) -> String {
    window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(&format!("input[name=\"{name}\"]:checked"))
                .ok()
                .flatten()
        })
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}
