//! Merchants' notification preferences (admin writes; secrets are sealed before they
//! are stored and never shown again) and the public acknowledgement link of e-mails.

use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form, Json};
use serde::Deserialize;
use store::notifications::{Channel, Preferences, PreferencesUpdate};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{parse_id, ApiError, Body, Params};
use crate::state::AppState;
// The API's own type; `Preferences` alone is the store row it is made from.
use crate::views::preferences as view;

/// A merchant's notification preferences.
#[utoipa::path(get, path = "/api/v1/merchants/{id}/notification-preferences", tag = "merchants",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = view::Preferences), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    Path(raw_id): Path<String>,
) -> Result<Json<view::Preferences>, ApiError> {
    let id = parse_id(&raw_id, "merchant")?;
    store::merchants::get(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("merchant {id}")))?;
    let preferences = store::notifications::preferences(&state.pool, id).await?;
    Ok(Json(preferences.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// Local hour (0-23) from which non-critical notices wait…
    pub start: i16,
    /// …until this local hour.
    pub end: i16,
}

/// The whole set of preferences. A secret left out keeps the stored one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPreferences {
    /// Among in_app, email, webhook, slack, sms; in_app is always added.
    pub channels: Vec<String>,
    pub quiet_hours: Option<QuietHours>,
    /// IANA time zone of the merchant (quiet hours are in it), e.g. Europe/Paris.
    pub timezone: Option<String>,
    pub webhook_url: Option<String>,
    /// Signing secret for the webhook (16 characters or more).
    pub webhook_secret: Option<String>,
    pub slack_webhook_url: Option<String>,
    /// E.164, e.g. +33612345678.
    pub sms_phone: Option<String>,
    #[serde(default = "yes")]
    pub escalate: bool,
}

fn yes() -> bool {
    true
}

/// A merchant's webhook or Slack URL as `policy::outbound` accepts it (https, no
/// credentials, no internal address; Slack on Slack's host).
fn endpoint_url(
    state: &AppState,
    url: &str,
    field: &str,
    target: policy::outbound::Target,
) -> Result<(), ApiError> {
    state
        .outbound
        .url(url, target)
        .map(|_| ())
        .map_err(|r| ApiError::invalid(field, format!("{field}: {r}")))
}

/// Replaces a merchant's notification preferences.
#[utoipa::path(put, path = "/api/v1/merchants/{id}/notification-preferences", tag = "merchants",
    params(("id" = Uuid, Path)), request_body = SetPreferences,
    responses((status = 200, body = view::Preferences), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn set(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    Body(b): Body<SetPreferences>,
) -> Result<Json<view::Preferences>, ApiError> {
    let id = parse_id(&raw_id, "merchant")?;
    store::merchants::get(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("merchant {id}")))?;
    let current: Preferences = store::notifications::preferences(&state.pool, id).await?;
    let mut channels = b.channels.clone();
    if let Some(Err(unknown)) = channels
        .iter()
        .map(|c| c.parse::<Channel>())
        .find(Result::is_err)
    {
        return Err(ApiError::invalid("channels", unknown.to_string()));
    }
    channels.push("in_app".into());
    channels.sort();
    channels.dedup();
    let wants = |c: &str| channels.iter().any(|x| x == c);
    let quiet_hours = match &b.quiet_hours {
        Some(q) if (0..24).contains(&q.start) && (0..24).contains(&q.end) && q.start != q.end => {
            Some((q.start, q.end))
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "quiet_hours",
                "quiet hours are two different hours 0-23",
            ))
        }
        None => None,
    };
    if let Some(tz) = &b.timezone {
        if !store::notifications::valid_timezone(&state.pool, tz).await? {
            return Err(ApiError::invalid(
                "timezone",
                format!("{tz:?} is not an IANA time zone"),
            ));
        }
    }
    if let Some(u) = &b.webhook_url {
        endpoint_url(&state, u, "webhook_url", policy::outbound::Target::Webhook)?;
    }
    if let Some(u) = &b.slack_webhook_url {
        endpoint_url(
            &state,
            u,
            "slack_webhook_url",
            policy::outbound::Target::Slack,
        )?;
    }
    if let Some(p) = &b.sms_phone {
        let ok = p.len() >= 8
            && p.len() <= 16
            && p.starts_with('+')
            && p[1..].chars().all(|c| c.is_ascii_digit())
            && !p[1..].starts_with('0');
        if !ok {
            return Err(ApiError::invalid(
                "sms_phone",
                "sms_phone must be E.164, e.g. +33612345678",
            ));
        }
    }
    if b.webhook_secret.as_deref().is_some_and(|s| s.len() < 16) {
        return Err(ApiError::invalid(
            "webhook_secret",
            "webhook_secret must be at least 16 characters",
        ));
    }
    if wants("webhook")
        && (b.webhook_url.is_none() || (b.webhook_secret.is_none() && !current.webhook_secret_set))
    {
        return Err(ApiError::invalid(
            "webhook_url",
            "the webhook channel needs webhook_url and webhook_secret",
        ));
    }
    if wants("slack") && b.slack_webhook_url.is_none() && !current.slack_webhook_set {
        return Err(ApiError::invalid(
            "slack_webhook_url",
            "the slack channel needs slack_webhook_url",
        ));
    }
    if wants("sms") && b.sms_phone.is_none() {
        return Err(ApiError::invalid(
            "sms_phone",
            "the sms channel needs sms_phone",
        ));
    }
    let seal = |secret: &Option<String>| -> Result<Option<Vec<u8>>, ApiError> {
        match secret {
            None => Ok(None),
            Some(s) => match &state.secrets {
                Some(b) => Ok(Some(b.seal(s))),
                None => Err(ApiError::Conflict {
                    code: "secrets_key_missing",
                    message:
                        "this server has no NOTIFICATION_SECRETS_KEY_FILE; secrets cannot be stored"
                            .into(),
                }),
            },
        }
    };
    let update = PreferencesUpdate {
        channels,
        quiet_hours,
        timezone: b.timezone.clone(),
        webhook_url: b.webhook_url.clone(),
        webhook_secret_sealed: seal(&b.webhook_secret)?,
        slack_url_sealed: seal(&b.slack_webhook_url)?,
        sms_phone: b.sms_phone.clone(),
        escalate: b.escalate,
    };
    store::notifications::set_preferences(&state.pool, id, &update, &caller.actor()).await?;
    let preferences = store::notifications::preferences(&state.pool, id).await?;
    Ok(Json(preferences.into()))
}

