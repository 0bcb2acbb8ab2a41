//! iCalendar (RFC 5545) import and export of a calendar, as pure text
//! functions.
//!
//! Holidays and adjusted working days are all-day `VEVENT`s marked by
//! `CATEGORIES:HOLIDAY` or `CATEGORIES:WORKDAY`, their festival in `SUMMARY`;
//! consecutive dates of the same kind and festival are one event (`DTEND` is
//! exclusive). The rest of the calendar travels in calendar properties:
//!
//! ```text
//! BEGIN:VCALENDAR
//! VERSION:2.0
//! PRODID:-//Fuwu//Fuwu calendar//EN
//! CALSCALE:GREGORIAN
//! X-WR-CALNAME:cn-mainland                        name
//! X-WR-TIMEZONE:Asia/Shanghai                     IANA time zone
//! X-FUWU-WINDOWS-MO:09:00-12:00\,13:30-18:00      windows, MO TU WE TH FR SA SU
//! X-FUWU-WINDOWS-SA:none                          (none: no work that day)
//! X-FUWU-STANDARD-DAY:09:00-12:00\,13:30-18:00    windows of adjusted working days
//! X-FUWU-DATA-YEARS:2020,2021,2022                years with complete holiday data
//!                                                 (absent: the days listed are all there are)
//! X-FUWU-PROVISIONAL:cn_statutory                 how other years are worked
//!                                                 (weekly | cn_statutory)
//! BEGIN:VEVENT
//! UID:fuwu-cn-mainland-20250128-holiday
//! DTSTAMP:20250101T000000Z
//! DTSTART;VALUE=DATE:20250128
//! DTEND;VALUE=DATE:20250205
//! SUMMARY:春节
//! CATEGORIES:HOLIDAY
//! TRANSP:TRANSPARENT
//! END:VEVENT
//! END:VCALENDAR
//! ```
//!
//! Import reads files written this way and plain holiday feeds: it unfolds
//! lines, accepts CRLF or LF, `DURATION:PnD` instead of `DTEND`, several
//! categories, and ignores other components and properties; every event must
//! be all-day and carry exactly one of the two markers. Recurrence rules are
//! refused rather than silently ignored. Errors name the line.

use super::data::parse_iso_date;
use super::{CalendarSpec, DayKind, DayWindows, ProvisionalRule, SpecialDay, Week, WindowError};
use crate::types::Timestamp;
use jiff::civil::{Date, Weekday};
use std::collections::{BTreeMap, BTreeSet};

const WEEKDAY_CODES: [(Weekday, &str); 7] = [
    (Weekday::Monday, "MO"),
    (Weekday::Tuesday, "TU"),
    (Weekday::Wednesday, "WE"),
    (Weekday::Thursday, "TH"),
    (Weekday::Friday, "FR"),
    (Weekday::Saturday, "SA"),
    (Weekday::Sunday, "SU"),
];

/// The longest all-day event accepted on import, in days.
const MAX_EVENT_DAYS: i32 = 366;

/// An iCalendar text that cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct ICalError {
    /// 1-based physical line where the offending (unfolded) line starts.
    pub line: usize,
    pub kind: ICalErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ICalErrorKind {
    #[error("not an iCalendar file: expected BEGIN:VCALENDAR")]
    NotICalendar,
    #[error("`{text}` is not a `NAME:VALUE` content line")]
    Malformed { text: String },
    #[error("END:{found} does not close BEGIN:{expected}")]
    Unbalanced { found: String, expected: String },
    #[error("BEGIN:{component} is never closed")]
    Unterminated { component: String },
    #[error("the event has no DTSTART")]
    MissingStart,
    #[error(
        "{property} `{value}` is not an all-day date (YYYYMMDD); only all-day events are holidays or workdays"
    )]
    NotAllDay { property: String, value: String },
    #[error("{property} `{value}` is not a date")]
    BadDate { property: String, value: String },
    #[error("the event must end after it starts and last at most 366 days")]
    BadSpan,
    #[error("DURATION `{value}` is not a number of days like P3D")]
    BadDuration { value: String },
    #[error("the event has neither CATEGORIES:HOLIDAY nor CATEGORIES:WORKDAY")]
    MissingCategory,
    #[error("the event is both a HOLIDAY and a WORKDAY")]
    BothCategories,
    #[error("{property} (recurring events) is not supported; list each date")]
    Unsupported { property: String },
    #[error("{date} is both a holiday and a workday")]
    DayConflict { date: Date },
    #[error("{property}: {source}")]
    Windows {
        property: String,
        source: WindowError,
    },
    #[error("X-FUWU-DATA-YEARS `{value}` is not a list of years")]
    BadYears { value: String },
    #[error("X-FUWU-PROVISIONAL `{value}` is neither `weekly` nor `cn_statutory`")]
    BadProvisional { value: String },
    #[error("the calendar lacks {property}")]
    MissingProperty { property: String },
}

