//! What an archive holds of each table: the tables in import order, their columns and value
//! kinds, how a row is written as one NDJSON line and read back — unknown or missing fields,
//! wrong types and NUL characters refused, naming the field.
//!
//! The lists here are the export's coverage: `COVERAGE` says, for every table of the schema,
//! where its rows go (a test compares it and the columns with the live schema, so a new table
//! or column that the export forgets fails the suite).

use std::io::Write;

use serde_json::value::RawValue;

/// How a column's values are typed in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    OptText,
    Int,
    OptInt,
    /// The generation's artifact: in the row, `"artifacts/<id>"` or null; the bytes are a file
    /// of the archive.
    Artifact,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

/// Which rows of a table belong to a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The tenant's own row (`id` is the tenant).
    TenantRow,
    /// Rows whose `tenant_id` is the tenant.
    TenantColumn,
    /// The tenant's audit entries: those it brought from elsewhere, then this instance's own.
    AuditEntries,
}

/// One file of table rows.
#[derive(Debug)]
pub(crate) struct Table {
    /// The archive file's table name (`tables/<name>.ndjson`), and the table it is read from
    /// and written to (audit entries are written to `imported_audit_entries`).
    pub name: &'static str,
    pub scope: Scope,
    /// Rows of the tenant left out, as a SQL condition on the rows kept.
    pub keep: Option<&'static str>,
    pub columns: &'static [Column],
}

use Kind::{Artifact, Int, OptInt, OptText, Text};

/// Every table file, in the order an archive lists them and an import writes them.
pub(crate) static TABLES: &[Table] = &[
    Table {
        name: "tenants",
        scope: Scope::TenantRow,
        keep: None,
        columns: &[
            col("id", Text),
            col("name", Text),
            col("created_at", Int),
            col("deletion_requested_at", OptInt),
            col("purge_after", OptInt),
        ],
    },
    Table {
        name: "users",
        scope: Scope::TenantColumn,
        keep: None,
        columns: &[
            col("id", Text),
            col("tenant_id", Text),
            col("email", Text),
            col("name", Text),
            col("role", Text),
            col("created_at", Int),
        ],
    },
    Table {
        name: "api_keys",
        scope: Scope::TenantColumn,
        keep: None,
        columns: &[
            col("id", Text),
            col("tenant_id", Text),
            col("user_id", OptText),
            col("name", Text),
            col("prefix", Text),
            col("hash", Text),
            col("role", Text),
            col("created_at", Int),
            col("expires_at", OptInt),
            col("last_used_at", OptInt),
            col("revoked_at", OptInt),
        ],
    },
    Table {
        name: "projects",
        scope: Scope::TenantColumn,
        keep: None,
        columns: &[
            col("id", Text),
            col("tenant_id", Text),
            col("name", Text),
            col("description", Text),
            col("status", Text),
            col("version", Int),
            col("created_at", Int),
            col("updated_at", Int),
        ],
    },
    Table {
        name: "jobs",
        scope: Scope::TenantColumn,
        // Export jobs are the export's own machinery: their archives do not travel.
        keep: Some("kind <> 'export'"),
        columns: &[
            col("id", Text),
            col("tenant_id", Text),
            col("kind", Text),
            col("payload", Text),
            col("state", Text),
            col("attempts", Int),
            col("max_attempts", Int),
            col("lease_owner", OptText),
            col("lease_expires_at", OptInt),
            col("run_after", Int),
            col("progress_phase", OptText),
            col("progress_percent", Int),
            col("progress_message", OptText),
            col("result", OptText),
            col("error", OptText),
            col("cancel_requested_at", OptInt),
            col("revision", Int),
            col("created_at", Int),
            col("updated_at", Int),
            col("started_at", OptInt),
            col("finished_at", OptInt),
            col("trace_parent", OptText),
        ],
    },
    Table {
        name: "generations",
        scope: Scope::TenantColumn,
        keep: None,
        columns: &[
            col("id", Text),
            col("tenant_id", Text),
            col("project_id", Text),
            col("job_id", OptText),
            col("input_kind", Text),
            col("input", Text),
            col("spec", Text),
            col("spec_hash", Text),
            col("assumptions", Text),
            col("status", Text),
            col("qa", Int),
            col("qa_report", OptText),
            col("error", OptText),
            col("artifact", Artifact),
            col("artifact_sha256", OptText),
            col("artifact_size", OptInt),
            col("created_at", Int),
            col("updated_at", Int),
            col("coverage", OptText),
            col("artifact_expired_at", OptInt),
        ],
    },
    Table {
        name: "audit_log",
        scope: Scope::AuditEntries,
        keep: None,
        columns: &[
            col("seq", Int),
            col("at", Int),
            col("actor", Text),
            col("tenant_id", OptText),
            col("action", Text),
            col("target", Text),
            col("request_id", OptText),
            col("details", Text),
            col("prev_hash", Text),
            col("hash", Text),
        ],
    },
];

