//! `ptctl version …`, `ptctl toggle …` and `ptctl agent …`: the registry and toggles from a terminal,
//! through the same audited library functions the Ops API uses. The actor recorded in
//! the audit log is `cli:<$USER>`.

use chrono::{Duration, Utc};
use clap::{Subcommand, ValueEnum};
use policy::advice::Channel;
use sqlx::PgPool;
use store::audit::Actor;
use store::registry::NewRelease;
use store::toggles::{NewToggle, ScopeSpec};
use uuid::Uuid;

fn actor() -> Actor {
    Actor::new(format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    ))
}

#[derive(Subcommand)]
pub enum VersionCommand {
    /// Publish a release.
    Publish {
        #[arg(long)]
        cms: String,
        #[arg(long)]
        version: String,
        #[arg(long, value_enum, default_value = "stable")]
        channel: ChannelArg,
        /// Versions below this are unsupported (installations below it get critical advice).
        #[arg(long)]
        min_supported: Option<String>,
        /// The release fixes a security issue (skipping it makes an upgrade critical).
        #[arg(long)]
        security_fix: bool,
        #[arg(long)]
        min_runtime: Option<String>,
        #[arg(long)]
        min_cms: Option<String>,
        #[arg(long)]
        tested_up_to: Option<String>,
        #[arg(long, default_value = "")]
        changelog: String,
        #[arg(long)]
        package_url: Option<String>,
    },
    /// Withdraw a release.
    Yank {
        #[arg(long)]
        cms: String,
        #[arg(long)]
        version: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ChannelArg {
    Stable,
    Beta,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ScopeArg {
    Installation,
    Merchant,
    Cms,
    Global,
}

#[derive(Subcommand)]
pub enum ToggleCommand {
    /// Set a toggle (block_plugin, force_update, enable_debug or a custom key).
    Set {
        #[arg(long)]
        key: String,
        /// A JSON value: true, false, 10, "text", {"per_minute": 10}.
        #[arg(long, default_value = "true")]
        value: String,
        #[arg(long, value_enum)]
        scope: ScopeArg,
        #[arg(long)]
        installation: Option<Uuid>,
        #[arg(long)]
        merchant: Option<Uuid>,
        #[arg(long)]
        cms: Option<String>,
        /// A semver range within the CMS: ">=1.2.0, <1.3.0".
        #[arg(long)]
        versions: Option<String>,
        #[arg(long)]
        reason: String,
        /// Hours until it expires (required for block_plugin, enable_debug and poll_interval_secs).
        #[arg(long)]
        expires_in_hours: Option<i64>,
        /// Print how many installations and merchants it would reach, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Longest block or debug switch allowed.
        #[arg(long, env = "TOGGLE_MAX_DURATION_HOURS", default_value_t = 720)]
        max_duration_hours: i64,
    },
    /// Revoke a toggle by id.
    Revoke {
        #[arg(long)]
        id: Uuid,
        #[arg(long)]
        reason: String,
    },
}

pub async fn version(pool: &PgPool, cmd: VersionCommand) -> anyhow::Result<()> {
    match cmd {
        VersionCommand::Publish {
            cms,
            version,
            channel,
            min_supported,
            security_fix,
            min_runtime,
            min_cms,
            tested_up_to,
            changelog,
            package_url,
        } => {
            let release = NewRelease {
                cms,
                version,
                channel: match channel {
                    ChannelArg::Stable => Channel::Stable,
                    ChannelArg::Beta => Channel::Beta,
                },
                min_supported_version: min_supported,
                security_fix,
                min_runtime_version: min_runtime,
                min_cms_version: min_cms,
                tested_up_to,
                changelog,
                package_url,
            };
            let id = store::registry::publish(pool, &release, &actor()).await?;
            println!("published {} {} ({id})", release.cms, release.version);
        }
        VersionCommand::Yank {
            cms,
            version,
            reason,
        } => {
            store::registry::yank(pool, &cms, &version, &reason, &actor()).await?;
            println!("yanked {cms} {version}");
        }
    }
    Ok(())
}

pub async fn toggle(pool: &PgPool, cmd: ToggleCommand) -> anyhow::Result<()> {
    match cmd {
        ToggleCommand::Set {
            key,
            value,
            scope,
            installation,
            merchant,
            cms,
            versions,
            reason,
            expires_in_hours,
            dry_run,
            max_duration_hours,
        } => {
            let need = |v: Option<Uuid>, what: &str| {
                v.ok_or_else(|| anyhow::anyhow!("--{what} is required for this scope"))
            };
            let scope = match scope {
                ScopeArg::Installation => {
                    ScopeSpec::Installation(need(installation, "installation")?)
                }
                ScopeArg::Merchant => ScopeSpec::Merchant(need(merchant, "merchant")?),
                ScopeArg::Cms => ScopeSpec::Cms {
                    cms: cms.ok_or_else(|| anyhow::anyhow!("--cms is required for this scope"))?,
                    version_range: versions,
                },
                ScopeArg::Global => ScopeSpec::Global,
            };
            let radius = store::toggles::blast_radius(pool, &scope).await?;
            println!(
                "reaches {} installation(s) of {} merchant(s)",
                radius.installations, radius.merchants
            );
            if dry_run {
                return Ok(());
            }
            let toggle = NewToggle {
                key,
                value: serde_json::from_str(&value).map_err(|e| {
                    anyhow::anyhow!("--value must be JSON (true, 10, \"text\"): {e}")
                })?,
                scope,
                reason,
                expires_at: expires_in_hours.map(|h| Utc::now() + Duration::hours(h)),
            };
            let id = store::toggles::create(
                pool,
                &toggle,
                &actor(),
                Duration::hours(max_duration_hours),
            )
            .await?;
            println!("{id}");
        }
        ToggleCommand::Revoke { id, reason } => {
            store::toggles::revoke(pool, id, &reason, &actor()).await?;
            println!("revoked {id}");
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum AgentCommand {
    /// Create an ops agent; prints its token once (stored only as a hash).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Viewer,
    Operator,
    Admin,
}

pub async fn agent(pool: &PgPool, cmd: AgentCommand) -> anyhow::Result<()> {
    match cmd {
        AgentCommand::Create { name, role } => {
            let role = match role {
                RoleArg::Viewer => store::agents::Role::Viewer,
                RoleArg::Operator => store::agents::Role::Operator,
                RoleArg::Admin => store::agents::Role::Admin,
            };
            let (agent, token) = store::agents::create(pool, &name, role, &actor()).await?;
            eprintln!(
                "agent {} ({}) created; its token, shown once:",
                agent.name, agent.role
            );
            println!("{token}");
        }
    }
    Ok(())
}
