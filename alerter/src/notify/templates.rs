//! Notice texts, per locale (en, fr) and channel, as handlebars templates: built in
//! (`alerter/templates/`), or overridden from `NOTIFY_TEMPLATES_DIR`. Strict mode, and
//! every template is rendered once at startup with a complete context, so a template
//! naming a variable that does not exist stops the alerter at startup, not at send time.

use std::path::Path;

use handlebars::Handlebars;
use serde::Serialize;

pub const LOCALES: [&str; 2] = ["en", "fr"];
/// Template names, per locale.
const NAMES: [&str; 5] = ["email.subject", "email.text", "email.html", "sms", "slack"];

macro_rules! builtin {
    ($locale:literal) => {
        [
            include_str!(concat!("../../templates/", $locale, "/email.subject.hbs")),
            include_str!(concat!("../../templates/", $locale, "/email.text.hbs")),
            include_str!(concat!("../../templates/", $locale, "/email.html.hbs")),
            include_str!(concat!("../../templates/", $locale, "/sms.hbs")),
            include_str!(concat!("../../templates/", $locale, "/slack.hbs")),
        ]
    };
}

/// What every template may use. Adding a field here is the only way to offer a new
/// variable; a template that names anything else fails the startup check.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeContext {
    pub merchant_name: String,
    pub site: String,
    pub cms: String,
    pub from_version: String,
    pub to_version: String,
    pub upgrade_type: String,
    pub upgrade_type_label: String,
    pub priority: String,
    pub priority_label: String,
    pub critical: bool,
    pub message: Option<String>,
    pub ack_url: String,
    /// The delivery's idempotency id.
    pub reference: String,
    pub reference_short: String,
}

/// Words of a locale for the upgrade type and priority.
pub fn labels(locale: &str, upgrade_type: &str, priority: &str) -> (String, String) {
    let fr = locale == "fr";
    let t = match (upgrade_type, fr) {
        ("major", false) => "Major",
        ("minor", false) => "Minor",
        ("patch", false) => "Patch",
        ("major", true) => "majeure",
        ("minor", true) => "mineure",
        ("patch", true) => "corrective",
        (other, _) => other,
    };
    let p = match (priority, fr) {
        ("critical", false) => "CRITICAL",
        ("high", false) => "High",
        ("normal", false) => "Normal",
        ("low", false) => "Low",
        ("critical", true) => "CRITIQUE",
        ("high", true) => "Haute",
        ("normal", true) => "Normale",
        ("low", true) => "Basse",
        (other, _) => other,
    };
    (t.to_owned(), p.to_owned())
}

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Three registries: HTML-escaped for the e-mail's HTML part, Slack-escaped for
/// Slack (its markup uses &, <, >), verbatim for plain text.
pub struct Templates {
    html: Handlebars<'static>,
    slack: Handlebars<'static>,
    plain: Handlebars<'static>,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template {name}: {source}")]
    Invalid {
        name: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("template {0}: {1}")]
    Unreadable(String, std::io::Error),
}

fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Templates {
    /// Built-in templates, each overridden by `<dir>/<locale>/<name>.hbs` when present;
    /// then the startup check.
    pub fn load(dir: Option<&Path>) -> Result<Self, TemplateError> {
        let mut html = Handlebars::new();
        let mut slack = Handlebars::new();
        let mut plain = Handlebars::new();
        for h in [&mut html, &mut slack, &mut plain] {
            h.set_strict_mode(true);
        }
        slack.register_escape_fn(slack_escape);
        plain.register_escape_fn(handlebars::no_escape);
        for (locale, sources) in [("en", builtin!("en")), ("fr", builtin!("fr"))] {
            for (name, builtin) in NAMES.iter().zip(sources) {
                let key = format!("{locale}/{name}");
                let source = match dir.map(|d| d.join(locale).join(format!("{name}.hbs"))) {
                    Some(path) if path.exists() => std::fs::read_to_string(&path)
                        .map_err(|e| TemplateError::Unreadable(path.display().to_string(), e))?,
                    _ => builtin.to_owned(),
                };
                let registry = match *name {
                    "email.html" => &mut html,
                    "slack" => &mut slack,
                    _ => &mut plain,
                };
                registry
                    .register_template_string(&key, source)
                    .map_err(|e| TemplateError::Invalid {
                        name: key.clone(),
                        source: Box::new(e),
                    })?;
            }
        }
        let t = Self { html, slack, plain };
        t.check()?;
        Ok(t)
    }

    /// Renders every template with a complete context (strict mode refuses unknown
    /// variables), critical and not, with and without a message.
    fn check(&self) -> Result<(), TemplateError> {
        for locale in LOCALES {
            for (critical, message) in [(true, Some("m".to_owned())), (false, None)] {
                let (t, p) = labels(locale, "minor", "high");
                let ctx = NoticeContext {
                    merchant_name: "Shop".into(),
                    site: "shop.example".into(),
                    cms: "woocommerce".into(),
                    from_version: "1.2.0".into(),
                    to_version: "1.3.0".into(),
                    upgrade_type: "minor".into(),
                    upgrade_type_label: t,
                    priority: "high".into(),
                    priority_label: p,
                    critical,
                    message,
                    ack_url: "https://ops.example/ack".into(),
                    reference: "00000000-0000-0000-0000-000000000000".into(),
                    reference_short: "00000000".into(),
                };
                for name in NAMES {
                    self.render(locale, name, &ctx)?;
                }
            }
        }
        Ok(())
    }

    fn render(
        &self,
        locale: &str,
        name: &str,
        ctx: &NoticeContext,
    ) -> Result<String, TemplateError> {
        let locale = if LOCALES.contains(&locale) {
            locale
        } else {
            "en"
        };
        let key = format!("{locale}/{name}");
        let registry = match name {
            "email.html" => &self.html,
            "slack" => &self.slack,
            _ => &self.plain,
        };
        registry
            .render(&key, ctx)
            .map(|s| s.trim().to_owned())
            .map_err(|e| TemplateError::Invalid {
                name: key,
                source: Box::new(e),
            })
    }

    pub fn email(&self, locale: &str, ctx: &NoticeContext) -> Result<Rendered, TemplateError> {
        Ok(Rendered {
            subject: self.render(locale, "email.subject", ctx)?,
            text: self.render(locale, "email.text", ctx)?,
            html: self.render(locale, "email.html", ctx)?,
        })
    }

    pub fn sms(&self, locale: &str, ctx: &NoticeContext) -> Result<String, TemplateError> {
        self.render(locale, "sms", ctx)
    }

    pub fn slack(&self, locale: &str, ctx: &NoticeContext) -> Result<String, TemplateError> {
        self.render(locale, "slack", ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_templates_pass_the_startup_check() {
        assert!(Templates::load(None).is_ok());
    }

    #[test]
    fn a_template_with_a_missing_variable_fails_at_startup() {
        let dir = std::env::temp_dir().join(format!("templates-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("fr")).unwrap();
        std::fs::write(dir.join("fr/sms.hbs"), "Mise à jour {{to_versoin}}").unwrap();
        let err = Templates::load(Some(&dir)).err().expect("must fail");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.to_string().contains("fr/sms"), "{err}");
    }

    #[test]
    fn the_subject_names_type_and_priority_in_the_merchants_language() {
        let t = Templates::load(None).unwrap();
        let (ty, p) = labels("fr", "minor", "high");
        let ctx = NoticeContext {
            merchant_name: "Boutique <Lune>".into(),
            site: "lune.example".into(),
            cms: "prestashop".into(),
            from_version: "2.0.3".into(),
            to_version: "2.1.0".into(),
            upgrade_type: "minor".into(),
            upgrade_type_label: ty,
            priority: "high".into(),
            priority_label: p,
            critical: false,
            message: None,
            ack_url: "https://ops.example/ack?token=t".into(),
            reference: "r".into(),
            reference_short: "r".into(),
        };
        let mail = t.email("fr", &ctx).unwrap();
        assert_eq!(
            mail.subject,
            "[Haute] Mise à jour mineure de votre module de paiement prestashop : 2.1.0"
        );
        assert!(
            mail.text.starts_with("Bonjour Boutique <Lune>,"),
            "plain text is not escaped"
        );
        assert!(
            mail.html.contains("Boutique &lt;Lune&gt;"),
            "HTML is escaped"
        );
        assert!(!mail.text.contains("critique"));
        assert!(t.slack("fr", &ctx).unwrap().contains("lune.example"));
    }
}