/// Where the rows of a schema table go in an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Its own file, `tables/<table>.ndjson`.
    OwnFile,
    /// Into the file of another table.
    In(&'static str),
    /// Not tenant data: why.
    NotTenantData(&'static str),
}

/// Every table of the schema and where an export puts its rows.
pub const COVERAGE: &[(&str, Coverage)] = &[
    ("tenants", Coverage::OwnFile),
    ("users", Coverage::OwnFile),
    ("api_keys", Coverage::OwnFile),
    ("projects", Coverage::OwnFile),
    ("jobs", Coverage::OwnFile),
    ("generations", Coverage::OwnFile),
    ("audit_log", Coverage::OwnFile),
    ("imported_audit_entries", Coverage::In("audit_log")),
    (
        "export_chunks",
        Coverage::NotTenantData("earlier archives of the tenant: copies of what the archive holds"),
    ),
    (
        "instance_state",
        Coverage::NotTenantData("the instance's own state (read-only while decommissioned)"),
    ),
    (
        "audit_checkpoint",
        Coverage::NotTenantData("where this instance's own audit chain starts after pruning"),
    ),
    (
        "incidents",
        Coverage::NotTenantData("the instance's own alerts; they belong to no tenant"),
    ),
    (
        "_sqlx_migrations",
        Coverage::NotTenantData("the schema's version, set by the importing instance's migrations"),
    ),
];

/// The columns an export writes for `table` (the schema's columns, for the coverage test).
pub fn exported_columns(table: &str) -> Option<Vec<&'static str>> {
    let file = match COVERAGE.iter().find(|(name, _)| *name == table)?.1 {
        Coverage::OwnFile => table,
        Coverage::In(file) => file,
        Coverage::NotTenantData(_) => return None,
    };
    TABLES
        .iter()
        .find(|t| t.name == file)
        .map(|t| t.columns.iter().map(|c| c.name).collect())
}

/// The names of the table files, in order.
pub(crate) fn names() -> Vec<&'static str> {
    TABLES.iter().map(|t| t.name).collect()
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl Value {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// Writes `values` (in the table's column order) as one JSON object, keys in column order.
pub(crate) fn encode_row(table: &Table, values: &[Value], out: &mut Vec<u8>) {
    out.clear();
    out.push(b'{');
    for (i, (column, value)) in table.columns.iter().zip(values).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(column.name.as_bytes());
        out.extend_from_slice(b"\":");
        match value {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Text(text) => {
                // Serialising a string into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut *out, text);
            }
        }
    }
    out.push(b'}');
}

/// Reads one NDJSON line of `table` into values in column order, or says what is wrong. Field
/// values are looked at raw, so a value of the wrong type costs no memory to refuse however
/// large it is.
pub(crate) fn decode_row(table: &Table, line: &[u8]) -> Result<Vec<Value>, String> {
    if line.first() != Some(&b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(line) {
            Ok(_) => Err("the line is not a JSON object".into()),
            Err(e) => Err(format!("the line is not JSON: {e}")),
        };
    }
    let object: std::collections::HashMap<String, &RawValue> =
        serde_json::from_slice(line).map_err(|e| format!("the line is not JSON: {e}"))?;
    if let Some(unknown) = object
        .keys()
        .find(|key| !table.columns.iter().any(|c| c.name == key.as_str()))
    {
        return Err(format!("unknown field `{unknown}`"));
    }
    let mut values = Vec::with_capacity(table.columns.len());
    for column in table.columns {
        let value = object
            .get(column.name)
            .ok_or_else(|| format!("missing field `{}`", column.name))?;
        values.push(decode_value(column, value)?);
    }
    Ok(values)
}

