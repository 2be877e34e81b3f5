# Llavero's commands. `just --list` reads as the menu.
#
# Tool versions are pinned here, and only here: .ci/setup reads them from
# this file.

set shell := ["bash", "-euo", "pipefail", "-c"]

just_version := "1.59.0"
trunk_version := "0.21.14"
wasm_bindgen_version := "0.2.106"
binaryen_version := "132.0.0"
playwright_version := "1.57.0"

# Show this menu
default:
    @just --list --unsorted

# Build and serve Llavero on the embedded SQLite database (./data)
run:
    cargo run --release -p llavero-server -- serve

# Run every test: format, lints, unit, API on SQLite and PostgreSQL, OpenAPI drift
test: setup lint
    cargo test --workspace

# Check formatting and clippy (warnings are errors)
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Rewrite openapi/llavero.json from the code (commit the result)
openapi:
    cargo run -q -p llavero-server -- openapi > openapi/llavero.json

# Install what a fresh machine lacks (idempotent; skips what is present)
setup:
    bash .ci/setup

# Benchmarks come with the performance issue; nothing is measured yet
bench:
    @echo "just bench: not implemented yet (the verification-performance issue adds it)"
