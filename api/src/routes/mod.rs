//! The route table: every endpoint with the least role it needs, in one place.

pub mod agents;
pub mod audit;
pub mod console;
pub mod installations;
pub mod merchants;
pub mod notifications;
pub mod preferences;
pub mod releases;
pub mod stats;
pub mod toggles;

use std::sync::Arc;

use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::routing::{get, patch, post, put};
use axum::{middleware, Router};
use store::agents::Role;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::require;
use crate::error::ApiError;
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Ops requests are small; anything larger is a mistake or an attack.
const BODY_LIMIT: usize = 64 * 1024;

fn with_role(
    routes: Router<Arc<AppState>>,
    state: &Arc<AppState>,
    role: Role,
) -> Router<Arc<AppState>> {
    routes.route_layer(middleware::from_fn_with_state(
        (state.clone(), role),
        require,
    ))
}

pub fn router(state: Arc<AppState>, cors_origins: &[String], hsts: bool) -> anyhow::Result<Router> {
    let viewer = Router::new()
        .route("/api/v1/auth/me", get(agents::me))
        .route("/api/v1/plugins/list", get(installations::list))
        .route("/api/v1/plugins/stats/overview", get(stats::overview))
        .route("/api/v1/plugins/stats/health/{id}", get(stats::health))
        .route("/api/v1/plugins/{id}", get(installations::detail))
        .route("/api/v1/releases", get(releases::list))
        .route("/api/v1/toggles", get(toggles::list))
        .route("/api/v1/notifications", get(notifications::list))
        .route("/api/v1/notifications/{id}", get(notifications::detail))
        .route("/api/v1/merchants", get(merchants::list))
        .route("/api/v1/merchants/{id}", get(merchants::detail))
        .route(
            "/api/v1/merchants/{id}/notification-preferences",
            get(preferences::get),
        )
        .route("/api/v1/audit", get(audit::query));
    let operator = Router::new()
        .route("/api/v1/plugins/{id}/toggle", post(installations::toggle))
        .route(
            "/api/v1/plugins/{id}/notify-upgrade",
            post(installations::notify_upgrade),
        )
        .route("/api/v1/toggles", post(toggles::create))
        .route("/api/v1/toggles/{id}/revoke", post(toggles::revoke))
        .route("/api/v1/notifications/{id}/ack", post(notifications::ack));
    let admin = Router::new()
        .route("/api/v1/releases", post(releases::publish))
        .route(
            "/api/v1/releases/{cms}/{version}/yank",
            post(releases::yank),
        )
        .route("/api/v1/merchants", post(merchants::create))
        .route("/api/v1/merchants/{id}/keys", post(merchants::create_key))
        .route(
            "/api/v1/merchants/{id}/notification-preferences",
            put(preferences::set),
        )
        .route("/api/v1/keys/{id}/revoke", post(merchants::revoke_key))
        .route("/api/v1/keys/{id}/rotate", post(merchants::rotate_key))
        .route("/api/v1/agents", get(agents::list).post(agents::create))
        .route("/api/v1/agents/{id}", patch(agents::update));
    let public = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/openapi.json", get(crate::openapi::document))
        .route(
            "/api/v1/notices/ack",
            get(preferences::ack_page).post(preferences::ack),
        )
        .merge(console::routes());

    let origins = cors_origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .map(|o| {
            HeaderValue::from_str(o)
                .map_err(|_| anyhow::anyhow!("API_CORS_ORIGINS: bad origin {o:?}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);

    let hsts = SetResponseHeaderLayer::if_not_present(
        header::STRICT_TRANSPORT_SECURITY,
        hsts.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains")),
    );
    Ok(with_role(viewer, &state, Role::Viewer)
        .merge(with_role(operator, &state, Role::Operator))
        .merge(with_role(admin, &state, Role::Admin))
        .merge(public)
        .fallback(|| async { ApiError::NotFound("route".into()) })
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(cors)
        .layer(hsts)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |req: &axum::http::Request<_>| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    // The path template, never the query (it may carry search text).
                    let route = req
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default();
                    tracing::info_span!("request", method = %req.method(), route, request_id = id)
                },
            ),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid)))
}