fn decode_value(column: &Column, raw: &RawValue) -> Result<Value, String> {
    let text = raw.get();
    let kind = kind_of(text);
    let wrong = |expected: &str| {
        Err(format!(
            "field `{}` must be {expected}, not {kind}",
            column.name
        ))
    };
    match (column.kind, kind) {
        (Kind::OptText | Kind::OptInt | Kind::Artifact, "null") => Ok(Value::Null),
        (Kind::Text | Kind::OptText | Kind::Artifact, "a string") => {
            let value: String =
                serde_json::from_str(text).map_err(|e| format!("field `{}`: {e}", column.name))?;
            if value.contains('\0') {
                return Err(format!("field `{}` holds a NUL character", column.name));
            }
            Ok(Value::Text(value))
        }
        (Kind::Int | Kind::OptInt, "a number") => match serde_json::from_str::<i64>(text) {
            Ok(n) => Ok(Value::Int(n)),
            Err(_) => wrong("a 64-bit integer"),
        },
        (Kind::Text, _) => wrong("a string"),
        (Kind::OptText | Kind::Artifact, _) => wrong("a string or null"),
        (Kind::Int, _) => wrong("an integer"),
        (Kind::OptInt, _) => wrong("an integer or null"),
    }
}

/// What a raw JSON value is, from its first character.
fn kind_of(raw: &str) -> &'static str {
    match raw.trim_start().as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

/// The position of column `name` in `table` (the lists above are fixed; a missing name is a
/// mistake in this module, caught by its tests).
pub(crate) fn position(table: &Table, name: &str) -> usize {
    table
        .columns
        .iter()
        .position(|c| c.name == name)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_written_reads_back_the_same() {
        let table = &TABLES[2];
        let values: Vec<Value> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| match c.kind {
                Kind::Int => Value::Int(i as i64 * 1_000_000_007),
                Kind::OptInt => Value::Null,
                _ => Value::Text(format!("v{i} \"quoted\" \n line ü")),
            })
            .collect();
        let mut line = Vec::new();
        encode_row(table, &values, &mut line);
        assert_eq!(decode_row(table, &line), Ok(values));
    }

    #[test]
    fn unknown_missing_and_mistyped_fields_are_named() {
        let table = &TABLES[0];
        let decode = |text: &str| decode_row(table, text.as_bytes()).unwrap_err();
        assert_eq!(
            decode(r#"{"id":"a","name":"b","created_at":1,"admin":true}"#),
            "unknown field `admin`"
        );
        assert_eq!(
            decode(r#"{"id":"a","name":"b"}"#),
            "missing field `created_at`"
        );
        assert_eq!(
            decode(r#"{"id":"a","name":"b","created_at":"1"}"#),
            "field `created_at` must be an integer, not a string"
        );
        assert_eq!(
            decode(r#"{"id":"a","name":"b","created_at":1.5}"#),
            "field `created_at` must be a 64-bit integer, not a number"
        );
        assert_eq!(
            decode(r#"{"id":1,"name":"b","created_at":1}"#),
            "field `id` must be a string, not a number"
        );
        assert_eq!(
            decode(r#"{"id":"a\u0000","name":"b","created_at":1}"#),
            "field `id` holds a NUL character"
        );
        assert!(decode("[1]").contains("not a JSON object"));
        // A value of the wrong type is refused as such, however large.
        let huge = format!(
            r#"{{"id":[{}0],"name":"b","created_at":1}}"#,
            "0,".repeat(1 << 20)
        );
        assert_eq!(decode(&huge), "field `id` must be a string, not an array");
        assert_eq!(
            decode(r#"{"id":"a","name":"b","created_at":1,"created_at":2,"x":1}"#),
            "unknown field `x`"
        );
        assert!(decode("{").contains("not JSON"));
    }

    #[test]
    fn every_position_asked_for_exists() {
        for (table, column) in [
            ("api_keys", "user_id"),
            ("api_keys", "prefix"),
            ("generations", "project_id"),
            ("generations", "job_id"),
            ("generations", "artifact"),
            ("generations", "artifact_sha256"),
            ("jobs", "payload"),
        ] {
            let t = TABLES.iter().find(|t| t.name == table).expect("table");
            assert!(position(t, column) < t.columns.len(), "{table}.{column}");
        }
        for t in TABLES {
            if t.scope != Scope::AuditEntries {
                assert_eq!(t.columns[0].name, "id", "{}", t.name);
            }
        }
    }
}
