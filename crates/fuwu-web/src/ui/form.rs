//! What a refused form keeps, shared by the request pages and the admin pages.

use std::collections::HashMap;

/// What a rejected form keeps: the typed values, the errors by field, which form.
#[derive(Debug, Default)]
pub struct Form {
    pub values: HashMap<String, String>,
    pub errors: HashMap<String, String>,
    pub alert: Option<&'static str>,
    pub open: String,
}

impl Form {
    pub fn v(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }
    pub fn is(&self, field: &str, value: &str) -> bool {
        self.v(field) == value
    }
    pub fn err(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
    pub fn opened(&self, action: &str) -> bool {
        self.open == action
    }
}
