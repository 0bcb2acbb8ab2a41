//! Calendars: the built-in ones (`24x7`, `cn-mainland`) and administrators'
//! own, read by staff and written by administrators (audited, every change
//! kept as a version), and the calendars an SLA policy's clocks run on.
//!
//! The built-in `cn-mainland` ships the State Council's data; a year without
//! it is provisional (see `fuwu_core::calendar`). Administrators add or
//! correct years: their years are stored as a calendar row of the same name
//! holding only those years (an *overlay*), laid over the shipped data
//! whenever the calendar is used. Its name, time zone and windows stay fixed.
//! Every change recomputes the clocks of the open requests whose policy uses
//! the calendar.

use crate::access::Capability;
use crate::{Actor, App, AppError, audit};
use fuwu_core::calendar::{
    CN_MAINLAND, Calendar, CalendarSpec, DayEntry, DayKind, PRESETS, SpecialDay, parse_icalendar,
    to_icalendar,
};
use fuwu_core::sla::Policy;
use fuwu_core::types::Timestamp;
use fuwu_store::directory as dir;
use fuwu_store::sla::{self as sla_store, CalendarRow};
use fuwu_store::{Conn, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// The shipped built-in calendars, without administrators' years.
pub(crate) fn presets() -> &'static HashMap<&'static str, Calendar> {
    static P: OnceLock<HashMap<&'static str, Calendar>> = OnceLock::new();
    P.get_or_init(|| {
        let mut m = HashMap::new();
        for name in PRESETS {
            let spec = CalendarSpec::preset(name).expect("a preset");
            if let Ok(cal) = calendar_from_spec(spec) {
                m.insert(name, cal);
            }
        }
        m
    })
}

pub(crate) fn calendar_from_spec(spec: CalendarSpec) -> Result<Calendar, AppError> {
    let tz = jiff::tz::TimeZone::get(&spec.time_zone).map_err(|_| {
        AppError::invalid(
            "time_zone",
            format!("`{}` is not a known IANA time zone", spec.time_zone),
        )
    })?;
    Calendar::new(spec, tz).map_err(|e| AppError::invalid("calendar", e.to_string()))
}

fn corrupt(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(StoreError::Config(e.to_string()))
}

/// Whether administrators may add years to this built-in calendar.
fn extensible(name: &str) -> bool {
    name == CN_MAINLAND
}

/// Administrators' years of built-in `name`, as in force at `at` (`None`:
/// now), with the stored row's version (0: never edited).
async fn overlay_of(
    c: &mut Conn<'_>,
    name: &str,
    at: Option<i64>,
) -> Result<(i64, Option<CalendarSpec>), AppError> {
    if !extensible(name) {
        return Ok((0, None));
    }
    let row = match sla_store::get_calendar(c, name).await {
        Ok(r) => Some(r),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let version = row.as_ref().map_or(0, |r| r.version);
    let definition = match at {
        Some(at) => match sla_store::calendar_definition_in_force(c, name, at).await? {
            Some(d) => Some(d),
            None => row.filter(|r| r.updated_at <= at).map(|r| r.definition),
        },
        None => row.map(|r| r.definition),
    };
    let overlay = definition
        .map(|d| serde_json::from_str::<CalendarSpec>(&d).map_err(corrupt))
        .transpose()?;
    Ok((version, overlay))
}

/// A built-in calendar's spec with administrators' years laid over it.
fn builtin_spec(name: &str, overlay: Option<&CalendarSpec>) -> Option<CalendarSpec> {
    let mut spec = CalendarSpec::preset(name)?;
    if let Some(o) = overlay {
        spec.overlay_years(o);
    }
    Some(spec)
}

/// A built-in calendar as in force at `at` (`None`: now).
async fn builtin_calendar(
    c: &mut Conn<'_>,
    name: &str,
    at: Option<i64>,
) -> Result<Option<Calendar>, AppError> {
    let Some(shipped) = presets().get(name) else {
        return Ok(None);
    };
    match overlay_of(c, name, at).await? {
        (_, None) => Ok(Some(shipped.clone())),
        (_, Some(o)) => Ok(Some(calendar_from_spec(
            builtin_spec(name, Some(&o)).expect("a preset"),
        )?)),
    }
}

/// The calendars a policy's targets use, built-in and stored ones: as they
/// are now, or (`at`) as they were in force at that instant.
pub(crate) async fn calendars_for(
    c: &mut Conn<'_>,
    policy: &Policy,
    at: Option<i64>,
) -> Result<HashMap<String, Calendar>, AppError> {
    let mut out = HashMap::new();
    for t in &policy.targets {
        if out.contains_key(&t.calendar) {
            continue;
        }
        if let Some(cal) = builtin_calendar(c, &t.calendar, at).await? {
            out.insert(t.calendar.clone(), cal);
            continue;
        }
        let then = match at {
            Some(at) => sla_store::calendar_definition_at(c, &t.calendar, at).await?,
            None => None,
        };
        let definition = match then {
            Some(d) => Some(d),
            None => sla_store::get_calendar(c, &t.calendar)
                .await
                .ok()
                .map(|r| r.definition),
        };
        if let Some(definition) = definition {
            let spec: CalendarSpec = serde_json::from_str(&definition).map_err(corrupt)?;
            out.insert(t.calendar.clone(), calendar_from_spec(spec)?);
        }
    }
    Ok(out)
}

/// Every calendar name that exists (for validating policies).
pub(crate) async fn calendar_names(c: &mut Conn<'_>) -> Result<Vec<String>, AppError> {
    let mut names: Vec<String> = PRESETS
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    for r in sla_store::list_calendars(c).await? {
        if !names.contains(&r.name) {
            names.push(r.name);
        }
    }
    Ok(names)
}

/// The built-in calendars as in force now, for the create path (which reads
/// nothing else): kept 10 s; a change on this node clears it at once.
#[derive(Clone, Default)]
pub(crate) struct BuiltinCache(Arc<Mutex<Option<(Instant, Builtins)>>>);

pub(crate) type Builtins = Arc<HashMap<&'static str, Calendar>>;

const BUILTIN_TTL: Duration = Duration::from_secs(10);

impl App {
    pub(crate) async fn builtin_calendars(&self) -> Result<Builtins, AppError> {
        if let Some((at, map)) = &*self.builtins.0.lock().expect("builtin calendars")
            && at.elapsed() < BUILTIN_TTL
        {
            return Ok(map.clone());
        }
        let map = self
            .db
            .read(|mut c| {
                Box::pin(async move {
                    let mut m = HashMap::new();
                    for name in PRESETS {
                        if let Some(cal) = builtin_calendar(&mut c, name, None).await? {
                            m.insert(name, cal);
                        }
                    }
                    Ok::<_, AppError>(m)
                })
            })
            .await?;
        let map = Arc::new(map);
        *self.builtins.0.lock().expect("builtin calendars") = Some((Instant::now(), map.clone()));
        Ok(map)
    }

    fn forget_builtin_calendars(&self) {
        *self.builtins.0.lock().expect("builtin calendars") = None;
    }
}

// ---------------------------------------------------------------- API shapes

/// A calendar as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarView {
    pub name: String,
    /// Built in (`24x7`, `cn-mainland`): its name, time zone and windows are
    /// fixed; administrators may add and correct years of `cn-mainland`.
    pub preset: bool,
    /// The version to send with a change (built-in: 0 until first changed; `24x7`: none).
    pub version: Option<i64>,
    /// fuwu-core's `CalendarSpec`: time zone, weekly windows, standard day,
    /// data years (the others are provisional), provisional rule, days.
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

fn view_of_row(row: &CalendarRow) -> CalendarView {
    CalendarView {
        name: row.name.clone(),
        preset: false,
        version: Some(row.version),
        definition: serde_json::from_str(&row.definition).unwrap_or_default(),
    }
}

fn view_of_builtin(
    name: &str,
    version: i64,
    overlay: Option<&CalendarSpec>,
) -> Option<CalendarView> {
    let spec = builtin_spec(name, overlay)?;
    Some(CalendarView {
        name: name.into(),
        preset: true,
        version: extensible(name).then_some(version),
        definition: serde_json::to_value(spec).unwrap_or_default(),
    })
}

/// A new calendar, or a calendar's replacement.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    pub version: Option<i64>,
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

/// One special day of a year, as entered or shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearDay {
    /// `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date)]
    pub date: jiff::civil::Date,
    /// `holiday` or `workday` (an adjusted working day, 调休).
    #[schema(value_type = String)]
    pub kind: DayKind,
    /// The festival it belongs to, e.g. 春节.
    pub name: String,
}

/// A year of a calendar: its holidays and adjusted working days.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarYear {
    pub calendar: String,
    pub year: i16,
    /// The calendar has no data for the year: its days follow the calendar's
    /// provisional rule (`cn-mainland`: the statutory holidays, no adjusted
    /// working days) until an administrator enters them.
    pub provisional: bool,
    /// The version to send with a change.
    pub version: Option<i64>,
    pub days: Vec<YearDay>,
}