/// What an iCalendar file says about a calendar; each part is `None` when the
/// file does not state it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ICalImport {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub week: Option<Week>,
    pub standard_day: Option<DayWindows>,
    pub data_years: Option<BTreeSet<i16>>,
    pub provisional: Option<ProvisionalRule>,
    pub days: BTreeMap<Date, SpecialDay>,
    /// The line of END:VCALENDAR, for errors about what is missing.
    end_line: usize,
}

impl ICalImport {
    /// A whole calendar, as [`to_icalendar`] writes one: name, time zone and
    /// windows must all be present.
    pub fn into_spec(self) -> Result<CalendarSpec, ICalError> {
        let missing = |property: &str| ICalError {
            line: self.end_line,
            kind: ICalErrorKind::MissingProperty {
                property: property.to_owned(),
            },
        };
        Ok(CalendarSpec {
            name: self.name.clone().ok_or_else(|| missing("X-WR-CALNAME"))?,
            time_zone: self
                .time_zone
                .clone()
                .ok_or_else(|| missing("X-WR-TIMEZONE"))?,
            week: self
                .week
                .clone()
                .ok_or_else(|| missing("X-FUWU-WINDOWS-MO … -SU"))?,
            standard_day: self
                .standard_day
                .clone()
                .ok_or_else(|| missing("X-FUWU-STANDARD-DAY"))?,
            data_years: self.data_years,
            provisional: self.provisional.unwrap_or_default(),
            days: self.days,
        })
    }

    /// The years the file gives holiday data for: those it declares
    /// (`X-FUWU-DATA-YEARS`), else those of its days — less a year whose only
    /// days are in December when the next year is covered too (a 元旦 break
    /// that starts on 30 or 31 December belongs to the next year's notice).
    pub fn covered_years(&self) -> BTreeSet<i16> {
        if let Some(years) = &self.data_years {
            return years.clone();
        }
        let years: BTreeSet<i16> = self.days.keys().map(|d| d.year()).collect();
        years
            .iter()
            .copied()
            .filter(|y| {
                !years.contains(&(y + 1))
                    || self.days.keys().any(|d| d.year() == *y && d.month() != 12)
            })
            .collect()
    }

    /// Overlays the file on an existing calendar: what the file states
    /// replaces the calendar's (the name excepted). On a calendar with data
    /// years, each year the file covers ([`ICalImport::covered_years`]) is
    /// replaced by the file's days of that year and becomes known, and its
    /// other days are added; on a calendar without, its days are added,
    /// replacing those of the same dates.
    pub fn merge_into(self, spec: &mut CalendarSpec) {
        if let Some(rule) = self.provisional {
            spec.provisional = rule;
        }
        if spec.data_years.is_some() {
            let covered = self.covered_years();
            for year in &covered {
                let days: Vec<(Date, SpecialDay)> = self
                    .days
                    .iter()
                    .filter(|(d, _)| d.year() == *year)
                    .map(|(d, x)| (*d, x.clone()))
                    .collect();
                spec.set_year(*year, days);
            }
        }
        if let Some(tz) = self.time_zone {
            spec.time_zone = tz;
        }
        if let Some(week) = self.week {
            spec.week = week;
        }
        if let Some(day) = self.standard_day {
            spec.standard_day = day;
        }
        if let Some(years) = self.data_years {
            match &mut spec.data_years {
                Some(known) => known.extend(years),
                None => spec.data_years = Some(years),
            }
        }
        spec.days.extend(self.days);
    }
}

// ------------------------------------------------------------------ export

fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

/// Appends a content line folded at 75 octets (RFC 5545 §3.1), CRLF-ended.
fn push_line(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = 75;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        limit = 74;
    }
}

