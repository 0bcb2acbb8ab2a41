//! `fuwu calendar`: the working-time engine for admins and scripts.

use anyhow::{Context, Result, anyhow, bail};
use fuwu_core::calendar::{BusinessDuration, Calendar, PRESETS, parse_rfc3339};
use std::io::{BufRead, Write};

/// A calendar by name. Today the presets; admin-made calendars join with the SLA engine.
pub fn find(name: &str) -> Result<Calendar> {
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

/// One deadline, as `START DURATION` → RFC 3339 in the calendar's offset.
fn deadline(cal: &Calendar, start: &str, duration: &str) -> Result<String> {
    let start = parse_rfc3339(start.trim()).map_err(|e| anyhow!("{e}"))?;
    let duration = BusinessDuration::parse(duration.trim()).map_err(|e| anyhow!("{e}"))?;
    let due = cal.deadline(start, duration)?;
    Ok(cal.format_rfc3339(due)?)
}

/// Single mode with `start` and `duration`; otherwise `START DURATION` lines from stdin.
pub fn run_deadline(name: &str, start: Option<String>, duration: Option<String>) -> Result<()> {
    let cal = find(name)?;
    match (start, duration) {
        (Some(s), Some(d)) => {
            println!("{}", deadline(&cal, &s, &d)?);
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
                    Ok(v) => writeln!(out, "{v}")?,
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
pub fn run_show(name: &str, year: i16) -> Result<()> {
    let cal = find(name)?;
    let days = cal.year_days(year)?;
    println!("{} {year}: {} special days", cal.name(), days.len());
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
