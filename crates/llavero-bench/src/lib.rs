//! Helpers for `just bench` (`.ci/bench.py` drives them):
//!
//! - `llavero-bench-floor`: the floor — a bare actix-web server that parses
//!   the same `/verify` body and answers a fixed JSON, so every Llavero
//!   figure can be read as a ratio to what the framework alone costs here;
//! - `llavero-bench-seed`: writes N keys straight into a database (digests
//!   and hints, as the server would) and the keys themselves to a file, so
//!   a million keys take a minute rather than an hour of HTTP calls.
