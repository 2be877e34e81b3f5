//! The `llavero` binary: parses the command line and hands over to [`llavero_server::cli`].

use std::process::ExitCode;

#[actix_web::main]
async fn main() -> ExitCode {
    match llavero_server::cli::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the cause chain on one line; no secret is ever
            // part of an error message (they travel as `Secret`).
            eprintln!("llavero: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
