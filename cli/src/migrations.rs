//! `ptctl migrations statements`: the migrations' statements exactly as `ptctl migrate`
//! sends them, as JSON. The split rule lives once, in `store::migrate::statements`; the
//! Python checks that apply the ClickHouse migrations on chdb read them from here instead
//! of splitting the files themselves.
//!
//! It prints the migrations embedded in this binary (what `migrate` applies), and needs no
//! database, so it answers before any connection is made.

use serde_json::{json, Value};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Print the statements of one engine's migrations, in the order `migrate` applies
    /// them, as one JSON array of `{"file", "statement"}`.
    Statements {
        #[arg(long, value_enum)]
        engine: Engine,
    },
}

/// Only ClickHouse: its HTTP interface takes one statement per request, so `migrate`
/// splits each file. PostgreSQL migrations are applied whole, one transaction per file,
/// and have nothing to split.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Engine {
    Clickhouse,
}

pub fn run(command: &Command) -> anyhow::Result<()> {
    match command {
        Command::Statements { engine } => {
            println!("{}", serde_json::to_string_pretty(&statements(*engine))?);
        }
    }
    Ok(())
}

/// `[{"file": "migrations/clickhouse/0001_heartbeats.sql", "statement": "CREATE …"}, …]`
fn statements(engine: Engine) -> Value {
    let (dir, migrations) = match engine {
        Engine::Clickhouse => ("clickhouse", store::migrate::CLICKHOUSE),
    };
    migrations
        .iter()
        .flat_map(|m| {
            let file = format!("migrations/{dir}/{}.sql", m.name);
            store::migrate::statements(m.sql)
                .into_iter()
                .map(move |statement| json!({"file": file, "statement": statement}))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clickhouse_statements_are_one_array_of_file_and_statement_in_migrate_order() {
        let out = statements(Engine::Clickhouse);
        let items = out.as_array().expect("one JSON array");
        let files: Vec<&str> = items
            .iter()
            .map(|item| {
                let object = item.as_object().expect("each item is an object");
                let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
                keys.sort();
                assert_eq!(keys, ["file", "statement"]);
                let statement = object["statement"].as_str().expect("statement is a string");
                assert!(!statement.is_empty() && !statement.ends_with(';'));
                object["file"].as_str().expect("file is a string")
            })
            .collect();
        let mut distinct = files.clone();
        distinct.dedup();
        let expected: Vec<String> = store::migrate::CLICKHOUSE
            .iter()
            .map(|m| format!("migrations/clickhouse/{}.sql", m.name))
            .collect();
        assert_eq!(distinct, expected, "every file, in migrate's order");
        for file in &expected {
            let path = format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"));
            assert!(
                std::path::Path::new(&path).exists(),
                "{file} is in the repository"
            );
        }
    }

    #[test]
    fn the_subcommand_parses() {
        use clap::Parser;
        let cli = crate::Cli::try_parse_from([
            "ptctl",
            "migrations",
            "statements",
            "--engine",
            "clickhouse",
        ])
        .expect("parses");
        assert!(matches!(
            cli.command,
            crate::Command::Migrations(Command::Statements {
                engine: Engine::Clickhouse
            })
        ));
    }
}
