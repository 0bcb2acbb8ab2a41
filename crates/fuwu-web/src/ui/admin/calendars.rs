//! Calendars: the year view, holidays and adjusted working days, the
//! week's windows, and iCalendar files laid over a calendar.

use super::form::{Body, form_of, opt, refused, required, version, with_query};
use super::{Admin, PageResult, SECTIONS, fail, fail_ref, not_found};
use crate::AppState;
use crate::ui::form::Form;
use crate::ui::{Ctx, percent_encode, see_other};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use fuwu_app::sla::CalendarInput;
use fuwu_app::{Actor, AppError};
use fuwu_core::calendar::{Calendar, CalendarSpec, DayKind, DayWindows};
use serde::Deserialize;
use std::collections::HashMap;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/admin/calendars", get(calendars))
        .route(
            "/ui/admin/calendars/{name}",
            get(calendar).post(calendar_post),
        )
}

pub struct CalendarRow {
    pub name: String,
    pub preset: bool,
    pub time_zone: String,
    pub days: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/calendars.html")]
struct CalendarsPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    rows: Vec<CalendarRow>,
    year: i16,
}

async fn calendars(State(s): State<AppState>, Admin { actor, c }: Admin) -> PageResult {
    let list = match s.app.list_calendars(&actor).await {
        Ok(l) => l,
        Err(e) => return Err(fail(c)(e)),
    };
    let rows = list
        .into_iter()
        .map(|v| {
            let spec = serde_json::from_value::<CalendarSpec>(v.definition).ok();
            CalendarRow {
                name: v.name,
                preset: v.preset,
                time_zone: spec
                    .as_ref()
                    .map(|x| x.time_zone.clone())
                    .unwrap_or_default(),
                days: spec.as_ref().map_or(0, |x| x.days.len()),
            }
        })
        .collect();
    Ok(CalendarsPage {
        year: this_year(&s, &c),
        c,
        here: "/ui/admin/calendars",
        sections: SECTIONS,
        rows,
    }
    .into_response())
}

fn this_year(s: &AppState, c: &Ctx) -> i16 {
    jiff::Timestamp::from_millisecond(s.app.now()).map_or(2026, |t| t.to_zoned(c.tz.clone()).year())
}

/// One day of the year view.
pub struct DayCell {
    pub date: String,
    pub day: i8,
    /// `work`, `off` (a weekend), `holiday`, `workday` (adjusted working day).
    pub kind: &'static str,
    pub name: String,
}