/// A year's days, entered by an administrator: they replace the year's and
/// make it official.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearInput {
    /// The version you read (a built-in calendar never changed: 0).
    pub version: i64,
    pub days: Vec<YearDay>,
}

fn day_of(e: DayEntry) -> YearDay {
    YearDay {
        date: e.date,
        kind: e.kind,
        name: e.name,
    }
}

fn check_spec(value: serde_json::Value, name: Option<&str>) -> Result<CalendarSpec, AppError> {
    let spec: CalendarSpec = serde_json::from_value(value)
        .map_err(|e| AppError::invalid("definition", e.to_string()))?;
    if let Some(n) = name
        && spec.name != n
    {
        return Err(AppError::invalid(
            "definition",
            format!("the calendar's name is `{n}`; it cannot be renamed"),
        ));
    }
    check_name(&spec.name)?;
    calendar_from_spec(spec.clone())?;
    Ok(spec)
}

fn check_name(name: &str) -> Result<(), AppError> {
    if PRESETS.contains(&name) {
        return Err(AppError::Forbidden("change a built-in calendar"));
    }
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "name",
            "1–64 letters, digits, `-` or `_`",
        ))
    }
}

/// The overlay that turns the shipped built-in into `wanted`: the years whose
/// days differ from the shipped ones, or that it does not ship. Refuses a
/// change of what is fixed.
fn overlay_for(name: &str, wanted: &CalendarSpec) -> Result<CalendarSpec, AppError> {
    let shipped = CalendarSpec::preset(name).expect("a preset");
    let fixed = wanted.name == shipped.name
        && wanted.time_zone == shipped.time_zone
        && wanted.week == shipped.week
        && wanted.standard_day == shipped.standard_day
        && wanted.provisional == shipped.provisional;
    if !fixed {
        return Err(AppError::invalid(
            "definition",
            "a built-in calendar's name, time zone, windows and provisional rule are fixed; add or correct its years",
        ));
    }
    let years_of = |s: &CalendarSpec, y: i16| -> Vec<(jiff::civil::Date, SpecialDay)> {
        s.days
            .iter()
            .filter(|(d, _)| d.year() == y)
            .map(|(d, x)| (*d, x.clone()))
            .collect()
    };
    let mut overlay = shipped.clone();
    overlay.days.clear();
    overlay.data_years = Some(Default::default());
    for y in wanted.data_years.iter().flatten() {
        let differs = shipped.is_provisional(*y) || years_of(&shipped, *y) != years_of(wanted, *y);
        if differs {
            overlay.set_year(*y, years_of(wanted, *y));
        }
    }
    Ok(overlay)
}

