//! ClickHouse client construction. The official crate's RowBinary format is understood
//! by ClickHouse 18.16 (the test server) and current releases alike.

/// The database every table of this product lives in.
pub const DATABASE: &str = "plugin_telemetry";

pub fn client(url: &str, user: &str, password: &str) -> ::clickhouse::Client {
    server(url, user, password).with_database(DATABASE)
}

/// A client without a database (for creating it). Compression is off: ClickHouse 18.16
/// answers a compressed GET (`compress=1`) with an empty body, which the crate reads as
/// "no rows"; on loopback, compression buys nothing anyway.
pub fn server(url: &str, user: &str, password: &str) -> ::clickhouse::Client {
    ::clickhouse::Client::default()
        .with_compression(::clickhouse::Compression::None)
        .with_url(url)
        .with_user(user)
        .with_password(password)
}