pub struct Month {
    pub number: i8,
    /// Weeks from Monday; `None` pads the first and last week.
    pub weeks: Vec<Vec<Option<DayCell>>>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    c: Ctx,
    here: &'static str,
    sections: &'static [(&'static str, &'static str)],
    name: String,
    preset: bool,
    version: i64,
    time_zone: String,
    year: i16,
    /// The calendar has no official data for this year: its days follow the
    /// calendar's provisional rule (暂定).
    provisional: bool,
    /// Its days may be edited (an administrator's calendar, or `cn-mainland`).
    days_editable: bool,
    /// Calendars whose next year is still provisional (from 1 November).
    notices: Vec<fuwu_app::calendars::ProvisionalNotice>,
    months: Vec<Month>,
    special: Vec<(String, String, String)>,
    week: Vec<(&'static str, String)>,
    form: Form,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    year: Option<String>,
    saved: Option<String>,
}

pub(super) const WEEKDAYS: [(&str, jiff::civil::Weekday); 7] = [
    ("monday", jiff::civil::Weekday::Monday),
    ("tuesday", jiff::civil::Weekday::Tuesday),
    ("wednesday", jiff::civil::Weekday::Wednesday),
    ("thursday", jiff::civil::Weekday::Thursday),
    ("friday", jiff::civil::Weekday::Friday),
    ("saturday", jiff::civil::Weekday::Saturday),
    ("sunday", jiff::civil::Weekday::Sunday),
];

/// The twelve month grids of `year` (the special days from the calendar's
/// `year_days`, provisional ones included, the rest from its week), and
/// whether the year is provisional.
fn year_grid(spec: &CalendarSpec, year: i16) -> (Vec<Month>, bool) {
    let tz = jiff::tz::TimeZone::get(&spec.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let Ok(cal) = Calendar::new(spec.clone(), tz) else {
        return (months_of(spec, year, &HashMap::new()), false);
    };
    let special: HashMap<jiff::civil::Date, (DayKind, String)> = cal
        .year_days(year)
        .into_iter()
        .map(|d| (d.date, (d.kind, d.name)))
        .collect();
    (months_of(spec, year, &special), cal.is_provisional(year))
}

fn months_of(
    spec: &CalendarSpec,
    year: i16,
    special: &HashMap<jiff::civil::Date, (DayKind, String)>,
) -> Vec<Month> {
    let mut months = Vec::new();
    for m in 1..=12i8 {
        let Ok(first) = jiff::civil::Date::new(year, m, 1) else {
            continue;
        };
        let mut weeks = Vec::new();
        let mut week: Vec<Option<DayCell>> = Vec::new();
        for _ in 0..first.weekday().to_monday_zero_offset() {
            week.push(None);
        }
        for d in 1..=first.days_in_month() {
            let Ok(date) = jiff::civil::Date::new(year, m, d) else {
                continue;
            };
            let (kind, name) = match special.get(&date) {
                Some((DayKind::Holiday, n)) => ("holiday", n.clone()),
                Some((DayKind::Workday, n)) => ("workday", n.clone()),
                None if spec.week.get(date.weekday()).is_empty() => ("off", String::new()),
                None => ("work", String::new()),
            };
            week.push(Some(DayCell {
                date: date.to_string(),
                day: d,
                kind,
                name,
            }));
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
        }
        if !week.is_empty() {
            while week.len() < 7 {
                week.push(None);
            }
            weeks.push(week);
        }
        months.push(Month { number: m, weeks });
    }
    months
}

// The page's parts, each from a different caller; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
async fn calendar_page(
    s: &AppState,
    actor: &Actor,
    c: Ctx,
    name: &str,
    year: Option<i16>,
    form: Form,
    saved: bool,
    status: StatusCode,
) -> PageResult {
    let view = match s.app.get_calendar(actor, name).await {
        Ok(v) => v,
        Err(e) => return Err(fail(c)(e)),
    };
    let spec: CalendarSpec = match serde_json::from_value(view.definition) {
        Ok(x) => x,
        Err(_) => return Err(not_found(c)),
    };
    let year = year.unwrap_or_else(|| this_year(s, &c));
    let (months, provisional) = year_grid(&spec, year);
    let special = match s.app.calendar_year(actor, name, year).await {
        Ok(y) => y
            .days
            .into_iter()
            .map(|d| (d.date.to_string(), d.kind.as_str().to_owned(), d.name))
            .collect(),
        Err(e) => return Err(fail(c)(e)),
    };
    let notices = match s.app.provisional_notices(actor).await {
        Ok(n) => n,
        Err(e) => return Err(fail(c)(e)),
    };
    let mut form = form;
    // The windows form shows what is stored unless a refused post brought its own.
    if form.open != "windows" {
        for (key, day) in WEEKDAYS {
            form.values
                .insert(format!("week_{key}"), spec.week.get(day).to_string());
        }
        form.values
            .insert("standard_day".into(), spec.standard_day.to_string());
    }
    let week = WEEKDAYS
        .iter()
        .map(|(k, d)| (*k, spec.week.get(*d).to_string()))
        .collect();
    Ok((
        status,
        CalendarPage {
            c,
            here: "/ui/admin/calendars",
            sections: SECTIONS,
            name: view.name,
            preset: view.preset,
            version: view.version.unwrap_or(0),
            time_zone: spec.time_zone.clone(),
            year,
            provisional,
            days_editable: !view.preset || view.version.is_some(),
            notices,
            months,
            special,
            week,

            form,
            saved,
        },
    )
        .into_response())
}

fn year_of(raw: Option<&str>) -> Option<i16> {
    raw.and_then(|y| y.parse::<i16>().ok())
        .filter(|y| (1900..=2200).contains(y))
}

async fn calendar(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<YearQuery>,
    Admin { actor, c }: Admin,
) -> PageResult {
    calendar_page(
        &s,
        &actor,
        c,
        &name,
        year_of(q.year.as_deref()),
        Form::default(),
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

/// A holiday or adjusted working day set or removed (`action=day`), the
/// windows (`action=windows`), or an iCalendar file laid over it (`action=import`).
async fn calendar_post(
    State(s): State<AppState>,
    Path(name): Path<String>,
    admin: Admin,
    body: Body,
) -> PageResult {
    let (actor, c, values) = admin.posted(body)?;
    let mut form = form_of(values);
    let year = year_of(opt(&form, "year").as_deref());
    let outcome = calendar_change(&s, &actor, &name, &mut form).await;
    let status = match outcome {
        Ok(true) => {
            let y = year.map(|y| y.to_string()).unwrap_or_default();
            return Ok(see_other(&with_query(
                &format!("/ui/admin/calendars/{}", percent_encode(&name)),
                &[("year", y), ("saved", "1".into())],
            )));
        }
        Ok(false) => StatusCode::UNPROCESSABLE_ENTITY,
        Err(e) => refused(&mut form, e).map_err(fail_ref(&c))?,
    };
    calendar_page(&s, &actor, c, &name, year, form, false, status).await
}

/// A range of dates marked as holidays or adjusted working days, or cleared
/// (`kind=none`): the year's days as shown (a provisional year's included)
/// with the change, entered as the year's data, which makes it official.
/// Ok(false): field errors were put in the form.
async fn day_change(
    s: &AppState,
    actor: &Actor,
    name: &str,
    form: &mut Form,
    version: i64,
) -> Result<bool, AppError> {
    let date = |f: &Form, k: &str| opt(f, k).and_then(|d| d.parse::<jiff::civil::Date>().ok());
    let Some(first) = date(form, "date") else {
        form.errors.insert("date".into(), "admin.f.date".into());
        return Ok(false);
    };
    let last = match opt(form, "to").filter(|t| !t.is_empty()) {
        None => first,
        Some(_) => match date(form, "to") {
            Some(d) if d >= first && d.year() == first.year() => d,
            _ => {
                form.errors.insert("to".into(), "admin.f.date_to".into());
                return Ok(false);
            }
        },
    };
    let kind = opt(form, "kind").unwrap_or_default();
    let day_name = opt(form, "name").unwrap_or_default();
    let kind = match kind.as_str() {
        "none" => None,
        k => match k.parse::<DayKind>() {
            Ok(k) => Some(k),
            Err(_) => {
                form.errors.insert("kind".into(), "f.required".into());
                return Ok(false);
            }
        },
    };
    if kind.is_some() && day_name.is_empty() {
        form.errors.insert("name".into(), "f.required".into());
        return Ok(false);
    }
    let year = first.year();
    let mut days: Vec<fuwu_app::calendars::YearDay> = s
        .app
        .calendar_year(actor, name, year)
        .await?
        .days
        .into_iter()
        .filter(|d| d.date < first || d.date > last)
        .collect();
    if let Some(kind) = kind {
        let mut d = first;
        while d <= last {
            days.push(fuwu_app::calendars::YearDay {
                date: d,
                kind,
                name: day_name.clone(),
            });
            let Ok(next) = d.tomorrow() else { break };
            d = next;
        }
    }
    s.app
        .set_calendar_year(
            actor,
            name,
            year,
            fuwu_app::calendars::YearInput { version, days },
        )
        .await?;
    Ok(true)
}

/// Ok(false): field errors were put in the form.
async fn calendar_change(
    s: &AppState,
    actor: &Actor,
    name: &str,
    form: &mut Form,
) -> Result<bool, AppError> {
    if form.open == "import" {
        let text = required(form, "icalendar");
        if !form.errors.is_empty() {
            return Ok(false);
        }
        s.app.import_calendar(actor, name, &text).await?;
        return Ok(true);
    }
    let version = version(form);
    if form.open == "day" {
        return day_change(s, actor, name, form, version).await;
    }
    let view = s.app.get_calendar(actor, name).await?;
    let mut spec: CalendarSpec = serde_json::from_value(view.definition)
        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
    match form.open.as_str() {
        "windows" => {
            let mut parsed = Vec::new();
            for (key, day) in WEEKDAYS {
                let field = format!("week_{key}");
                let text = opt(form, &field).unwrap_or_default();
                match parse_windows(&text) {
                    Some(w) => parsed.push((day, w)),
                    None => {
                        form.errors.insert(field, "admin.f.windows".into());
                    }
                }
            }
            let standard = opt(form, "standard_day").unwrap_or_default();
            let standard = match parse_windows(&standard).filter(|w| !w.is_empty()) {
                Some(w) => Some(w),
                None => {
                    form.errors
                        .insert("standard_day".into(), "admin.f.windows".into());
                    None
                }
            };
            let Some(standard) = standard else {
                return Ok(false);
            };
            if !form.errors.is_empty() {
                return Ok(false);
            }
            for (day, w) in parsed {
                spec.week.set(day, w);
            }
            spec.standard_day = standard;
        }
        _ => return Err(AppError::invalid("action", "not an action of this page")),
    }
    if !form.errors.is_empty() {
        return Ok(false);
    }
    let definition =
        serde_json::to_value(&spec).map_err(|e| AppError::invalid("definition", e.to_string()))?;
    s.app
        .update_calendar(
            actor,
            name,
            CalendarInput {
                version: Some(version),
                definition,
            },
        )
        .await?;
    Ok(true)
}

/// `09:00-12:00,13:30-18:00`; empty (or `-`) is a day without work.
fn parse_windows(text: &str) -> Option<DayWindows> {
    let t = text.trim();
    if t.is_empty() || t == "-" {
        return Some(DayWindows::NONE);
    }
    DayWindows::parse(t).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_view_marks_national_day_and_the_adjusted_sunday() {
        let spec = CalendarSpec::cn_mainland();
        let (months, no_data) = year_grid(&spec, 2026);
        assert!(!no_data);
        let find = |date: &str| {
            months
                .iter()
                .flat_map(|m| m.weeks.iter().flatten().flatten())
                .find(|d| d.date == date)
                .map(|d| d.kind)
        };
        assert_eq!(find("2026-10-01"), Some("holiday"));
        assert_eq!(
            find("2026-09-20"),
            Some("workday"),
            "a Sunday worked (调休)"
        );
        assert_eq!(find("2026-09-19"), Some("off"));
        assert_eq!(find("2026-09-21"), Some("work"));
        assert_eq!(months.len(), 12);
        // A year without data shows the week only, and says so.
        assert!(year_grid(&spec, 1990).1);
    }
}
