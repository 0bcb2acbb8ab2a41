//! The request page's upload form (`multipart/form-data`, an optional reply
//! with it). The list of attachments it shows is in `file_list`.

use super::form::Form;
use super::pages::request::render_request;
use super::{PageError, see_other, viewer};
use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::extract::Authn;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use fuwu_app::AppError;
use fuwu_core::Visibility;

/// Set by the security layer when an upload was larger than allowed: the
/// body was dropped (after its first part, for the CSRF token).
#[derive(Debug, Clone, Copy)]
pub struct UploadTooLarge;

/// How much of a multipart body the security layer keeps beyond the
/// attachment limit (the other fields, the part headers).
pub const MULTIPART_SLACK: usize = 256 * 1024;
/// Of an oversized upload, this much is kept: the CSRF field comes first.
const PREFIX: usize = 64 * 1024;
/// An oversized upload is read to its end (so the browser sees the answer,
/// not a reset connection) up to this much; beyond, the connection is dropped.
const DRAIN_LIMIT: usize = 1024 * 1024 * 1024;

/// Read a multipart body for the security layer: all of it when within
/// `cap`, else its first bytes and a mark that it was too large.
pub async fn buffer(mut body: Body, cap: usize) -> (Bytes, bool) {
    let mut kept: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        let Some(Ok(frame)) = frame else { break };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen <= cap {
            kept.extend_from_slice(&data);
        } else if kept.len() < PREFIX {
            let room = PREFIX - kept.len();
            kept.extend_from_slice(&data[..room.min(data.len())]);
        }
        if seen > DRAIN_LIMIT {
            break;
        }
    }
    let too_large = seen > cap;
    if too_large {
        kept.truncate(PREFIX);
    }
    (Bytes::from(kept), too_large)
}

/// One part of a multipart form.
#[derive(Debug, PartialEq)]
pub struct Part<'a> {
    pub name: String,
    pub filename: Option<String>,
    pub data: &'a [u8],
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

fn param(disposition: &str, key: &str) -> Option<String> {
    let pat = format!("{key}=\"");
    let start = disposition
        .match_indices(&pat)
        .find(|(i, _)| *i == 0 || matches!(disposition.as_bytes()[i - 1], b' ' | b';' | b'\t'))?
        .0
        + pat.len();
    let end = disposition[start..].find('"')? + start;
    Some(disposition[start..end].to_owned())
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, rest) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    rest.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim_matches('"').to_owned())
            .filter(|b| !b.is_empty() && b.len() <= 200)
    })
}

/// The parts of a `multipart/form-data` body (RFC 7578); a part cut off at
/// the end (a truncated body) is left out.
pub fn parse<'a>(body: &'a [u8], boundary: &str) -> Vec<Part<'a>> {
    let delim = format!("--{boundary}");
    let next_delim = format!("\r\n--{boundary}");
    let mut out = Vec::new();
    let Some(mut at) = find(body, delim.as_bytes(), 0) else {
        return out;
    };
    at += delim.len();
    loop {
        if body[at..].starts_with(b"--") {
            return out;
        }
        let Some(head_start) = find(body, b"\r\n", at).map(|i| i + 2) else {
            return out;
        };
        let Some(head_end) = find(body, b"\r\n\r\n", head_start) else {
            return out;
        };
        let Some(data_end) = find(body, next_delim.as_bytes(), head_end + 4) else {
            return out;
        };
        let head = String::from_utf8_lossy(&body[head_start..head_end]);
        let disposition = head
            .split("\r\n")
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("content-disposition")
                    .then(|| v.trim().to_owned())
            })
            .unwrap_or_default();
        if let Some(name) = param(&disposition, "name") {
            out.push(Part {
                name,
                filename: param(&disposition, "filename"),
                data: &body[head_end + 4..data_end],
            });
        }
        at = data_end + next_delim.len();
    }
}

/// The CSRF field of a (possibly truncated) multipart body.
pub fn csrf_field(content_type: &str, body: &[u8]) -> Option<String> {
    let b = boundary(content_type)?;
    parse(body, &b)
        .into_iter()
        .find(|p| p.name == "csrf_token")
        .and_then(|p| String::from_utf8(p.data.to_vec()).ok())
}

