//! Settings from, in order of precedence: command-line flags, `FUWU_*`
//! environment variables (handled by clap), a TOML config file, defaults.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub max_attachment_mb: Option<usize>,
    /// Mark the session cookie Secure (HTTPS, directly or behind a proxy).
    pub cookie_secure: Option<bool>,
    /// A browser session's absolute lifetime, in hours (default 12).
    pub session_hours: Option<u32>,
    /// A browser session ends after this many idle minutes (default 120).
    pub session_idle_minutes: Option<u32>,
    /// Reverse proxies (addresses or CIDR networks, e.g. `["10.0.0.0/8", "::1"]`)
    /// whose `X-Forwarded-For` names the client; default none.
    pub trusted_proxies: Option<Vec<String>>,
}

impl FileConfig {
    /// Read `path` if given (it must exist), else `fuwu.toml` in the working folder if present.
    pub fn load(path: Option<&Path>) -> Result<FileConfig> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("fuwu.toml"), false),
        };
        if !required && !path.exists() {
            return Ok(FileConfig::default());
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("config file {} is not valid", path.display()))
    }
}

/// Where the data lives, resolved.
pub struct Storage {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
}

impl Storage {
    pub fn resolve(
        flag_dir: Option<PathBuf>,
        flag_url: Option<String>,
        file: &FileConfig,
    ) -> Storage {
        Storage {
            data_dir: flag_dir
                .or_else(|| file.data_dir.clone())
                .unwrap_or_else(|| PathBuf::from("data")),
            database_url: flag_url
                .or_else(|| file.database_url.clone())
                .filter(|u| !u.is_empty()),
        }
    }

    pub fn location(&self) -> Result<fuwu_store::Location> {
        Ok(fuwu_store::Location::from_url_or_folder(
            self.database_url.as_deref(),
            &self.data_dir,
        )?)
    }

    pub fn describe(&self) -> String {
        match &self.database_url {
            Some(u) => format!("PostgreSQL at {}", redact(u)),
            None => format!("SQLite in {}", self.data_dir.join("fuwu.db").display()),
        }
    }
}

/// A URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
