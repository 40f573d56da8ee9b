//! The dashboard's CSS, JS and chart library, compiled into the binary so the server works
//! offline. Each URL names the file's content (a hash, or the vendored version), so browsers
//! may cache them forever.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The vendored uPlot (server/assets/vendor/uplot/README.md says how to upgrade it).
const UPLOT_VERSION: &str = "1.6.32";

struct Asset {
    url: String,
    mime: &'static str,
    bytes: &'static [u8],
}

fn hashed(stem: &str, ext: &str, mime: &'static str, bytes: &'static [u8]) -> Asset {
    let hash = hex::encode(&Sha256::digest(bytes)[..6]);
    Asset {
        url: format!("/assets/{stem}-{hash}.{ext}"),
        mime,
        bytes,
    }
}

fn vendored(name: &str, mime: &'static str, bytes: &'static [u8]) -> Asset {
    Asset {
        url: format!("/assets/{UPLOT_VERSION}/{name}"),
        mime,
        bytes,
    }
}

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

static ASSETS: LazyLock<[Asset; 4]> = LazyLock::new(|| {
    [
        hashed("app", "css", CSS, include_bytes!("../../assets/app.css")),
        hashed("app", "js", JS, include_bytes!("../../assets/app.js")),
        vendored(
            "uPlot.min.css",
            CSS,
            include_bytes!("../../assets/vendor/uplot/uPlot.min.css"),
        ),
        vendored(
            "uPlot.iife.min.js",
            JS,
            include_bytes!("../../assets/vendor/uplot/uPlot.iife.min.js"),
        ),
    ]
});

/// The URLs the layout links to.
pub struct Urls {
    pub app_css: &'static str,
    pub app_js: &'static str,
    pub uplot_css: &'static str,
    pub uplot_js: &'static str,
}

pub static URLS: LazyLock<Urls> = LazyLock::new(|| Urls {
    app_css: &ASSETS[0].url,
    app_js: &ASSETS[1].url,
    uplot_css: &ASSETS[2].url,
    uplot_js: &ASSETS[3].url,
});

pub async fn get(Path(path): Path<String>) -> Response {
    let url = format!("/assets/{path}");
    match ASSETS.iter().find(|a| a.url == url) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.mime),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
