// Placeholder until the demo generator lands (being written now).
pub struct DemoSummary {
    pub organizations: usize,
    pub users: usize,
    pub requests: usize,
    pub admin_username: String,
    pub admin_token: String,
}
pub async fn load(
    _db: &fuwu_store::Db,
    _now_ms: i64,
    _request_count: usize,
    _seed: u64,
) -> anyhow::Result<DemoSummary> {
    anyhow::bail!("demo data is not available in this build yet")
}
pub async fn is_loaded(_db: &fuwu_store::Db) -> anyhow::Result<bool> {
    Ok(false)
}