/// The years a change made official, for the audit log.
fn years_list(spec: &CalendarSpec) -> Vec<i16> {
    spec.data_years.iter().flatten().copied().collect()
}

impl App {
    pub async fn list_calendars(&self, actor: &Actor) -> Result<Vec<CalendarView>, AppError> {
        actor.require(Capability::ReadStaffDirectory)?;
        let (rows, overlays) = self
            .db
            .read(|mut c| {
                Box::pin(async move {
                    let rows = sla_store::list_calendars(&mut c).await?;
                    let mut overlays = Vec::new();
                    for name in PRESETS {
                        overlays.push((name, overlay_of(&mut c, name, None).await?));
                    }
                    Ok::<_, AppError>((rows, overlays))
                })
            })
            .await?;
        let mut out: Vec<CalendarView> = overlays
            .iter()
            .filter_map(|(n, (v, o))| view_of_builtin(n, *v, o.as_ref()))
            .collect();
        out.extend(
            rows.iter()
                .filter(|r| !PRESETS.contains(&r.name.as_str()))
                .map(view_of_row),
        );
        Ok(out)
    }

    pub async fn get_calendar(&self, actor: &Actor, name: &str) -> Result<CalendarView, AppError> {
        actor.require(Capability::ReadStaffDirectory)?;
        let name = name.to_owned();
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    if PRESETS.contains(&name.as_str()) {
                        let (v, o) = overlay_of(&mut c, &name, None).await?;
                        return Ok(view_of_builtin(&name, v, o.as_ref()).expect("a preset"));
                    }
                    let row = sla_store::get_calendar(&mut c, &name)
                        .await
                        .map_err(|e| AppError::from_store("calendar", e))?;
                    Ok(view_of_row(&row))
                })
            })
            .await
    }

    /// A calendar's spec and version, as [`App::get_calendar`] shows it.
    async fn calendar_spec(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<(CalendarSpec, i64, bool), AppError> {
        let view = self.get_calendar(actor, name).await?;
        let spec: CalendarSpec = serde_json::from_value(view.definition).map_err(corrupt)?;
        Ok((spec, view.version.unwrap_or(0), view.preset))
    }

    /// A year of a calendar (staff): its days, and whether it is provisional.
    pub async fn calendar_year(
        &self,
        actor: &Actor,
        name: &str,
        year: i16,
    ) -> Result<CalendarYear, AppError> {
        check_year(year)?;
        let (spec, version, preset) = self.calendar_spec(actor, name).await?;
        let cal = calendar_from_spec(spec)?;
        Ok(CalendarYear {
            calendar: name.to_owned(),
            year,
            provisional: cal.is_provisional(year),
            version: (!preset || extensible(name)).then_some(version),
            days: cal.year_days(year).into_iter().map(day_of).collect(),
        })
    }

    /// Enter a year's holidays and adjusted working days (administrators):
    /// they replace the year's, and the year becomes official.
    pub async fn set_calendar_year(
        &self,
        actor: &Actor,
        name: &str,
        year: i16,
        input: YearInput,
    ) -> Result<CalendarYear, AppError> {
        actor.require(Capability::Administer)?;
        check_year(year)?;
        for (i, d) in input.days.iter().enumerate() {
            if d.date.year() != year {
                return Err(AppError::invalid(
                    "days",
                    format!("days[{i}]: {} is not in {year}", d.date),
                ));
            }
            if d.name.trim().is_empty() {
                return Err(AppError::invalid(
                    "days",
                    format!("days[{i}]: the festival's name is required"),
                ));
            }
        }
        let (mut spec, _, _) = self.calendar_spec(actor, name).await?;
        spec.set_year(
            year,
            input.days.into_iter().map(|d| {
                (
                    d.date,
                    SpecialDay {
                        kind: d.kind,
                        name: d.name.trim().to_owned(),
                    },
                )
            }),
        );
        self.replace_calendar(actor, name, spec, input.version)
            .await?;
        self.calendar_year(actor, name, year).await
    }

    /// Create a calendar (administrators).
    pub async fn create_calendar(
        &self,
        actor: &Actor,
        input: CalendarInput,
    ) -> Result<CalendarView, AppError> {
        actor.require(Capability::Administer)?;
        let spec = check_spec(input.definition, None)?;
        self.store_calendar(actor, spec, None).await
    }

    /// Replace a calendar (administrators), with the version read. On
    /// `cn-mainland`, only its years may change.
    pub async fn update_calendar(
        &self,
        actor: &Actor,
        name: &str,
        input: CalendarInput,
    ) -> Result<CalendarView, AppError> {
        actor.require(Capability::Administer)?;
        let version = input
            .version
            .ok_or_else(|| AppError::invalid("version", "required"))?;
        if extensible(name) {
            let spec: CalendarSpec = serde_json::from_value(input.definition)
                .map_err(|e| AppError::invalid("definition", e.to_string()))?;
            return self.replace_calendar(actor, name, spec, version).await;
        }
        check_name(name)?;
        let spec = check_spec(input.definition, Some(name))?;
        self.store_calendar(actor, spec, Some(version)).await
    }

    /// Store `spec` as calendar `name` at `version`: for `cn-mainland`, as
    /// administrators' years over the shipped data.
    async fn replace_calendar(
        &self,
        actor: &Actor,
        name: &str,
        spec: CalendarSpec,
        version: i64,
    ) -> Result<CalendarView, AppError> {
        if extensible(name) {
            let overlay = overlay_for(name, &spec)?;
            return self.store_overlay(actor, overlay, version).await;
        }
        check_name(name)?;
        calendar_from_spec(spec.clone())?;
        self.store_calendar(actor, spec, Some(version)).await
    }

    /// Import an iCalendar file as the calendar `name` (administrators): a
    /// new calendar from a whole file, or the file laid over an existing one
    /// (on a calendar with data years, each year the file covers is replaced
    /// and becomes official).
    pub async fn import_calendar(
        &self,
        actor: &Actor,
        name: &str,
        ical: &str,
    ) -> Result<CalendarView, AppError> {
        actor.require(Capability::Administer)?;
        let import =
            parse_icalendar(ical).map_err(|e| AppError::invalid("icalendar", e.to_string()))?;
        if extensible(name) {
            let (mut spec, version, _) = self.calendar_spec(actor, name).await?;
            import.merge_into(&mut spec);
            return self.replace_calendar(actor, name, spec, version).await;
        }
        check_name(name)?;
        let n = name.to_owned();
        let existing = self
            .db
            .read(move |mut c| {
                Box::pin(async move {
                    match sla_store::get_calendar(&mut c, &n).await {
                        Ok(r) => Ok(Some(r)),
                        Err(StoreError::NotFound) => Ok(None),
                        Err(e) => Err(AppError::from(e)),
                    }
                })
            })
            .await?;
        match existing {
            Some(row) => {
                let mut spec: CalendarSpec =
                    serde_json::from_str(&row.definition).map_err(corrupt)?;
                import.merge_into(&mut spec);
                calendar_from_spec(spec.clone())?;
                self.store_calendar(actor, spec, Some(row.version)).await
            }
            None => {
                let mut spec = import
                    .into_spec()
                    .map_err(|e| AppError::invalid("icalendar", e.to_string()))?;
                spec.name = name.to_owned();
                calendar_from_spec(spec.clone())?;
                self.store_calendar(actor, spec, None).await
            }
        }
    }

    /// A calendar as iCalendar text (staff).
    pub async fn export_calendar(&self, actor: &Actor, name: &str) -> Result<String, AppError> {
        let (spec, _, _) = self.calendar_spec(actor, name).await?;
        Ok(to_icalendar(&spec, Timestamp(self.now())))
    }

    /// Delete a calendar no policy uses (administrators).
    pub async fn delete_calendar(&self, actor: &Actor, name: &str) -> Result<(), AppError> {
        actor.require(Capability::Administer)?;
        check_name(name)?;
        let now = self.now();
        let who = actor.user_id;
        let name = name.to_owned();
        self.db
            .write(move |mut c| {
                Box::pin(async move {
                    let row = sla_store::get_calendar(&mut c, &name)
                        .await
                        .map_err(|e| AppError::from_store("calendar", e))?;
                    for p in dir::list_sla_policies(&mut c).await? {
                        if policy_of(&p).is_some_and(|pol| {
                            pol.targets.iter().any(|t| t.calendar == name)
                                || pol.auto_close.is_some_and(|a| a.calendar == name)
                        }) {
                            return Err(AppError::Conflict(format!(
                                "the calendar `{name}` is used by the SLA policy `{}`",
                                p.name
                            )));
                        }
                    }
                    sla_store::delete_calendar(&mut c, row.id, now).await?;
                    audit::event(
                        &mut c,
                        who,
                        "calendar_deleted",
                        "calendar",
                        row.id,
                        json!({"name": name}),
                        now,
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    /// Administrators' years of `cn-mainland`, stored as its overlay row
    /// (`version` 0: the shipped calendar, never changed: the row is created).
    async fn store_overlay(
        &self,
        actor: &Actor,
        overlay: CalendarSpec,
        version: i64,
    ) -> Result<CalendarView, AppError> {
        let name = overlay.name.clone();
        let n = name.clone();
        let current = self
            .db
            .read(move |mut c| Box::pin(async move { overlay_of(&mut c, &n, None).await }))
            .await?
            .0;
        if current != version {
            return Err(AppError::StaleVersion {
                what: "calendar",
                expected: version,
            });
        }
        self.write_calendar(actor, overlay, (version > 0).then_some(version))
            .await?;
        self.forget_builtin_calendars();
        self.get_calendar(actor, &name).await
    }

    async fn store_calendar(
        &self,
        actor: &Actor,
        spec: CalendarSpec,
        version: Option<i64>,
    ) -> Result<CalendarView, AppError> {
        let row = self.write_calendar(actor, spec, version).await?;
        Ok(view_of_row(&row))
    }

    /// Insert (no version) or update a calendar row, audited, then recompute
    /// the open requests whose clocks run on it.
    async fn write_calendar(
        &self,
        actor: &Actor,
        spec: CalendarSpec,
        version: Option<i64>,
    ) -> Result<CalendarRow, AppError> {
        let now = self.now();
        let who = actor.user_id;
        let definition = serde_json::to_string(&spec)
            .map_err(|e| AppError::invalid("definition", e.to_string()))?;
        let years = years_list(&spec);
        let name = spec.name.clone();
        let (row, affected) = self
            .db
            .write(move |mut c| {
                Box::pin(async move {
                    let (row, kind) = match version {
                        None => (
                            sla_store::insert_calendar(&mut c, &spec.name, &definition, now)
                                .await
                                .map_err(|e| AppError::from_store("calendar", e))?,
                            "calendar_created",
                        ),
                        Some(v) => {
                            let before = sla_store::get_calendar(&mut c, &spec.name)
                                .await
                                .map_err(|e| AppError::from_store("calendar", e))?;
                            (
                                sla_store::update_calendar(&mut c, before.id, v, &definition, now)
                                    .await
                                    .map_err(|e| AppError::from_store("calendar", e))?,
                                "calendar_updated",
                            )
                        }
                    };
                    audit::event(
                        &mut c,
                        who,
                        kind,
                        "calendar",
                        row.id,
                        json!({"name": row.name, "version": row.version, "data_years": years}),
                        now,
                    )
                    .await?;
                    let affected = open_requests_on_calendar(&mut c, &row.name).await?;
                    Ok::<_, AppError>((row, affected))
                })
            })
            .await?;
        tracing::info!(calendar = %name, requests = affected.len(), "calendar changed: recomputing open requests' clocks");
        self.refresh_requests(affected).await?;
        Ok(row)
    }
}

fn check_year(year: i16) -> Result<(), AppError> {
    if (1900..=2200).contains(&year) {
        Ok(())
    } else {
        Err(AppError::invalid("year", "a year from 1900 to 2200"))
    }
}

/// A stored policy's definition (read here rather than through `sla`, which
/// depends on this module for its calendars).
fn policy_of(row: &fuwu_store::directory::SlaPolicy) -> Option<Policy> {
    serde_json::from_str(&row.definition).ok()
}

/// The open requests whose policy (or the default one, `levels-0-5`, for a
/// contract without) has a target on calendar `name`.
async fn open_requests_on_calendar(c: &mut Conn<'_>, name: &str) -> Result<Vec<i64>, AppError> {
    let default = sla_store::get_policy_by_name(c, fuwu_core::sla::templates::LEVELS_0_5).await?;
    let mut ids = Vec::new();
    for p in dir::list_sla_policies(c).await? {
        let uses = policy_of(&p).is_some_and(|pol| pol.targets.iter().any(|t| t.calendar == name));
        if uses {
            ids.extend(sla_store::open_requests_of_policy(c, p.id, default.id).await?);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// A calendar whose next year is still provisional, shown to administrators
/// from 1 November.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProvisionalNotice {
    pub calendar: String,
    pub year: i16,
}

/// From this month on, next year's missing notice is announced.
const NOTICE_FROM_MONTH: i8 = 11;

impl App {
    /// For administrators, from 1 November (Beijing time): the calendars
    /// with data years whose next year has no data yet. Empty otherwise.
    pub async fn provisional_notices(
        &self,
        actor: &Actor,
    ) -> Result<Vec<ProvisionalNotice>, AppError> {
        if actor.require(Capability::Administer).is_err() {
            return Ok(Vec::new());
        }
        let tz = jiff::tz::TimeZone::get(fuwu_core::calendar::CN_MAINLAND_TIME_ZONE)
            .unwrap_or(jiff::tz::TimeZone::UTC);
        let Ok(now) = jiff::Timestamp::from_millisecond(self.now()) else {
            return Ok(Vec::new());
        };
        let today = tz.to_datetime(now).date();
        if today.month() < NOTICE_FROM_MONTH {
            return Ok(Vec::new());
        }
        let next = today.year() + 1;
        Ok(self
            .list_calendars(actor)
            .await?
            .into_iter()
            .filter_map(|v| {
                let spec: CalendarSpec = serde_json::from_value(v.definition).ok()?;
                spec.is_provisional(next).then_some(ProvisionalNotice {
                    calendar: v.name,
                    year: next,
                })
            })
            .collect())
    }
}

impl App {
    /// A calendar by name as the SLA engine uses it now (built-in with
    /// administrators' years, or an administrator's), for the command line.
    pub async fn calendar_named(&self, name: &str) -> Result<Calendar, AppError> {
        let name = name.to_owned();
        self.db
            .read(move |mut c| {
                Box::pin(async move {
                    if let Some(cal) = builtin_calendar(&mut c, &name, None).await? {
                        return Ok(cal);
                    }
                    let names = calendar_names(&mut c).await?;
                    match sla_store::get_calendar(&mut c, &name).await {
                        Ok(row) => calendar_from_spec(
                            serde_json::from_str(&row.definition).map_err(corrupt)?,
                        ),
                        Err(StoreError::NotFound) => Err(AppError::invalid(
                            "calendar",
                            format!(
                                "unknown calendar `{name}`; known calendars: {}",
                                names.join(", ")
                            ),
                        )),
                        Err(e) => Err(e.into()),
                    }
                })
            })
            .await
    }
}
