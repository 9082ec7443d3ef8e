//! The ClickHouse writer: raw rows (`raw`) and the window parts the views add up
//! (`windows`), in RowBinary, one INSERT per table and batch.

pub mod raw;
pub mod windows;

use clickhouse::{Client, Row};
use serde::Serialize;

/// ClickHouse `DateTime`: unix seconds as UInt32, so moments before 1970 or after 2106
/// are clamped to the ends of that range rather than wrapped.
pub fn datetime(unix_seconds: i64) -> u32 {
    unix_seconds.clamp(0, i64::from(u32::MAX)) as u32
}

/// ClickHouse `Date`: days since 1970-01-01 as UInt16 (clamped like `datetime`).
pub fn date(unix_seconds: i64) -> u16 {
    unix_seconds
        .div_euclid(86_400)
        .clamp(0, i64::from(u16::MAX)) as u16
}

/// Inserts rows into `table`; returns only after ClickHouse acknowledged the INSERT.
pub async fn insert<R: Row + Serialize>(
    client: &Client,
    table: &str,
    rows: &[R],
) -> clickhouse::error::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut insert = client.insert::<R>(table)?;
    for row in rows {
        insert.write(row).await?;
    }
    insert.end().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_outside_the_column_ranges_clamp_to_their_ends() {
        let cases = [
            (-1, 0, 0),
            (0, 0, 0),
            (86_399, 86_399, 0),
            (86_400, 86_400, 1),
            (1_795_957_855, 1_795_957_855, 20_786),
            (i64::from(u32::MAX) + 1, u32::MAX, 49_710),
            (i64::MAX, u32::MAX, u16::MAX),
        ];
        for (t, want_datetime, want_date) in cases {
            assert_eq!((datetime(t), date(t)), (want_datetime, want_date), "{t}");
        }
    }
}
