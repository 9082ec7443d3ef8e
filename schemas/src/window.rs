//! Time rules shared by ingest, the aggregator and the analysts' SQL: which moment a
//! record counts for, which window holds it, and when it is too late for its window.

use chrono::{DateTime, Duration, Utc};

/// How far in the past a plugin's clock may claim a record happened (a queued
/// heartbeat sent after an outage, a slow clock).
pub const MAX_CLOCK_PAST_SECS: i64 = 24 * 3600;
/// How far in the future it may claim: clocks that run fast are clamped to nearly now.
pub const MAX_CLOCK_FUTURE_SECS: i64 = 120;

/// The moment a record counts for: the plugin's `sent_at` (or `occurred_at`) clamped
/// to [received_at − 24 h, received_at + 2 min], whole seconds. Without a plugin time,
/// ingest's receipt time. Deterministic in the record, so replays land identically.
pub fn event_time(plugin_time: Option<DateTime<Utc>>, received_at: DateTime<Utc>) -> i64 {
    let received = received_at.timestamp();
    match plugin_time {
        None => received,
        Some(t) => t.timestamp().clamp(
            received - MAX_CLOCK_PAST_SECS,
            received + MAX_CLOCK_FUTURE_SECS,
        ),
    }
}

/// Tumbling window sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    OneMinute,
    FiveMinutes,
    OneHour,
    Day,
}

impl Window {
    pub fn seconds(self) -> i64 {
        match self {
            Window::OneMinute => 60,
            Window::FiveMinutes => 300,
            Window::OneHour => 3600,
            Window::Day => 86_400,
        }
    }

    /// Short label for metrics and logs.
    pub fn label(self) -> &'static str {
        match self {
            Window::OneMinute => "1m",
            Window::FiveMinutes => "5m",
            Window::OneHour => "1h",
            Window::Day => "1d",
        }
    }

    /// Start (unix seconds) of the window holding `t`.
    pub fn start(self, t: i64) -> i64 {
        t - t.rem_euclid(self.seconds())
    }

    /// A record is late for its window when ingest received it more than `lateness`
    /// after the window closed. Late records are kept raw but never change a window,
    /// so a published window only changes within its lateness.
    pub fn is_late(self, event_time: i64, received_at: DateTime<Utc>, lateness: Duration) -> bool {
        let window_end = self.start(event_time) + self.seconds();
        received_at.timestamp_millis() > window_end * 1000 + lateness.num_milliseconds()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).single().expect("valid")
    }

    #[test]
    fn plugin_clocks_are_clamped_around_receipt() {
        let received = at(1_000_000);
        let cases = [
            (None, 1_000_000),
            (Some(at(999_000)), 999_000),
            (Some(at(1_000_100)), 1_000_100),
            (Some(at(1_000_121)), 1_000_120),
            (Some(at(1_000_000 - 90_000)), 1_000_000 - 86_400),
            (Some(at(0)), 1_000_000 - 86_400),
        ];
        for (sent, want) in cases {
            assert_eq!(event_time(sent, received), want, "{sent:?}");
        }
    }

    #[test]
    fn windows_tumble_on_their_size() {
        let t = 1_795_957_855; // 2026-11-29 13:10:55 UTC
        assert_eq!(Window::OneMinute.start(t), 1_795_957_800);
        assert_eq!(Window::FiveMinutes.start(t), 1_795_957_800);
        assert_eq!(Window::OneHour.start(t), 1_795_957_200);
        assert_eq!(Window::Day.start(t), 1_795_910_400);
        assert_eq!(Window::OneMinute.start(-1), -60);
    }

    #[test]
    fn lateness_is_measured_from_the_window_end_to_receipt() {
        let lateness = Duration::seconds(600);
        let t = 1_795_957_855; // its 1 min window ends at ..7860
        let cases = [
            (1_795_957_860 + 600, false),
            (1_795_957_860 + 601, true),
            (1_795_957_856, false),
        ];
        for (received, late) in cases {
            assert_eq!(
                Window::OneMinute.is_late(t, at(received), lateness),
                late,
                "{received}"
            );
        }
        // The same record is on time for its hour.
        assert!(!Window::OneHour.is_late(t, at(1_795_957_860 + 601), lateness));
    }
}
