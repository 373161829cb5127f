//! `--schema-from-server`: today's schema from a live server's `information_schema`,
//! written as the CREATE TABLE script the schema catalog reads (`--schema FILE`'s form).

use std::time::Duration;

use crate::export::schema_script::create_tables;
use crate::source::schema::read_tables;

use super::fetch::ConnectionArgs;

/// Connects as `url`/`conn` say and returns the script and a note naming the server.
pub fn from_server(url: Option<&str>, conn: &ConnectionArgs) -> Result<(Vec<u8>, String), String> {
    let opts = conn.resolve(url)?;
    let tables = read_tables(&opts, Duration::from_secs(10)).map_err(|e| e.to_string())?;
    let note = format!(
        "column names from {}'s information_schema as it is now ({} tables); \
         the binlog may have been written under another schema",
        opts.server_name(),
        tables.len()
    );
    Ok((create_tables(&tables), note))
}
