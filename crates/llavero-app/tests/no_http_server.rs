//! The application knows no HTTP server: `cargo tree -p llavero-app` (its
//! normal dependencies, with the features this workspace turns on) holds
//! no actix crate. A handler's types creeping into a use case fail here.

#[test]
fn the_application_depends_on_no_actix_crate() {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-p",
            "llavero-app",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("running cargo tree: {e}"));
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        tree.lines().any(|l| l.starts_with("llavero-store")),
        "cargo tree printed no dependency: {tree}"
    );
    let actix: Vec<&str> = tree.lines().filter(|l| l.starts_with("actix")).collect();
    assert!(actix.is_empty(), "llavero-app depends on {actix:?}");
}