fn basic_date(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// The calendar as iCalendar text (CRLF line ends). `now` stamps the events
/// (`DTSTAMP`, required by RFC 5545).
pub fn to_icalendar(spec: &CalendarSpec, now: Timestamp) -> String {
    let stamp = jiff::Timestamp::from_millisecond(now.as_millis())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut out = String::new();
    let mut line = |s: String| push_line(&mut out, &s);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Fuwu//Fuwu calendar//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line(format!("X-WR-CALNAME:{}", escape_text(&spec.name)));
    line(format!("X-WR-TIMEZONE:{}", escape_text(&spec.time_zone)));
    for (day, code) in WEEKDAY_CODES {
        let windows = spec.week.get(day).to_string();
        line(format!("X-FUWU-WINDOWS-{code}:{}", escape_text(&windows)));
    }
    line(format!(
        "X-FUWU-STANDARD-DAY:{}",
        escape_text(&spec.standard_day.to_string())
    ));
    if let Some(years) = &spec.data_years {
        let list: Vec<String> = years.iter().map(i16::to_string).collect();
        line(format!("X-FUWU-DATA-YEARS:{}", list.join(",")));
        line(format!("X-FUWU-PROVISIONAL:{}", spec.provisional));
    }
    // Runs of consecutive dates of the same kind and festival: one event each.
    let mut runs: Vec<(Date, Date, &SpecialDay)> = Vec::new();
    for (date, day) in &spec.days {
        match runs.last_mut() {
            Some((_, end, d)) if *d == day && end.tomorrow().ok() == Some(*date) => *end = *date,
            _ => runs.push((*date, *date, day)),
        }
    }
    for (first, last, day) in runs {
        let end = last.tomorrow().unwrap_or(last);
        let category = match day.kind {
            DayKind::Holiday => "HOLIDAY",
            DayKind::Workday => "WORKDAY",
        };
        line("BEGIN:VEVENT".into());
        line(format!(
            "UID:{}",
            escape_text(&format!(
                "fuwu-{}-{}-{}",
                spec.name,
                basic_date(first),
                day.kind
            ))
        ));
        line(format!("DTSTAMP:{stamp}"));
        line(format!("DTSTART;VALUE=DATE:{}", basic_date(first)));
        line(format!("DTEND;VALUE=DATE:{}", basic_date(end)));
        line(format!("SUMMARY:{}", escape_text(&day.name)));
        line(format!("CATEGORIES:{category}"));
        line("TRANSP:TRANSPARENT".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

// ------------------------------------------------------------------ import

/// One unfolded content line.
struct ContentLine<'a> {
    line: usize,
    name: String,
    params: Vec<(String, &'a str)>,
    value: &'a str,
}

impl ContentLine<'_> {
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim_matches('"'))
    }
    fn err(&self, kind: ICalErrorKind) -> ICalError {
        ICalError {
            line: self.line,
            kind,
        }
    }
}

/// Splits `NAME;P=V;P="a:b":VALUE`, honouring quoted parameter values.
fn split_content_line(line: usize, text: &str) -> Result<ContentLine<'_>, ICalError> {
    let mut in_quotes = false;
    let mut cuts = Vec::new();
    let mut colon = None;
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ';' if !in_quotes => cuts.push(i),
            ':' if !in_quotes => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon.ok_or_else(|| ICalError {
        line,
        kind: ICalErrorKind::Malformed {
            text: text.to_owned(),
        },
    })?;
    let head_end = cuts.first().copied().unwrap_or(colon);
    let name = text[..head_end].trim().to_ascii_uppercase();
    if name.is_empty() {
        return Err(ICalError {
            line,
            kind: ICalErrorKind::Malformed {
                text: text.to_owned(),
            },
        });
    }
    let mut params = Vec::new();
    let bounds: Vec<usize> = cuts.iter().copied().chain([colon]).collect();
    for pair in bounds.windows(2) {
        let p = &text[pair[0] + 1..pair[1]];
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        params.push((k.trim().to_ascii_uppercase(), v));
    }
    Ok(ContentLine {
        line,
        name,
        params,
        value: &text[colon + 1..],
    })
}

fn unescape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Splits a TEXT list on unescaped commas, unescaping each item.
fn split_text_list(s: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            current.push('\\');
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ',' {
            items.push(unescape_text(&current));
            current.clear();
        } else {
            current.push(c);
        }
    }
    if escaped {
        current.push('\\');
    }
    items.push(unescape_text(&current));
    items
}

fn parse_date_value(cl: &ContentLine<'_>) -> Result<Date, ICalError> {
    let value = cl.value.trim();
    let timed = value.contains('T')
        || cl
            .param("VALUE")
            .is_some_and(|v| v.eq_ignore_ascii_case("DATE-TIME"));
    if timed {
        return Err(cl.err(ICalErrorKind::NotAllDay {
            property: cl.name.clone(),
            value: value.to_owned(),
        }));
    }
    let bad = || {
        cl.err(ICalErrorKind::BadDate {
            property: cl.name.clone(),
            value: value.to_owned(),
        })
    };
    if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    parse_iso_date(&format!(
        "{}-{}-{}",
        &value[0..4],
        &value[4..6],
        &value[6..8]
    ))
    .ok_or_else(bad)
}

