//! Time rules shared by ingest, the aggregator and the analysts' SQL: which moment a
//! record happened, which window holds it, and the moment windows count it at (never
//! earlier than the allowed lateness before receipt, so no record is too late).

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
}

/// The moment a record counts for in the windows and daily health: its `event_time`,
/// but never older than `lateness` before ingest received it. A record whose own time
/// is older (an error queued for hours, a slow clock) counts at `received − lateness`
/// instead, and the second value says so. So every accepted record counts exactly once
/// in the windows users read, and a window stops changing once `lateness` has passed
/// since it closed: nothing received later can fall into it.
pub fn window_time(event_time: i64, received_at: DateTime<Utc>, lateness: Duration) -> (i64, bool) {
    let oldest = received_at.timestamp() - lateness.num_seconds().max(0);
    if event_time < oldest {
        (oldest, true)
    } else {
        (event_time, false)
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

    /// Defect (issue 16.13): a record received more than the lateness after its window
    /// closed counted in no window (most queued error events, every heartbeat of a site
    /// whose clock is 11 min slow). Now none is ever too late for its window.
    #[test]
    fn every_accepted_record_counts_in_a_window_still_open() {
        let lateness = Duration::seconds(7200);
        let received = at(1_795_957_855);
        let cases = [
            (1_795_957_855, (1_795_957_855, false)),
            (1_795_957_855 - 660, (1_795_957_855 - 660, false)),
            (1_795_957_855 - 7200, (1_795_957_855 - 7200, false)),
            (1_795_957_855 - 7201, (1_795_957_855 - 7200, true)),
            (0, (1_795_957_855 - 7200, true)),
        ];
        for (event, want) in cases {
            assert_eq!(window_time(event, received, lateness), want, "{event}");
            let (t, _) = want;
            for w in [
                Window::OneMinute,
                Window::FiveMinutes,
                Window::OneHour,
                Window::Day,
            ] {
                let window_end = w.start(t) + w.seconds();
                assert!(
                    received.timestamp() <= window_end + lateness.num_seconds(),
                    "{event} received after its {} window settled",
                    w.label()
                );
            }
        }
    }
}
