//! Entry point of the web app: installs the panic hook and mounts [`app::App`].

mod api;
mod app;
mod browser;
mod components;
mod i18n;
mod pages;
mod route;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
