//! Attachments: size-limited, typed by their content (not by what the client
//! claims), stored once per content in the database, served as downloads.

use crate::{Actor, App, AppError};
use fuwu_store::requests::{self as store, Attachment, NewAttachment};
use serde_json::json;
use sha2::{Digest, Sha256};

/// Content types we accept, as detected from the bytes.
const ALLOWED: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/x-7z-compressed",
    "application/x-tar",
    "application/vnd.rar",
    "application/x-rar-compressed",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/x-ole-storage",
    "audio/mpeg",
    "audio/x-wav",
    "video/mp4",
];

/// The type the bytes really are, or why they are refused.
pub fn detect_content_type(data: &[u8]) -> Result<String, AppError> {
    match infer::get(data) {
        Some(t) if ALLOWED.contains(&t.mime_type()) => Ok(t.mime_type().to_owned()),
        Some(t) => Err(AppError::UnsupportedMediaType(format!(
            "files of type {} are not accepted",
            t.mime_type()
        ))),
        // Logs, configuration files, CSV: plain text is welcome; unknown binary is not.
        None if is_text(data) => Ok("text/plain; charset=utf-8".to_owned()),
        None => Err(AppError::UnsupportedMediaType(
            "unrecognised binary content is not accepted".to_owned(),
        )),
    }
}

/// UTF-8 without control characters other than tab, line breaks, form feed and
/// escape (colour codes in logs): a truncated executable is valid UTF-8 too.
fn is_text(data: &[u8]) -> bool {
    std::str::from_utf8(data).is_ok_and(|t| {
        !t.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1b'))
    })
}

/// A file name safe to store and to send back in a header: no path, no control characters.
pub fn clean_filename(raw: &str) -> Result<String, AppError> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(200)
        .collect();
    let name = name.trim().trim_start_matches('.').to_owned();
    if name.is_empty() {
        return Err(AppError::invalid("filename", "a file name is required"));
    }
    Ok(name)
}

impl App {
    pub async fn add_attachment(
        &self,
        actor: &Actor,
        request_id: i64,
        filename: &str,
        data: Vec<u8>,
    ) -> Result<Attachment, AppError> {
        actor.require_write()?;
        let limit = self.settings.max_attachment_bytes;
        if data.len() > limit {
            return Err(AppError::TooLarge { limit });
        }
        if data.is_empty() {
            return Err(AppError::invalid("file", "the file is empty"));
        }
        let filename = clean_filename(filename)?;
        let content_type = detect_content_type(&data)?;
        let sha = hex::encode(Sha256::digest(&data));
        let now = self.now();
        let actor = actor.clone();
        // Shared, not copied, with the write's possible reruns (`Db::write`).
        let data = std::sync::Arc::new(data);
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let r =
                        crate::request_access::load_workable(&mut c, &actor, request_id).await?;
                    if r.status
                        .parse::<fuwu_core::Status>()
                        .is_ok_and(fuwu_core::Status::is_terminal)
                    {
                        return Err(AppError::Conflict(format!(
                            "request {request_id} is {}; it takes no more attachments",
                            r.status
                        )));
                    }
                    crate::request_access::bump(&mut c, &r, now).await?;
                    let a = store::insert_attachment(
                        &mut c,
                        &NewAttachment {
                            request_id,
                            message_id: None,
                            filename: &filename,
                            content_type: &content_type,
                            sha256: &sha,
                            data: &data,
                            uploaded_by: actor.user_id,
                        },
                        now,
                    )
                    .await?;
                    let ev = store::NewEvent {
                        kind: "attachment_added".into(),
                        details: Some(
                            json!({"attachment_id": a.id, "filename": a.filename, "size": a.size})
                                .to_string(),
                        ),
                        ..Default::default()
                    };
                    store::insert_events(&mut c, request_id, actor.user_id, now, &[ev]).await?;
                    Ok(a)
                })
            })
            .await
    }

    /// The attachment and its bytes, if the actor may see its request.
    pub async fn get_attachment(
        &self,
        actor: &Actor,
        request_id: i64,
        attachment_id: i64,
    ) -> Result<(Attachment, Vec<u8>), AppError> {
        let actor = actor.clone();
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    crate::request_access::load_visible(&mut c, &actor, request_id).await?;
                    let a = store::get_attachment(&mut c, attachment_id)
                        .await
                        .map_err(|e| AppError::from_store("attachment", e))?;
                    if a.request_id != request_id {
                        return Err(AppError::NotFound { what: "attachment" });
                    }
                    if let Some(m) = a.message_id {
                        let visible =
                            store::list_messages(&mut c, request_id, actor.sees_internal()).await?;
                        if !visible.iter().any(|v| v.id == m) {
                            return Err(AppError::NotFound { what: "attachment" });
                        }
                    }
                    let data = store::attachment_data(&mut c, &a.sha256).await?;
                    Ok((a, data))
                })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_is_recognised_by_its_bytes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(detect_content_type(png).unwrap(), "image/png");
    }

    #[test]
    fn an_executable_is_refused_whatever_its_name() {
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
        assert!(matches!(
            detect_content_type(elf),
            Err(AppError::UnsupportedMediaType(_))
        ));
        let pe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
        assert!(matches!(
            detect_content_type(pe),
            Err(AppError::UnsupportedMediaType(_))
        ));
    }

    #[test]
    fn utf8_text_is_accepted_and_unknown_binary_is_not() {
        assert_eq!(
            detect_content_type("错误日志 ERROR 2026".as_bytes()).unwrap(),
            "text/plain; charset=utf-8"
        );
        assert!(detect_content_type(&[0xff, 0xfe, 0x00, 0x01, 0x80]).is_err());
        assert!(
            detect_content_type(b"abc\0def").is_err(),
            "a NUL byte is not text"
        );
        assert_eq!(
            detect_content_type(b"\x1b[31mERROR\x1b[0m\tdisk full\r\n").unwrap(),
            "text/plain; charset=utf-8"
        );
    }

    #[test]
    fn file_names_lose_their_path_and_header_breaking_characters() {
        assert_eq!(clean_filename("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(
            clean_filename("C:\\logs\\系统日志.txt").unwrap(),
            "系统日志.txt"
        );
        assert_eq!(clean_filename("a\"b;c\r\n.log").unwrap(), "abc.log");
        assert!(clean_filename("/").is_err());
    }
}
