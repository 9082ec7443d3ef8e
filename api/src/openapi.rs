//! The OpenAPI 3.1 document, generated from the handlers' annotations and the types
//! they exchange, served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    agents, audit, installations, merchants, notifications, preferences, releases, stats, toggles,
};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = doc.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Plugin telemetry Ops API",
        description = "Installations, stats, toggles, the version registry, notices, merchants, \
            keys, agents and the audit log. Bearer tokens of ops agents; roles viewer < operator < admin \
            (reads need viewer; toggles and notices operator; registry, merchants, keys, agents admin). \
            Errors are application/problem+json with a stable `code`."
    ),
    modifiers(&BearerAuth),
    paths(
        installations::list, installations::detail, installations::toggle, installations::notify_upgrade,
        stats::overview, stats::health,
        releases::list, releases::publish, releases::yank,
        toggles::list, toggles::create, toggles::revoke,
        notifications::list, notifications::detail, notifications::ack,
        merchants::list, merchants::detail, merchants::create, merchants::create_key,
        merchants::revoke_key, merchants::rotate_key, preferences::get, preferences::set,
        agents::me, agents::list, agents::create, agents::update,
        audit::query,
    ),
    components(schemas(crate::error::Problem))
)]
pub struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_is_openapi_3_1_with_every_route() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in [
            "/api/v1/plugins/list",
            "/api/v1/plugins/{id}",
            "/api/v1/plugins/{id}/toggle",
            "/api/v1/plugins/{id}/notify-upgrade",
            "/api/v1/plugins/stats/overview",
            "/api/v1/plugins/stats/health/{id}",
            "/api/v1/audit",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} missing");
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    }
}