#[derive(Debug, Deserialize)]
pub struct AckToken {
    pub token: String,
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    );
    let mut r = (status, html).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; form-action 'self'; frame-ancestors 'none'"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

fn token_ok(t: &str) -> bool {
    t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit())
}

/// The page for a token that is malformed or names no notice.
fn link_not_valid() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Link not valid",
        "<p>This link is not valid.</p>",
    )
}

/// The e-mail's link: a confirmation page (link scanners that follow links must not
/// acknowledge on the merchant's behalf, so the acknowledgement itself is a POST).
pub async fn ack_page(Params(q): Params<AckToken>) -> Response {
    if !token_ok(&q.token) {
        return link_not_valid();
    }
    page(
        StatusCode::OK,
        "Upgrade notice",
        &format!(
            "<form method=\"post\" action=\"/api/v1/notices/ack\"><input type=\"hidden\" name=\"token\" value=\"{}\"><button type=\"submit\">I have seen this notice</button></form>",
            q.token
        ),
    )
}

/// The acknowledgement itself. Public (the merchant follows a link from an e-mail), so
/// each address gets a few tries per minute (`API_ACK_LINKS_PER_ADDRESS`): tokens cannot
/// be guessed, and guessing costs the guesser, not the database.
pub async fn ack(
    State(state): State<Arc<AppState>>,
    ConnectInfo(runtime::serve::Peer(peer)): ConnectInfo<runtime::serve::Peer>,
    headers: axum::http::HeaderMap,
    Form(f): Form<AckToken>,
) -> Result<Response, ApiError> {
    let source = state.trusted_proxies.client(peer.ip(), &headers);
    state
        .ack_link_limits
        .take(source, state.ack_link_limit, std::time::Instant::now())
        .map_err(|l| ApiError::RateLimited {
            retry_after_secs: l.retry_after_secs(),
        })?;
    if !token_ok(&f.token) {
        return Ok(link_not_valid());
    }
    use store::notifications::TokenAck;
    Ok(
        match store::notifications::acknowledge_by_token(&state.pool, &f.token).await? {
            TokenAck::Acknowledged => page(
                StatusCode::OK,
                "Thank you",
                "<p>We will not remind you of this update again.</p>",
            ),
            TokenAck::AlreadyAcknowledged => page(
                StatusCode::OK,
                "Already noted",
                "<p>This notice was already acknowledged.</p>",
            ),
            TokenAck::Expired => page(
                StatusCode::GONE,
                "Link expired",
                "<p>This link has expired. The notice is still shown in your plugin's settings.</p>",
            ),
            TokenAck::Unknown => link_not_valid(),
        },
    )
}
