//! Attachments on the request page: the list with download links (served by
//! the API route, which takes the session cookie too).

use fuwu_store::requests::Attachment;

/// One attachment as the page lists it.
pub struct FileLine {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub who: String,
    pub at: i64,
}

pub struct FileList {
    pub files: Vec<FileLine>,
    pub can_upload: bool,
    /// The limit, as the hint beside the field says it (`20 MB`).
    pub limit: String,
}

pub fn list(
    all: &[Attachment],
    can_upload: bool,
    limit_bytes: usize,
    name_of: &dyn Fn(i64) -> String,
) -> FileList {
    FileList {
        files: all
            .iter()
            .map(|a| FileLine {
                id: a.id,
                name: a.filename.clone(),
                size: size_text(a.size),
                who: name_of(a.uploaded_by),
                at: a.created_at,
            })
            .collect(),
        can_upload,
        limit: size_text(limit_bytes as i64),
    }
}

pub fn size_text(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / 1024.0 / 1024.0),
        b if b >= 1024 => format!("{:.0} KB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::size_text;

    #[test]
    fn sizes_read_in_bytes_kilobytes_and_megabytes() {
        assert_eq!(size_text(512), "512 B");
        assert_eq!(size_text(2048), "2 KB");
        assert_eq!(size_text(3 * 1024 * 1024 / 2), "1.5 MB");
    }
}
