//! Static assets embedded in the binary (no CDN: intranets have no internet).
//! Each is served under a name carrying a hash of its content
//! (`/ui/assets/app-1a2b3c4d.css`), so it can be cached for a year and a new
//! build is fetched at once.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

struct Asset {
    /// The name in templates: `app.css`.
    name: &'static str,
    /// The served name: `app-<hash>.css`.
    served: String,
    content_type: &'static str,
    body: &'static [u8],
}

/// htmx, pinned: 2.0.11 (npm `htmx.org`; 4.x is a new major with another API).
/// Chart.js 4.6.1 (npm `chart.js`, its UMD build; MIT, licence beside it).
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/app.js"),
    ),
    (
        "htmx.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/htmx-2.0.11.min.js"),
    ),
    (
        "chart.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/chart-4.6.1.umd.min.js"),
    ),
    (
        "dashboard.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/dashboard.js"),
    ),
];

fn all() -> &'static [Asset] {
    static ALL: OnceLock<Vec<Asset>> = OnceLock::new();
    ALL.get_or_init(|| {
        FILES
            .iter()
            .map(|(name, content_type, body)| {
                let mut h = std::hash::DefaultHasher::new();
                body.hash(&mut h);
                let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
                Asset {
                    name,
                    served: format!("{stem}-{:08x}.{ext}", h.finish() as u32),
                    content_type,
                    body,
                }
            })
            .collect()
    })
}

/// The URL of an asset by its plain name (`app.css`).
pub fn url(name: &str) -> String {
    all()
        .iter()
        .find(|a| a.name == name)
        .map_or_else(String::new, |a| format!("/ui/assets/{}", a.served))
}

/// Serve an asset by its served name; immutable for a year.
pub async fn serve(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match all().iter().find(|a| a.served == file) {
        Some(a) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(a.content_type),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
            ],
            a.body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn asset_urls_carry_a_content_hash() {
        let u = super::url("htmx.js");
        assert!(
            u.starts_with("/ui/assets/htmx-") && u.ends_with(".js"),
            "{u}"
        );
        assert_eq!(super::url("nope.css"), "");
    }
}
