//! The one integration-test binary: the real server on port 0 with a fixed
//! clock, spoken to over HTTP, on SQLite always and on PostgreSQL whenever a
//! server is reachable (set `FUWU_TEST_REQUIRE_PG=1` to make its absence fail).

mod harness;

mod browser;
mod cli;
mod directory;
mod errors;
mod fault_reports;
mod identity;
mod knowledge;
mod matrix;
mod new_year;
mod nul;
mod requests;
mod schema;
mod search;
mod search_quality;
mod sessions;
mod sla;
mod sla_evidence;
mod sla_import;
mod tokens;
mod ui;
mod ui_admin;
mod ui_desk;