fn parse_days_duration(cl: &ContentLine<'_>) -> Result<i32, ICalError> {
    let value = cl.value.trim();
    let bad = || {
        cl.err(ICalErrorKind::BadDuration {
            value: value.to_owned(),
        })
    };
    let days = value
        .strip_prefix('P')
        .or_else(|| value.strip_prefix("+P"))
        .and_then(|v| v.strip_suffix('D'))
        .ok_or_else(bad)?;
    days.parse().map_err(|_| bad())
}

#[derive(Default)]
struct EventDraft {
    begin_line: usize,
    start: Option<Date>,
    end: Option<(Date, usize)>,
    duration_days: Option<(i32, usize)>,
    summary: String,
    holiday: bool,
    workday: bool,
}

impl EventDraft {
    fn finish(self, days: &mut BTreeMap<Date, SpecialDay>) -> Result<(), ICalError> {
        let at = |line, kind| ICalError { line, kind };
        let start = self
            .start
            .ok_or_else(|| at(self.begin_line, ICalErrorKind::MissingStart))?;
        let kind = match (self.holiday, self.workday) {
            (true, false) => DayKind::Holiday,
            (false, true) => DayKind::Workday,
            (true, true) => return Err(at(self.begin_line, ICalErrorKind::BothCategories)),
            (false, false) => return Err(at(self.begin_line, ICalErrorKind::MissingCategory)),
        };
        let (len, line) = match (self.end, self.duration_days) {
            (Some((end, line)), _) => ((end - start).get_days(), line),
            (None, Some((n, line))) => (n, line),
            (None, None) => (1, self.begin_line),
        };
        if !(1..=MAX_EVENT_DAYS).contains(&len) {
            return Err(at(line, ICalErrorKind::BadSpan));
        }
        let mut date = start;
        for _ in 0..len {
            if let Some(existing) = days.get(&date)
                && existing.kind != kind
            {
                return Err(at(self.begin_line, ICalErrorKind::DayConflict { date }));
            }
            days.insert(
                date,
                SpecialDay {
                    kind,
                    name: self.summary.clone(),
                },
            );
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        Ok(())
    }
}

/// Reads an iCalendar text (see the module doc for what is understood).
pub fn parse_icalendar(text: &str) -> Result<ICalImport, ICalError> {
    // Unfold: a line starting with a space or tab continues the previous one.
    let mut logical: Vec<(usize, String)> = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(cont) = raw.strip_prefix([' ', '\t'])
            && let Some((_, last)) = logical.last_mut()
        {
            last.push_str(cont);
            continue;
        }
        if !raw.trim().is_empty() {
            logical.push((index + 1, raw.to_owned()));
        }
    }
    let first_line = logical.first().map_or(1, |(l, _)| *l);
    let starts_right = logical
        .first()
        .is_some_and(|(_, t)| t.trim().eq_ignore_ascii_case("BEGIN:VCALENDAR"));
    if !starts_right {
        return Err(ICalError {
            line: first_line,
            kind: ICalErrorKind::NotICalendar,
        });
    }

    let mut out = ICalImport::default();
    let mut week: [Option<DayWindows>; 7] = Default::default();
    let mut week_seen = false;
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut event: Option<EventDraft> = None;
    let mut closed = false;
    for (line, text) in &logical {
        let cl = split_content_line(*line, text)?;
        if closed {
            // Content after END:VCALENDAR (e.g. a second calendar) is ignored.
            break;
        }
        match cl.name.as_str() {
            "BEGIN" => {
                let component = cl.value.trim().to_ascii_uppercase();
                if component == "VEVENT" && stack.len() == 1 {
                    event = Some(EventDraft {
                        begin_line: cl.line,
                        ..EventDraft::default()
                    });
                }
                stack.push((component, cl.line));
                continue;
            }
            "END" => {
                let component = cl.value.trim().to_ascii_uppercase();
                let Some((open, _)) = stack.pop() else {
                    return Err(cl.err(ICalErrorKind::Unbalanced {
                        found: component,
                        expected: "nothing".to_owned(),
                    }));
                };
                if open != component {
                    return Err(cl.err(ICalErrorKind::Unbalanced {
                        found: component,
                        expected: open,
                    }));
                }
                if component == "VEVENT"
                    && stack.len() == 1
                    && let Some(draft) = event.take()
                {
                    draft.finish(&mut out.days)?;
                }
                if stack.is_empty() {
                    out.end_line = cl.line;
                    closed = true;
                }
                continue;
            }
            _ => {}
        }
        let depth = stack.len();
        if depth == 1 {
            read_calendar_property(&cl, &mut out, &mut week, &mut week_seen)?;
        } else if depth == 2
            && let Some(draft) = event.as_mut()
        {
            read_event_property(&cl, draft)?;
        }
    }
    if let Some((component, line)) = stack.pop() {
        return Err(ICalError {
            line,
            kind: ICalErrorKind::Unterminated { component },
        });
    }
    if week_seen {
        let mut full = Week::default();
        for ((day, code), windows) in WEEKDAY_CODES.into_iter().zip(week) {
            let windows = windows.ok_or_else(|| ICalError {
                line: out.end_line,
                kind: ICalErrorKind::MissingProperty {
                    property: format!("X-FUWU-WINDOWS-{code}"),
                },
            })?;
            full.set(day, windows);
        }
        out.week = Some(full);
    }
    Ok(out)
}

