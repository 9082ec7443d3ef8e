//! ClickHouse client construction. The official crate's RowBinary format is understood
//! by ClickHouse 18.16 (the test server) and current releases alike.

/// The database every table of this product lives in.
pub const DATABASE: &str = "plugin_telemetry";

pub fn client(url: &str, user: &str, password: &str) -> ::clickhouse::Client {
    ::clickhouse::Client::default()
        .with_url(url)
        .with_user(user)
        .with_password(password)
        .with_database(DATABASE)
}
