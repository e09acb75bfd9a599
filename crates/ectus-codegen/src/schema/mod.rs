//! The database schema of a generated service and how it evolves.
//!
//! [`Schema::of`] states the tables the view needs; every migration a project has gets its
//! schema recorded in the manifest. Regenerating after a spec change compares the last
//! recorded schema with the new one ([`diff`]) and adds the next numbered migration
//! ([`render`]) — an applied migration is never edited. Steps that lose data (dropping a table
//! or a column, narrowing a type, a column turning required, enum values removed, a required
//! column added without a default to a table that may hold rows) are refused unless allowed,
//! and listed.

pub mod diff;
pub mod render;

use serde::{Deserialize, Serialize};

use crate::view::View;

/// Every table of a service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub tables: Vec<Table>,
}

/// A table: `id`, the columns, `created_at` and `updated_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
}

/// A column of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The engine's type, e.g. `TEXT`, `BIGINT`.
    pub sql_type: String,
    pub not_null: bool,
    pub unique: bool,
    /// A SQL literal the database fills in for rows that exist when the column is added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<Reference>,
    /// The condition of a CHECK constraint (enum values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// Allowed values when the column is an enum (to tell added values from removed ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// The name this column had in the previous schema (`renamed_from` of the field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub table: String,
    /// `RESTRICT`, `CASCADE` or `SET NULL`.
    pub on_delete: String,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

impl Schema {
    /// The tables of `view`, parents first.
    pub fn of(view: &View) -> Schema {
        let tables = view
            .entities_by_depth
            .iter()
            .map(|e| {
                let mut columns = Vec::new();
                if e.is_identity {
                    columns.push(Column {
                        name: "password_hash".into(),
                        sql_type: "TEXT".into(),
                        not_null: true,
                        unique: false,
                        default: Some("'!'".into()),
                        references: None,
                        check: None,
                        values: Vec::new(),
                        renamed_from: None,
                    });
                }
                for c in &e.columns {
                    columns.push(Column {
                        name: c.name.clone(),
                        sql_type: c.sql_type.clone(),
                        not_null: !c.nullable,
                        unique: c.unique,
                        default: c.sql_default.clone(),
                        references: c.is_fk.then(|| Reference {
                            table: c.fk_table.clone(),
                            on_delete: c.on_delete.to_owned(),
                        }),
                        check: c.sql_check.clone(),
                        values: c.values.clone(),
                        renamed_from: c.renamed_from.clone(),
                    });
                }
                Table {
                    name: e.table.clone(),
                    columns,
                }
            })
            .collect();
        Schema { tables }
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// A migration of a project: its file, its SQL and the schema after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationRecord {
    pub file: String,
    pub sql: String,
    pub schema: Schema,
}

/// Why the schema cannot move to the new spec without being told to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destructive(pub Vec<String>);

/// The migrations of a project generated for `schema` after `previous` ones: those unchanged,
/// plus the next one when the schema changed. `Err` lists the destructive steps when they are
/// not allowed.
pub fn migrations(
    schema: &Schema,
    database: ectus_spec::Database,
    previous: &[MigrationRecord],
    allow_destructive: bool,
) -> Result<Vec<MigrationRecord>, Destructive> {
    let Some(last) = previous.last() else {
        return Ok(vec![MigrationRecord {
            file: "migrations/0001_init.sql".into(),
            sql: render::initial(schema, database),
            schema: schema.clone(),
        }]);
    };
    let plan = diff::diff(&last.schema, schema);
    if !plan.destructive.is_empty() && !allow_destructive {
        return Err(Destructive(plan.destructive));
    }
    let mut all = previous.to_vec();
    if !plan.steps.is_empty() {
        let number = previous.len() + 1;
        all.push(MigrationRecord {
            file: format!("migrations/{number:04}_{}.sql", plan.slug()),
            sql: render::evolution(&last.schema, schema, &plan, database),
            schema: schema.clone(),
        });
    }
    // The recorded schema never carries a rename forward: the next diff starts from names.
    if let Some(last) = all.last_mut() {
        for table in &mut last.schema.tables {
            for column in &mut table.columns {
                column.renamed_from = None;
            }
        }
    }
    Ok(all)
}
