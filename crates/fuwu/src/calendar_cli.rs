//! `fuwu calendar`: the working-time engine for admins and scripts.

use crate::config::Storage;
use anyhow::{Context, Result, anyhow, bail};
use fuwu_core::calendar::{BusinessDuration, Calendar, PRESETS, parse_rfc3339};
use std::io::{BufRead, Write};

/// A calendar by name: from the database `serve` would use (built-in
/// calendars with administrators' years, and administrators' own), or, when
/// there is no database yet, the shipped built-in ones.
pub async fn find(name: &str, storage: &Storage) -> Result<Calendar> {
    let exists = storage.database_url.is_some() || storage.data_dir.join("fuwu.db").exists();
    if !exists {
        return shipped(name);
    }
    let db = crate::open(storage).await?;
    let app = fuwu_app::App::new(
        db.clone(),
        std::sync::Arc::new(fuwu_app::SystemClock),
        fuwu_app::Settings::default(),
    );
    let found = app.calendar_named(name).await;
    db.close().await;
    found.map_err(|e| match e {
        fuwu_app::AppError::Invalid { message, .. } => anyhow!("{message}"),
        other => anyhow!("{other}"),
    })
}

fn shipped(name: &str) -> Result<Calendar> {
    match name {
        fuwu_core::calendar::TWENTY_FOUR_SEVEN => Ok(Calendar::twenty_four_seven()),
        fuwu_core::calendar::CN_MAINLAND => {
            let tz = jiff::tz::TimeZone::get(fuwu_core::calendar::CN_MAINLAND_TIME_ZONE)
                .context("the time zone Asia/Shanghai is unavailable")?;
            Ok(Calendar::cn_mainland(tz)?)
        }
        other => bail!(
            "unknown calendar `{other}`; known calendars: {}",
            PRESETS.join(", ")
        ),
    }
}

/// The warning for an answer that relied on provisional years.
fn provisional_warning(cal: &Calendar, years: &[i16]) -> String {
    format!(
        "warning: calendar `{}` has no official holiday data for {}: the answer uses the provisional rule (statutory holidays only, no adjusted working days) and may change once the year is entered",
        cal.name(),
        fuwu_core::calendar::years_text(years)
    )
}

/// One deadline, as `START DURATION` → RFC 3339 in the calendar's offset.
/// With the provisional years the answer relied on.
fn deadline(cal: &Calendar, start: &str, duration: &str) -> Result<(String, Vec<i16>)> {
    let start = parse_rfc3339(start.trim()).map_err(|e| anyhow!("{e}"))?;
    let duration = BusinessDuration::parse(duration.trim()).map_err(|e| anyhow!("{e}"))?;
    let due = cal.deadline(start, duration)?;
    Ok((
        cal.format_rfc3339(due)?,
        cal.provisional_years_between(start, due),
    ))
}

/// Single mode with `start` and `duration`; otherwise `START DURATION` lines from stdin.
pub async fn run_deadline(
    name: &str,
    start: Option<String>,
    duration: Option<String>,
    storage: &Storage,
) -> Result<()> {
    if start.is_some() != duration.is_some() {
        bail!(
            "give both --start and --duration, or neither to read `START DURATION` lines from standard input"
        );
    }
    let cal = find(name, storage).await?;
    match (start, duration) {
        (Some(s), Some(d)) => {
            let (due, years) = deadline(&cal, &s, &d)?;
            println!("{due}");
            if !years.is_empty() {
                eprintln!("{}", provisional_warning(&cal, &years));
            }
            Ok(())
        }
        (None, None) => {
            let stdin = std::io::stdin();
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for (i, line) in stdin.lock().lines().enumerate() {
                let n = i + 1;
                let line = line.with_context(|| format!("line {n}: cannot read standard input"))?;
                if line.trim().is_empty() {
                    continue;
                }
                let mut parts = line.split_whitespace();
                let (Some(s), Some(d), None) = (parts.next(), parts.next(), parts.next()) else {
                    out.flush()?;
                    bail!("line {n}: expected `START DURATION`, got `{line}`");
                };
                match deadline(&cal, s, d) {
                    Ok((v, years)) => {
                        writeln!(out, "{v}")?;
                        if !years.is_empty() {
                            eprintln!("line {n}: {}", provisional_warning(&cal, &years));
                        }
                    }
                    Err(e) => {
                        out.flush()?;
                        bail!("line {n}: {e:#}");
                    }
                }
            }
            out.flush()?;
            Ok(())
        }
        _ => bail!(
            "give both --start and --duration, or neither to read `START DURATION` lines from standard input"
        ),
    }
}

/// The year's holidays and adjusted working days.
pub async fn run_show(name: &str, year: i16, storage: &Storage) -> Result<()> {
    let cal = find(name, storage).await?;
    let days = cal.year_days(year);
    let provisional = cal.is_provisional(year);
    println!(
        "{} {year}{}: {} special days",
        cal.name(),
        if provisional {
            " (provisional 暂定)"
        } else {
            ""
        },
        days.len()
    );
    if provisional {
        eprintln!("{}", provisional_warning(&cal, &[year]));
    }
    for d in days {
        let kind = match d.kind.as_str() {
            "holiday" => "holiday 休",
            _ => "workday 班",
        };
        println!("{}  {}  {:<10}  {}", d.date, weekday(d.date), kind, d.name);
    }
    Ok(())
}

fn weekday(d: jiff::civil::Date) -> &'static str {
    use jiff::civil::Weekday::*;
    match d.weekday() {
        Monday => "Mon",
        Tuesday => "Tue",
        Wednesday => "Wed",
        Thursday => "Thu",
        Friday => "Fri",
        Saturday => "Sat",
        Sunday => "Sun",
    }
}
