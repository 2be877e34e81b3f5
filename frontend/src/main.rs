//! Entry point of the web app: mounts [`app::App`] (with a panic hook in
//! debug builds).

mod api;
mod app;
mod browser;
mod components;
mod i18n;
mod pages;
mod route;
mod session;

fn main() {
    // Panic messages in the console while developing (`just dev`). Not in
    // the shipped build: formatting them cost 1.4 KB of the 250 KB budget,
    // and a panic there still shows in the console ("unreachable", with the
    // wasm stack).
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
