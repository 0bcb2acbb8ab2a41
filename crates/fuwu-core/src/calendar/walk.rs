//! The engine: a walk over a calendar's working spans (real-time intervals),
//! window by window, skipping ordinary weeks whole.

use super::{Calendar, CalendarError, DayKind, Window};
use crate::types::Timestamp;
use jiff::civil::Date;
use jiff::tz::{AmbiguousOffset, Offset};

const DAY_MS: i64 = 86_400_000;

/// Which end of a window a wall-clock time is: decides the instant chosen when
/// the wall clock repeats it (a fold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    /// The first instant the clock shows (or jumps past) it.
    Start,
    /// The last instant the clock shows (or jumps past) it.
    End,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn epoch_day(date: Date) -> i64 {
    let (y, m, d) = (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn offset_ms(offset: Offset) -> i64 {
    i64::from(offset.seconds()) * 1000
}

impl Calendar {
    pub(super) fn jiff_ts(&self, ms: i64) -> Result<jiff::Timestamp, CalendarError> {
        jiff::Timestamp::from_millisecond(ms).map_err(|_| self.out_of_range(ms))
    }

    fn out_of_range(&self, ms: i64) -> CalendarError {
        CalendarError::OutOfRange {
            calendar: self.spec.name.clone(),
            at: Timestamp(ms),
        }
    }

    fn local_date(&self, ms: i64) -> Result<Date, CalendarError> {
        Ok(self.tz.to_datetime(self.jiff_ts(ms)?).date())
    }

    fn next_date(&self, date: Date) -> Result<Date, CalendarError> {
        date.tomorrow()
            .map_err(|_| self.out_of_range(epoch_day(date) * DAY_MS))
    }

    /// The instant (Unix ms) of wall-clock `minute` (0..=1440) on `date`.
    fn boundary(&self, date: Date, minute: u16, edge: Edge) -> Result<i64, CalendarError> {
        let (date, minute) = if minute >= super::MINUTES_PER_DAY {
            (self.next_date(date)?, minute - super::MINUTES_PER_DAY)
        } else {
            (date, minute)
        };
        let civil_ms = epoch_day(date) * DAY_MS + i64::from(minute) * 60_000;
        let dt = date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
        Ok(match self.tz.to_ambiguous_timestamp(dt).offset() {
            AmbiguousOffset::Unambiguous { offset } => civil_ms - offset_ms(offset),
            AmbiguousOffset::Gap { before, after } => {
                // The clock jumps past `dt` at the transition, which lies in
                // (earliest, latest].
                let earliest = civil_ms - offset_ms(after);
                let latest = civil_ms - offset_ms(before);
                self.tz
                    .following(self.jiff_ts(earliest)?)
                    .next()
                    .map(|t| t.timestamp().as_millisecond())
                    .filter(|t| *t > earliest && *t <= latest)
                    .unwrap_or(latest)
            }
            AmbiguousOffset::Fold { before, after } => match edge {
                Edge::Start => civil_ms - offset_ms(before),
                Edge::End => civil_ms - offset_ms(after),
            },
        })
    }

    /// Whether `t` is working time. Errs when the answer needs a day without
    /// holiday data.
    pub fn is_working(&self, t: Timestamp) -> Result<bool, CalendarError> {
        let mut walk = Walker::new(self, t.0)?;
        let limit = t.0.saturating_add(1);
        Ok(matches!(walk.next_span(Some(limit))?, Some((s, _)) if s == t.0))
    }

    /// `t` itself if it is working time, else the start of the next window.
    pub fn next_working_instant(&self, t: Timestamp) -> Result<Timestamp, CalendarError> {
        let mut walk = Walker::new(self, t.0)?;
        match walk.next_span(None)? {
            Some((s, _)) => Ok(Timestamp(s)),
            None => Err(self.no_working_time(t.0)),
        }
    }

    fn no_working_time(&self, after: i64) -> CalendarError {
        CalendarError::NoWorkingTime {
            calendar: self.spec.name.clone(),
            after: Timestamp(after),
        }
    }

    /// The earliest instant at which the working time elapsed since `start`
    /// equals `d` (see the module doc for the rules).
    pub fn deadline(
        &self,
        start: Timestamp,
        d: super::BusinessDuration,
    ) -> Result<Timestamp, CalendarError> {
        self.deadline_after(start, self.duration_ms(d))
    }

    /// [`Calendar::deadline`] for an amount of working time in milliseconds
    /// (e.g. what remains of a paused clock). A negative amount is an error.
    pub fn deadline_after(
        &self,
        start: Timestamp,
        working_ms: i64,
    ) -> Result<Timestamp, CalendarError> {
        if working_ms < 0 {
            return Err(CalendarError::NegativeAmount {
                calendar: self.spec.name.clone(),
                ms: working_ms,
            });
        }
        let mut remaining = working_ms;
        let mut walk = Walker::new(self, start.0)?;
        loop {
            if self.week_ms > 0
                && remaining > self.week_ms
                && let Some(week) = walk.ordinary_week_ahead()?
            {
                walk.skip(week);
                remaining -= self.week_ms;
                continue;
            }
            let Some((s, e)) = walk.next_span(None)? else {
                return Err(self.no_working_time(start.0));
            };
            if remaining <= e - s {
                return Ok(Timestamp(s + remaining));
            }
            remaining -= e - s;
        }
    }

    /// Working time from `from` to `to` in milliseconds; negative when `to`
    /// is before `from` (e.g. the remaining time of a breached target).
    pub fn working_time_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<i64, CalendarError> {
        if to < from {
            return Ok(-self.working_time_between(to, from)?);
        }
        if to == from {
            return Ok(0);
        }
        let (a, b) = (from.0, to.0);
        let mut total = 0;
        let mut walk = Walker::new(self, a)?;
        loop {
            if self.week_ms > 0
                && b - walk.floor > 6 * DAY_MS
                && let Some(week) = walk.ordinary_week_ahead()?
                && week.end <= b
            {
                walk.skip(week);
                total += self.week_ms;
                continue;
            }
            match walk.next_span(Some(b))? {
                Some((s, e)) if s < b => {
                    total += e.min(b) - s;
                    if e >= b {
                        return Ok(total);
                    }
                }
                _ => return Ok(total),
            }
        }
    }
}

#[cfg(test)]
impl Calendar {
    /// [`Calendar::deadline_after`] walking every span, for tests of the
    /// week skipping.
    pub(super) fn deadline_span_by_span(
        &self,
        start: Timestamp,
        working_ms: i64,
    ) -> Result<Timestamp, CalendarError> {
        let mut remaining = working_ms;
        let mut walk = Walker::new(self, start.0)?;
        loop {
            let (s, e) = walk.next_span(None)?.expect("unbounded");
            if remaining <= e - s {
                return Ok(Timestamp(s + remaining));
            }
            remaining -= e - s;
        }
    }

    /// [`Calendar::working_time_between`] walking every span.
    pub(super) fn between_span_by_span(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<i64, CalendarError> {
        let mut total = 0;
        let mut walk = Walker::new(self, from.0)?;
        while let Some((s, e)) = walk.next_span(Some(to.0))? {
            if s >= to.0 {
                break;
            }
            total += e.min(to.0) - s;
        }
        Ok(total)
    }
}

/// Seven ordinary days ahead of a walk: where they end.
#[derive(Debug, Clone, Copy)]
struct Week {
    after: Date,
    end: i64,
}

/// A walk over working spans in time order, each clipped to start at or after
/// the walk's start and after the previous span (so spans never overlap, even
/// around offset changes).
struct Walker<'c> {
    cal: &'c Calendar,
    /// The next day to load.
    next_day: Date,
    /// The loaded day and those of its windows not yet walked.
    day: Date,
    windows: &'c [Window],
    /// The walk's start, then the end of the last span yielded.
    floor: i64,
}

impl<'c> Walker<'c> {
    fn new(cal: &'c Calendar, from: i64) -> Result<Walker<'c>, CalendarError> {
        let date = cal.local_date(from)?;
        // The previous day's windows reach past `from` only around an offset
        // change; look at that day only then, so that a start on January 1st
        // does not need the previous year's data.
        let first = if cal.boundary(date, 0, Edge::End)? > from {
            date.yesterday().map_err(|_| cal.out_of_range(from))?
        } else {
            date
        };
        Ok(Walker {
            cal,
            next_day: first,
            day: first,
            windows: &[],
            floor: from,
        })
    }

    /// The next working span `(start, end)`; `None` once the next day to look
    /// at starts at or after `limit` (never when `limit` is `None`).
    fn next_span(&mut self, limit: Option<i64>) -> Result<Option<(i64, i64)>, CalendarError> {
        loop {
            while let Some((w, rest)) = self.windows.split_first() {
                self.windows = rest;
                let s = self
                    .cal
                    .boundary(self.day, w.start_minute(), Edge::Start)?
                    .max(self.floor);
                let e = self.cal.boundary(self.day, w.end_minute(), Edge::End)?;
                if e > s {
                    self.floor = e;
                    return Ok(Some((s, e)));
                }
            }
            if !self.load_next(limit)? {
                return Ok(None);
            }
        }
    }

    /// Loads the next day that can have windows; false when it starts at or
    /// after `limit`.
    fn load_next(&mut self, limit: Option<i64>) -> Result<bool, CalendarError> {
        let cal = self.cal;
        let mut day = self.next_day;
        if cal.week_ms == 0 {
            // No weekday has windows: only adjusted working days are worked.
            let next = cal
                .spec
                .days
                .range(day..)
                .find(|(_, d)| d.kind == DayKind::Workday);
            match next {
                Some((date, _)) => day = *date,
                None if limit.is_some() => return Ok(false),
                None => return Err(cal.no_working_time(self.floor)),
            }
        }
        if let Some(limit) = limit
            && cal.boundary(day, 0, Edge::Start)? >= limit
        {
            return Ok(false);
        }
        self.day = day;
        self.windows = cal.windows_unchecked(day).windows();
        self.next_day = cal.next_date(day)?;
        Ok(true)
    }

    /// The seven days from the next day to load, if the walk stands at their
    /// start and they are ordinary — no special day, holiday data known, no
    /// offset change near them — so that they hold exactly a week of working
    /// time.
    fn ordinary_week_ahead(&self) -> Result<Option<Week>, CalendarError> {
        if !self.windows.is_empty() {
            return Ok(None);
        }
        let cal = self.cal;
        let first = self.next_day;
        let Ok(after) = first.checked_add(jiff::Span::new().days(7)) else {
            return Ok(None);
        };
        if cal.has_special_in(first, after) {
            return Ok(None);
        }
        let start = cal.boundary(first, 0, Edge::Start)?;
        if start < self.floor {
            return Ok(None);
        }
        let end = cal.boundary(after, 0, Edge::Start)?;
        let Ok(probe) = jiff::Timestamp::from_millisecond(start - DAY_MS) else {
            return Ok(None);
        };
        if let Some(t) = cal.tz.following(probe).next()
            && t.timestamp().as_millisecond() <= end + DAY_MS
        {
            return Ok(None);
        }
        Ok(Some(Week { after, end }))
    }

    fn skip(&mut self, week: Week) {
        self.next_day = week.after;
        self.floor = week.end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_days_agree_with_jiff_across_eras() {
        let mut date = Date::constant(-9998, 1, 1);
        let step = jiff::Span::new().days(997);
        while date < Date::constant(9999, 1, 1) {
            let jiff_days = Offset::UTC
                .to_timestamp(date.at(0, 0, 0, 0))
                .unwrap()
                .as_second()
                .div_euclid(86_400);
            assert_eq!(epoch_day(date), jiff_days, "{date}");
            date = date.checked_add(step).unwrap();
        }
        assert_eq!(epoch_day(Date::constant(1970, 1, 1)), 0);
        assert_eq!(epoch_day(Date::constant(2000, 3, 1)), 11_017);
    }
}
