# Llavero's commands. `just --list` reads as the menu.
#
# Tool versions are pinned here and only here (.ci/setup reads them from this
# file); npm packages (Playwright, axe, binaryen's wasm-opt) are pinned in
# frontend/package-lock.json.

set shell := ["bash", "-euo", "pipefail", "-c"]

just_version := "1.59.0"
trunk_version := "0.21.14"
wasm_bindgen_version := "0.2.130"

# Show this menu
default:
    @just --list --unsorted

# Build the web app and serve everything on http://127.0.0.1:8080 (SQLite in ./data)
run: web
    cargo run --release -p llavero-server -- serve

# Run every test: lints, unit, API on SQLite and PostgreSQL, OpenAPI drift, browser e2e
test: setup lint
    cargo test
    just e2e

# Browser tests: Playwright drives Chromium through every user action (writes docs/screenshots)
e2e: web
    cargo build -p llavero-server
    cd frontend && npx playwright test

# Develop the web app: trunk serves it on :8081 with /api proxied to a server on :8080
dev:
    (cargo run -p llavero-server -- serve &) && cd frontend && PATH="$PWD/node_modules/.bin:$PATH" trunk serve

# Build the web app (release, offline, wasm-opt -Oz) into frontend/dist
web:
    cd frontend && PATH="$PWD/node_modules/.bin:$PATH" trunk build --release

# Report the shipped web app's size (raw and gzip) of its wasm and js
size: web
    @cd frontend/dist && for f in *.wasm *.js; do printf '%-40s %8d bytes  %7d gzip\n' "$f" "$(wc -c < "$f")" "$(gzip -9c "$f" | wc -c)"; done; \
      printf '%-40s %25d gzip\n' "total wasm+js" "$(cat *.wasm *.js | gzip -9c | wc -c)"

# Check formatting and clippy (warnings are errors), server and web app
lint:
    cargo fmt --all -- --check
    cargo clippy --all-targets -- -D warnings
    cargo clippy -p llavero-web --target wasm32-unknown-unknown -- -D warnings

# Rewrite openapi/llavero.json from the code (commit the result)
openapi:
    cargo run -q -p llavero-server -- openapi > openapi/llavero.json

# Install what a fresh machine lacks (idempotent; skips what is present)
setup:
    bash .ci/setup

# Benchmarks come with the performance issue; nothing is measured yet
bench:
    @echo "just bench: not implemented yet (the verification-performance issue adds it)"
