//! The channels a notice is delivered on: the one list of names the API validates
//! against, the outbox stores (`notification_deliveries.channel`,
//! `notification_preferences.channels`, both `text` with a CHECK listing the same
//! names) and the alerter dispatches on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};

/// A delivery channel. Serialised (JSON) and stored (PostgreSQL `text`) as its
/// snake_case name, the same bytes the former string constants had.
///
/// Deliberately not `Ord`: the database orders channels by name (`ORDER BY channel`),
/// a derived order would follow the declaration instead and disagree with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Returned to the plugin in heartbeat answers and acknowledged back.
    InApp,
    Email,
    Webhook,
    Slack,
    Sms,
}

impl Channel {
    /// Every channel, in the order error messages list them.
    pub const ALL: [Channel; 5] = [
        Channel::InApp,
        Channel::Email,
        Channel::Webhook,
        Channel::Slack,
        Channel::Sms,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::InApp => "in_app",
            Channel::Email => "email",
            Channel::Webhook => "webhook",
            Channel::Slack => "slack",
            Channel::Sms => "sms",
        }
    }

    /// Whether the alerter's dispatcher sends on this channel. In-app needs no sending:
    /// its delivery is written delivered with the notice and ingest serves it in
    /// heartbeat answers.
    pub const fn is_dispatched(self) -> bool {
        !matches!(self, Channel::InApp)
    }

    /// The channels the dispatcher sends on.
    pub fn dispatched() -> impl Iterator<Item = Channel> {
        Channel::ALL.into_iter().filter(|c| c.is_dispatched())
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no channel. The message lists the valid names, so an API client
/// (which receives it as is) learns what to send instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel {name:?}: {}", valid_names())]
pub struct UnknownChannel {
    pub name: String,
}

fn valid_names() -> String {
    Channel::ALL.map(Channel::as_str).join(", ")
}

impl FromStr for Channel {
    type Err = UnknownChannel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownChannel { name: s.to_owned() })
    }
}

// Mapped by hand onto `text` (rather than `#[derive(sqlx::Type)]` with
// `type_name = "text"`): the derive declares the type by name, which makes sqlx look
// its OID up in the catalog on every new connection, while delegating to `str` binds
// as TEXT / TEXT[] directly and decodes from any text-like column.
impl Type<Postgres> for Channel {
    fn type_info() -> PgTypeInfo {
        <str as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <str as Type<Postgres>>::compatible(ty)
    }
}

impl PgHasArrayType for Channel {
    fn array_type_info() -> PgTypeInfo {
        <&str as PgHasArrayType>::array_type_info()
    }

    fn array_compatible(ty: &PgTypeInfo) -> bool {
        <&str as PgHasArrayType>::array_compatible(ty)
    }
}

impl Encode<'_, Postgres> for Channel {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <&str as Encode<Postgres>>::encode(self.as_str(), buf)
    }
}

impl<'r> Decode<'r, Postgres> for Channel {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(<&str as Decode<Postgres>>::decode(value)?.parse()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_round_trips_through_its_name() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(c));
            assert_eq!(c.to_string(), c.as_str());
        }
    }

    #[test]
    fn every_channel_round_trips_through_json_as_its_name() {
        for c in Channel::ALL {
            let json = serde_json::to_string(&c).expect("a channel serialises");
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Channel>(&json).ok(), Some(c));
        }
        // A list, as preferences carry it: the same bytes as a list of strings.
        assert_eq!(
            serde_json::to_string(&[Channel::InApp, Channel::Email]).ok(),
            serde_json::to_string(&["in_app", "email"]).ok()
        );
    }

    #[test]
    fn the_names_are_those_the_schema_allows() {
        // migrations/postgres/0004_agents_notifications.sql, both CHECKs.
        assert_eq!(
            Channel::ALL.map(Channel::as_str),
            ["in_app", "email", "webhook", "slack", "sms"]
        );
    }

    #[test]
    fn an_unknown_name_is_refused_with_the_valid_ones() {
        let e = "pigeon".parse::<Channel>().expect_err("no such channel");
        assert_eq!(e.name, "pigeon");
        // The API returns this message as is (same text as before the enum existed).
        assert_eq!(
            e.to_string(),
            r#"unknown channel "pigeon": in_app, email, webhook, slack, sms"#
        );
        // Names are exact: no case folding, no trimming.
        for near in ["Email", " email", "in-app", "inapp", ""] {
            assert!(near.parse::<Channel>().is_err(), "{near:?}");
        }
        assert!(serde_json::from_str::<Channel>("\"pigeon\"").is_err());
    }

    #[test]
    fn only_in_app_is_not_dispatched() {
        assert_eq!(
            Channel::dispatched().collect::<Vec<_>>(),
            [
                Channel::Email,
                Channel::Webhook,
                Channel::Slack,
                Channel::Sms
            ]
        );
        assert!(!Channel::InApp.is_dispatched());
    }
}
