//! Availability and free slots.

use chrono::{DateTime, NaiveTime, Timelike as _, Utc, Weekday};
use chrono_tz::Tz;
use medsync_core::error::Validator;
use medsync_core::ids::UserId;
use medsync_core::scheduling::{Availability, Slot, TimeOff, WeeklyRule};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;

/// A weekly opening in the doctor's local wall time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyRuleDto {
    /// Day of the week: `monday` … `sunday` (answers use these names; requests may also
    /// capitalise them or use the three-letter forms `mon` … `sun`).
    #[schema(value_type = WeekdayDto, example = "monday")]
    pub day: String,
    /// Local start, `HH:MM` (or `HH:MM:SS`), 24-hour clock.
    #[schema(
        pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        example = "09:00"
    )]
    pub start: String,
    /// Local end, `HH:MM` (or `HH:MM:SS`): after start (windows do not cross midnight), at
    /// least one slot long, and not overlapping another rule of the same day.
    #[schema(
        pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        example = "17:00"
    )]
    pub end: String,
}

/// A day of the week (`WeeklyRuleDto::day`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum WeekdayDto {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

/// A period the doctor is unavailable.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeOffDto {
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive), after `start`.
    pub end: DateTime<Utc>,
    /// Why, e.g. "conference".
    pub reason: Option<String>,
}

/// A doctor's availability as a caller sets it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityBody {
    /// Time zone of the weekly rules: a name from the IANA tz database, e.g.
    /// `America/New_York` (case-sensitive).
    #[schema(
        pattern = r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$",
        example = "America/New_York"
    )]
    pub timezone: String,
    /// Weekly openings (at most 50).
    #[schema(max_items = 50)]
    pub weekly: Vec<WeeklyRuleDto>,
    /// Slot length in minutes (5..=480).
    #[schema(minimum = 5, maximum = 480, example = 30)]
    pub slot_minutes: u32,
    /// Minutes kept free after each appointment (0..=240, default 0).
    #[serde(default)]
    #[schema(maximum = 240)]
    pub buffer_minutes: u32,
    /// Time off (at most 1000 periods).
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub exceptions: Vec<TimeOffDto>,
}

impl AvailabilityBody {
    /// The service's availability for `doctor`. Unparseable time zones, days and times
    /// answer 422 naming each field (`timezone`, `weekly[0].day`, `weekly[0].start`); the
    /// service validates the rest.
    pub fn into_core(self, doctor: UserId) -> Result<Availability, ApiError> {
        let mut v = Validator::new();
        let timezone = self.timezone.parse::<Tz>().ok();
        v.check(
            timezone.is_some(),
            "timezone",
            "must be an IANA time zone, e.g. America/New_York",
        );
        let mut weekly = Vec::with_capacity(self.weekly.len());
        for (i, r) in self.weekly.iter().enumerate() {
            let day = r.day.parse::<Weekday>().ok();
            v.check(
                day.is_some(),
                &format!("weekly[{i}].day"),
                "must be a day of the week, e.g. monday",
            );
            let start = parse_time(&r.start);
            v.check(
                start.is_some(),
                &format!("weekly[{i}].start"),
                "must be a time of day, HH:MM",
            );
            let end = parse_time(&r.end);
            v.check(
                end.is_some(),
                &format!("weekly[{i}].end"),
                "must be a time of day, HH:MM",
            );
            if let (Some(day), Some(start), Some(end)) = (day, start, end) {
                weekly.push(WeeklyRule { day, start, end });
            }
        }
        v.finish()?;
        Ok(Availability {
            doctor_id: doctor,
            timezone: timezone.unwrap_or(Tz::UTC),
            weekly,
            exceptions: self
                .exceptions
                .into_iter()
                .map(|x| TimeOff {
                    start: x.start,
                    end: x.end,
                    reason: x.reason,
                })
                .collect(),
            slot_minutes: self.slot_minutes,
            buffer_minutes: self.buffer_minutes,
        })
    }
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s.trim(), "%H:%M:%S"))
        .ok()
}

fn format_time(t: NaiveTime) -> String {
    if t.second() == 0 {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S").to_string()
    }
}

