//! Working windows: the half-open spans of local wall-clock time worked on a
//! day, written `09:00-12:00,13:30-18:00` (`none` for a day without work).

use jiff::civil::Weekday;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Minutes in a civil day; `24:00` is the end of the day.
pub const MINUTES_PER_DAY: u16 = 24 * 60;

/// A bad window or list of windows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("`{text}` is not a window like 09:00-12:00")]
    Malformed { text: String },
    #[error("`{text}` is not a time of day from 00:00 to 24:00")]
    BadTime { text: String },
    #[error("the window {window} must end after it starts")]
    EndsBeforeStart { window: String },
    #[error("the windows {first} and {second} overlap or are out of order")]
    Overlap { first: String, second: String },
}

/// One working window, `[start, end)` in minutes since local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Window {
    start: u16,
    end: u16,
}

impl Window {
    /// A window from `start` to `end` minutes since midnight (`end` ≤ 1440).
    pub fn new(start: u16, end: u16) -> Result<Window, WindowError> {
        if end > MINUTES_PER_DAY {
            return Err(WindowError::BadTime { text: hhmm(end) });
        }
        if start >= end {
            return Err(WindowError::EndsBeforeStart {
                window: format!("{}-{}", hhmm(start), hhmm(end)),
            });
        }
        Ok(Window { start, end })
    }
    /// The whole civil day, `00:00-24:00`.
    pub const ALL_DAY: Window = Window {
        start: 0,
        end: MINUTES_PER_DAY,
    };
    pub const fn start_minute(self) -> u16 {
        self.start
    }
    pub const fn end_minute(self) -> u16 {
        self.end
    }
    pub const fn minutes(self) -> u16 {
        self.end - self.start
    }
    /// Parses `HH:MM-HH:MM`.
    pub fn parse(text: &str) -> Result<Window, WindowError> {
        let (a, b) = text.split_once('-').ok_or_else(|| WindowError::Malformed {
            text: text.to_owned(),
        })?;
        Window::new(parse_hhmm(a.trim())?, parse_hhmm(b.trim())?)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", hhmm(self.start), hhmm(self.end))
    }
}

fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn parse_hhmm(text: &str) -> Result<u16, WindowError> {
    let bad = || WindowError::BadTime {
        text: text.to_owned(),
    };
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// The windows worked on one day: sorted, non-overlapping (touching windows are
/// merged), possibly none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DayWindows(Vec<Window>);

impl DayWindows {
    /// A day without work.
    pub const NONE: DayWindows = DayWindows(Vec::new());

    /// Windows in order; overlapping or unordered windows are an error,
    /// touching ones (`09:00-12:00,12:00-13:00`) are merged.
    pub fn new(windows: impl IntoIterator<Item = Window>) -> Result<DayWindows, WindowError> {
        let mut out: Vec<Window> = Vec::new();
        for w in windows {
            match out.last_mut() {
                Some(last) if last.end == w.start => last.end = w.end,
                Some(last) if last.end > w.start => {
                    return Err(WindowError::Overlap {
                        first: last.to_string(),
                        second: w.to_string(),
                    });
                }
                _ => out.push(w),
            }
        }
        Ok(DayWindows(out))
    }
    /// `00:00-24:00`.
    pub fn all_day() -> DayWindows {
        DayWindows(vec![Window::ALL_DAY])
    }
    /// Parses `09:00-12:00,13:30-18:00`; `none` (or nothing) is a day without
    /// work. Spaces around items are allowed.
    pub fn parse(text: &str) -> Result<DayWindows, WindowError> {
        let text = text.trim();
        if text.is_empty() || text == "none" {
            return Ok(DayWindows::NONE);
        }
        let windows = text
            .split(',')
            .map(|w| Window::parse(w.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        DayWindows::new(windows)
    }
    pub fn windows(&self) -> &[Window] {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Total length in minutes.
    pub fn minutes(&self) -> u32 {
        self.0.iter().map(|w| u32::from(w.minutes())).sum()
    }
}

impl fmt::Display for DayWindows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        for (i, w) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{w}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for DayWindows {
    type Err = WindowError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DayWindows::parse(s)
    }
}

impl TryFrom<String> for DayWindows {
    type Error = WindowError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        DayWindows::parse(&s)
    }
}

impl From<DayWindows> for String {
    fn from(d: DayWindows) -> String {
        d.to_string()
    }
}

/// The windows of each weekday.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Week {
    pub monday: DayWindows,
    pub tuesday: DayWindows,
    pub wednesday: DayWindows,
    pub thursday: DayWindows,
    pub friday: DayWindows,
    pub saturday: DayWindows,
    pub sunday: DayWindows,
}

impl Week {
    /// Monday first.
    pub const DAYS: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// The same windows every day of the week.
    pub fn every_day(windows: DayWindows) -> Week {
        Week {
            monday: windows.clone(),
            tuesday: windows.clone(),
            wednesday: windows.clone(),
            thursday: windows.clone(),
            friday: windows.clone(),
            saturday: windows.clone(),
            sunday: windows,
        }
    }
    /// `windows` Monday to Friday, nothing at the weekend.
    pub fn monday_to_friday(windows: DayWindows) -> Week {
        Week {
            saturday: DayWindows::NONE,
            sunday: DayWindows::NONE,
            ..Week::every_day(windows)
        }
    }
    pub fn get(&self, day: Weekday) -> &DayWindows {
        match day {
            Weekday::Monday => &self.monday,
            Weekday::Tuesday => &self.tuesday,
            Weekday::Wednesday => &self.wednesday,
            Weekday::Thursday => &self.thursday,
            Weekday::Friday => &self.friday,
            Weekday::Saturday => &self.saturday,
            Weekday::Sunday => &self.sunday,
        }
    }
    pub fn set(&mut self, day: Weekday, windows: DayWindows) {
        let slot = match day {
            Weekday::Monday => &mut self.monday,
            Weekday::Tuesday => &mut self.tuesday,
            Weekday::Wednesday => &mut self.wednesday,
            Weekday::Thursday => &mut self.thursday,
            Weekday::Friday => &mut self.friday,
            Weekday::Saturday => &mut self.saturday,
            Weekday::Sunday => &mut self.sunday,
        };
        *slot = windows;
    }
    /// Total length of a week's windows in minutes.
    pub fn minutes(&self) -> u32 {
        Week::DAYS.iter().map(|d| self.get(*d).minutes()).sum()
    }
}