fn parse_windows(cl: &ContentLine<'_>) -> Result<DayWindows, ICalError> {
    DayWindows::parse(&unescape_text(cl.value)).map_err(|source| {
        cl.err(ICalErrorKind::Windows {
            property: cl.name.clone(),
            source,
        })
    })
}

fn read_calendar_property(
    cl: &ContentLine<'_>,
    out: &mut ICalImport,
    week: &mut [Option<DayWindows>; 7],
    week_seen: &mut bool,
) -> Result<(), ICalError> {
    match cl.name.as_str() {
        "X-WR-CALNAME" => out.name = Some(unescape_text(cl.value).trim().to_owned()),
        "X-WR-TIMEZONE" => out.time_zone = Some(unescape_text(cl.value).trim().to_owned()),
        "X-FUWU-STANDARD-DAY" => out.standard_day = Some(parse_windows(cl)?),
        "X-FUWU-DATA-YEARS" => {
            let value = cl.value.trim();
            let years = unescape_text(value)
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().parse::<i16>())
                .collect::<Result<BTreeSet<i16>, _>>()
                .map_err(|_| {
                    cl.err(ICalErrorKind::BadYears {
                        value: value.to_owned(),
                    })
                })?;
            out.data_years = Some(years);
        }
        "X-FUWU-PROVISIONAL" => {
            let value = unescape_text(cl.value).trim().to_owned();
            out.provisional = Some(
                value
                    .parse()
                    .map_err(|_| cl.err(ICalErrorKind::BadProvisional { value }))?,
            );
        }
        name => {
            if let Some(code) = name.strip_prefix("X-FUWU-WINDOWS-")
                && let Some(i) = WEEKDAY_CODES.iter().position(|(_, c)| *c == code)
            {
                week[i] = Some(parse_windows(cl)?);
                *week_seen = true;
            }
        }
    }
    Ok(())
}

fn read_event_property(cl: &ContentLine<'_>, draft: &mut EventDraft) -> Result<(), ICalError> {
    match cl.name.as_str() {
        "DTSTART" => draft.start = Some(parse_date_value(cl)?),
        "DTEND" => draft.end = Some((parse_date_value(cl)?, cl.line)),
        "DURATION" => draft.duration_days = Some((parse_days_duration(cl)?, cl.line)),
        "SUMMARY" => draft.summary = unescape_text(cl.value).trim().to_owned(),
        "CATEGORIES" => {
            for category in split_text_list(cl.value) {
                let category = category.trim();
                if category.eq_ignore_ascii_case("HOLIDAY") {
                    draft.holiday = true;
                } else if category.eq_ignore_ascii_case("WORKDAY") {
                    draft.workday = true;
                }
            }
        }
        "RRULE" | "RDATE" | "EXRULE" => {
            return Err(cl.err(ICalErrorKind::Unsupported {
                property: cl.name.clone(),
            }));
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "国庆节".repeat(20));
        push_line(&mut out, &long);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(
                physical.len() <= 75,
                "{physical:?} is {} octets",
                physical.len()
            );
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), long);
    }

    #[test]
    fn text_escaping_round_trips() {
        for s in ["a,b;c\\d", "国庆节、中秋节", "line\nbreak", ""] {
            assert_eq!(unescape_text(&escape_text(s)), s);
        }
        assert_eq!(
            split_text_list("HOLIDAY,Other\\,thing"),
            ["HOLIDAY", "Other,thing"]
        );
    }

    #[test]
    fn quoted_parameters_may_hold_colons() {
        let cl = split_content_line(3, "DTSTART;X-NOTE=\"a:b;c\";VALUE=DATE:20250101").unwrap();
        assert_eq!(cl.name, "DTSTART");
        assert_eq!(cl.param("VALUE"), Some("DATE"));
        assert_eq!(cl.value, "20250101");
    }
}