/// Upload a file (with an optional reply). Success: back to the page.
/// Refused: the page again, the reason beside the file field, the reply kept.
pub async fn upload(
    State(s): State<AppState>,
    auth: Result<Authn, ApiError>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    too_large: Option<axum::Extension<UploadTooLarge>>,
    body: Body,
) -> Result<Response, PageError> {
    let (a, c) = viewer(&s, auth, &headers, &uri).await?;
    // A session's upload was buffered by the security layer already; a
    // token's is bounded here (axum's default limit would refuse at 2 MB).
    let cap = s.app.settings.max_attachment_bytes + MULTIPART_SLACK;
    let body = axum::body::to_bytes(body, cap).await;
    let too_large = too_large.is_some() || body.is_err();
    let body = body.unwrap_or_default();
    let Some(id) = id.parse::<i64>().ok().filter(|v| *v > 0) else {
        return Err(PageError::Api(
            ApiError::new(ErrorCode::NotFound, "no such request"),
            Box::new(c),
        ));
    };
    let mut form = Form {
        open: "upload".into(),
        ..Form::default()
    };
    let limit = s.app.settings.max_attachment_bytes;
    let refuse = |mut form: Form, key: &str| {
        form.errors.insert("file".into(), key.into());
        form
    };
    if too_large {
        // The reply comes before the file in the form, so it survived the cut.
        if let Some(b) = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(boundary)
            && let Some(p) = parse(&body, &b).into_iter().find(|p| p.name == "body")
        {
            let reply = String::from_utf8_lossy(p.data).trim().to_owned();
            form.values.insert("body".into(), reply);
        }
        let form = refuse(form, "file.too_large");
        return render_request(&s, &a.actor, c, id, form, StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(b) = boundary(ct) else {
        return Err(PageError::Api(
            ApiError::new(ErrorCode::BadRequest, "send the page's upload form"),
            Box::new(c),
        ));
    };
    let parts = parse(&body, &b);
    let text = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| String::from_utf8_lossy(p.data).trim().to_owned())
            .unwrap_or_default()
    };
    let reply = text("body");
    form.values.insert("body".into(), reply.clone());
    let file = parts
        .iter()
        .find(|p| p.name == "file" && p.filename.as_deref().is_some_and(|f| !f.is_empty()));
    let Some(file) = file else {
        let form = refuse(form, "file.required");
        return render_request(&s, &a.actor, c, id, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if file.data.len() > limit {
        let form = refuse(form, "file.too_large");
        return render_request(&s, &a.actor, c, id, form, StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    let name = file.filename.clone().unwrap_or_default();
    // The file first: a refused file must not leave its reply posted alone.
    let added = s
        .app
        .add_attachment(&a.actor, id, &name, file.data.to_vec())
        .await;
    let failed = match added {
        Ok(_) => None,
        Err(AppError::TooLarge { .. }) => Some(("file.too_large", StatusCode::PAYLOAD_TOO_LARGE)),
        Err(AppError::UnsupportedMediaType(_)) => {
            Some(("file.unsupported", StatusCode::UNSUPPORTED_MEDIA_TYPE))
        }
        Err(AppError::Invalid { .. }) => Some(("file.invalid", StatusCode::UNPROCESSABLE_ENTITY)),
        Err(AppError::Conflict(_)) => {
            form.alert = Some("err.conflict");
            return render_request(&s, &a.actor, c, id, form, StatusCode::CONFLICT).await;
        }
        Err(e) => return Err(PageError::Api(e.into(), Box::new(c))),
    };
    if let Some((key, status)) = failed {
        let form = refuse(form, key);
        return render_request(&s, &a.actor, c, id, form, status).await;
    }
    if !reply.is_empty() {
        let posted = s
            .app
            .add_message(&a.actor, id, Visibility::Public, reply.as_str())
            .await;
        if let Err(e) = posted {
            return Err(PageError::Api(e.into(), Box::new(c)));
        }
    }
    Ok(see_other(&format!("/ui/requests/{id}#files")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok123\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"log.txt\"\r\nContent-Type: text/plain\r\n\r\nline 1\r\nline 2\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n\xe4\xbd\xa0\xe5\xa5\xbd\r\n--XyZ--\r\n";

    #[test]
    fn a_multipart_form_gives_its_fields_and_its_file() {
        let b = boundary("multipart/form-data; boundary=XyZ").unwrap();
        let parts = parse(BODY, &b);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].data, b"tok123");
        assert_eq!(parts[1].filename.as_deref(), Some("log.txt"));
        assert_eq!(parts[1].data, b"line 1\r\nline 2");
        assert_eq!(std::str::from_utf8(parts[2].data).unwrap(), "你好");
        assert_eq!(boundary("application/json"), None);
    }

    #[test]
    fn the_csrf_token_is_found_in_a_truncated_upload_and_the_cut_part_is_left_out() {
        let cut = &BODY[..90];
        assert_eq!(
            csrf_field("multipart/form-data; boundary=XyZ", cut).as_deref(),
            Some("tok123")
        );
        assert_eq!(parse(cut, "XyZ").len(), 1);
    }
}
