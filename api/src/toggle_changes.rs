//! Creating a toggle once a route has parsed it: both toggle endpoints (one
//! installation's, and any scope's) hand off here, so they validate, preview and write
//! alike.

use chrono::Utc;
use store::toggles::{NewToggle, ScopeSpec, ToggleError};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::views::toggles::ToggleCreated;

pub fn toggle_error(e: ToggleError) -> ApiError {
    match e {
        ToggleError::Invalid(m) => ApiError::Invalid {
            field: None,
            message: m,
        },
        ToggleError::UnknownInstallation(id) => ApiError::NotFound(format!("installation {id}")),
        ToggleError::NotFound(id) => ApiError::NotFound(format!("active toggle {id}")),
        ToggleError::Database(e) => e.into(),
    }
}

/// Validates, reports the blast radius, and (unless a dry run) writes the toggle and
/// its audit row.
pub async fn create_toggle(
    state: &AppState,
    caller: &Caller,
    t: NewToggle,
    dry_run: bool,
) -> Result<ToggleCreated, ApiError> {
    if let ScopeSpec::Merchant(m) = &t.scope {
        store::merchants::get(&state.pool, *m)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("merchant {m}")))?;
    }
    // Validate before the dry run answers, so a preview never promises what create refuses.
    policy::toggles::validate(
        &t.key,
        &t.value,
        &t.reason,
        t.expires_at,
        Utc::now(),
        state.toggle_max_duration,
    )
    .map_err(|m| ApiError::Invalid {
        field: None,
        message: m,
    })?;
    let blast_radius = store::toggles::blast_radius(&state.pool, &t.scope)
        .await
        .map_err(toggle_error)?
        .into();
    if dry_run {
        return Ok(ToggleCreated {
            toggle_id: None,
            dry_run: true,
            blast_radius,
        });
    }
    let id = store::toggles::create(&state.pool, &t, &caller.actor(), state.toggle_max_duration)
        .await
        .map_err(toggle_error)?;
    Ok(ToggleCreated {
        toggle_id: Some(id),
        dry_run: false,
        blast_radius,
    })
}
