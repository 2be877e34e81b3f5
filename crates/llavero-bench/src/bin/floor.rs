//! The floor: parse a verify body, answer a fixed verdict. Nothing else.
//!
//! Usage: `llavero-bench-floor 127.0.0.1:PORT [WORKERS]`

use actix_web::{web, App, HttpResponse, HttpServer};
use llavero_types::{VerifyCode, VerifyRequest, VerifyResponse, VerifyResult};

async fn verify(body: web::Json<VerifyRequest>) -> HttpResponse {
    let _ = body.key.len();
    HttpResponse::Ok().json(VerifyResponse {
        data: VerifyResult {
            valid: false,
            code: VerifyCode::NotFound,
            user: None,
            role: None,
            api_key: None,
        },
    })
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:18180".to_owned());
    // Optional worker count, to compare with `LLAVERO_WORKERS`; default: one
    // per physical core, as Llavero.
    let workers: Option<usize> = args.next().and_then(|w| w.parse().ok());
    let server = HttpServer::new(|| {
        App::new()
            .app_data(web::JsonConfig::default().limit(16 * 1024))
            .route("/api/v1/verify", web::post().to(verify))
    });
    let server = match workers {
        Some(n) => server.workers(n),
        None => server,
    };
    server.bind(addr)?.run().await
}