fn day_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// A doctor's availability.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AvailabilityDto {
    /// The doctor's user id.
    pub doctor_id: Uuid,
    /// IANA time zone of the weekly rules.
    pub timezone: String,
    /// Weekly openings.
    pub weekly: Vec<WeeklyRuleDto>,
    /// Slot length in minutes.
    pub slot_minutes: u32,
    /// Minutes kept free after each appointment.
    pub buffer_minutes: u32,
    /// Time off.
    pub exceptions: Vec<TimeOffDto>,
}

impl From<Availability> for AvailabilityDto {
    fn from(a: Availability) -> Self {
        Self {
            doctor_id: a.doctor_id.0,
            timezone: a.timezone.name().to_owned(),
            weekly: a
                .weekly
                .into_iter()
                .map(|r| WeeklyRuleDto {
                    day: day_name(r.day).to_owned(),
                    start: format_time(r.start),
                    end: format_time(r.end),
                })
                .collect(),
            slot_minutes: a.slot_minutes,
            buffer_minutes: a.buffer_minutes,
            exceptions: a
                .exceptions
                .into_iter()
                .map(|x| TimeOffDto {
                    start: x.start,
                    end: x.end,
                    reason: x.reason,
                })
                .collect(),
        }
    }
}

/// A free, bookable interval.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct SlotDto {
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
}

impl From<Slot> for SlotDto {
    fn from(s: Slot) -> Self {
        Self {
            start: s.start,
            end: s.end,
        }
    }
}

/// The range to search for free slots (at most 31 days by default; the embedder may
/// configure another limit).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotQuery {
    /// Range start (RFC 3339).
    #[param(example = "2030-01-07T00:00:00Z")]
    pub from: DateTime<Utc>,
    /// Range end (RFC 3339): after `from`, at most 31 days later by default.
    #[param(example = "2030-01-14T00:00:00Z")]
    pub to: DateTime<Utc>,
}

/// Paging of the doctor list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DoctorQuery {
    /// Rows to skip (default 0).
    pub offset: Option<u64>,
    /// Page size (default 50); larger values are treated as 500, and 0 as 1.
    pub limit: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(tz: &str, day: &str, start: &str) -> AvailabilityBody {
        AvailabilityBody {
            timezone: tz.into(),
            weekly: vec![WeeklyRuleDto {
                day: day.into(),
                start: start.into(),
                end: "17:00".into(),
            }],
            slot_minutes: 30,
            buffer_minutes: 0,
            exceptions: vec![],
        }
    }

    #[test]
    fn parses_and_round_trips() {
        let doctor = UserId(Uuid::nil());
        let a = body("America/New_York", "Monday", "09:00")
            .into_core(doctor)
            .unwrap();
        assert_eq!(a.weekly[0].day, Weekday::Mon);
        let dto = AvailabilityDto::from(a);
        assert_eq!(dto.timezone, "America/New_York");
        assert_eq!(dto.weekly[0].day, "monday");
        assert_eq!(dto.weekly[0].start, "09:00");
    }

    /// The shape documented for `timezone` (`^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$`) admits
    /// every zone the server knows.
    #[test]
    fn every_zone_fits_the_documented_pattern() {
        for tz in chrono_tz::TZ_VARIANTS {
            let name = tz.name();
            assert!(
                name.split('/').all(|part| !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c))),
                "{name}"
            );
        }
    }

    /// The documented day names and `HH:MM` times parse.
    #[test]
    fn documented_forms_parse() {
        for day in [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ] {
            let a = body("UTC", day, "00:00")
                .into_core(UserId(Uuid::nil()))
                .unwrap();
            assert_eq!(day_name(a.weekly[0].day), day);
        }
        for lenient in ["Monday", "MON", "mon"] {
            let a = body("UTC", lenient, "00:00")
                .into_core(UserId(Uuid::nil()))
                .unwrap();
            assert_eq!(a.weekly[0].day, Weekday::Mon, "{lenient}");
        }
        for t in ["00:00", "09:30", "23:59", "07:15:30"] {
            assert!(parse_time(t).is_some(), "{t}");
        }
    }

    #[test]
    fn names_every_bad_field() {
        let err = body("Mars/Olympus", "funday", "9am")
            .into_core(UserId(Uuid::nil()))
            .unwrap_err()
            .problem();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["timezone", "weekly[0].day", "weekly[0].start"]);
    }
}
