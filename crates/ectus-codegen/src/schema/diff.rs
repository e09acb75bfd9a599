//! What changed between two schemas, table by table and column by column, and which of the
//! changes lose data.

use super::{Column, Schema, Table};

/// One change of a table's column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnChange {
    Added(Column),
    Dropped(String),
    Renamed {
        from: String,
        to: String,
    },
    /// Type, nullability, uniqueness, default, reference or check differ.
    Altered {
        from: Column,
        to: Column,
    },
}

/// One change of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    CreateTable(Table),
    DropTable(String),
    AlterTable {
        table: String,
        changes: Vec<ColumnChange>,
    },
}

/// The changes from one schema to the next, with the ones that lose data described.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub destructive: Vec<String>,
}

impl Plan {
    /// A short name for the migration file, e.g. `add_posts_subtitle`.
    pub fn slug(&self) -> String {
        let words: Vec<String> = self
            .steps
            .iter()
            .take(2)
            .map(|step| match step {
                Step::CreateTable(t) => format!("create_{}", t.name),
                Step::DropTable(t) => format!("drop_{t}"),
                Step::AlterTable { table, changes } => match changes.first() {
                    Some(ColumnChange::Added(c)) => format!("add_{table}_{}", c.name),
                    Some(ColumnChange::Dropped(c)) => format!("drop_{table}_{c}"),
                    Some(ColumnChange::Renamed { to, .. }) => format!("rename_{table}_{to}"),
                    Some(ColumnChange::Altered { to, .. }) => format!("alter_{table}_{}", to.name),
                    None => format!("alter_{table}"),
                },
            })
            .collect();
        let slug = words.join("_and_");
        let slug: String = slug.chars().take(60).collect();
        if self.steps.len() > 2 {
            format!("{slug}_and_more")
        } else {
            slug
        }
    }
}

/// Whether a change of a column loses data or can fail on the rows that exist.
fn narrowing(from: &Column, to: &Column) -> Option<String> {
    if from.sql_type != to.sql_type {
        return Some(format!(
            "its type changes from {} to {}",
            from.sql_type, to.sql_type
        ));
    }
    if !from.not_null && to.not_null {
        return Some("it becomes required (rows with no value would fail)".into());
    }
    if !from.unique && to.unique {
        return Some("it becomes unique (duplicate values would fail)".into());
    }
    let removed: Vec<&String> = from
        .values
        .iter()
        .filter(|v| !to.values.contains(v))
        .collect();
    if !removed.is_empty() {
        return Some(format!(
            "enum values {} are removed (rows holding them would fail)",
            removed
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if from.references.is_some() && to.references.is_some() && from.references != to.references {
        return Some("it refers to another table".into());
    }
    None
}

/// Whether two columns differ in anything but their name.
fn differs(from: &Column, to: &Column) -> bool {
    let strip = |c: &Column| Column {
        name: String::new(),
        renamed_from: None,
        ..c.clone()
    };
    strip(from) != strip(to)
}

/// The changes from `old` to `new`.
pub fn diff(old: &Schema, new: &Schema) -> Plan {
    let mut plan = Plan::default();
    for table in &new.tables {
        let Some(before) = old.table(&table.name) else {
            plan.steps.push(Step::CreateTable(table.clone()));
            continue;
        };
        let mut changes = Vec::new();
        let mut matched: Vec<&str> = Vec::new();
        for column in &table.columns {
            let previous = before.column(&column.name).or_else(|| {
                column
                    .renamed_from
                    .as_deref()
                    .and_then(|from| before.column(from))
            });
            match previous {
                None => {
                    if column.not_null && column.default.is_none() {
                        plan.destructive.push(format!(
                            "{}.{} is added as required without a default: the rows that exist have no value for it (give it a default, make it optional, or pass --allow-destructive when the table is empty)",
                            table.name, column.name
                        ));
                    }
                    changes.push(ColumnChange::Added(column.clone()));
                }
                Some(previous) => {
                    matched.push(&previous.name);
                    if previous.name != column.name {
                        changes.push(ColumnChange::Renamed {
                            from: previous.name.clone(),
                            to: column.name.clone(),
                        });
                    }
                    if differs(previous, column) {
                        if let Some(why) = narrowing(previous, column) {
                            plan.destructive
                                .push(format!("{}.{}: {why}", table.name, column.name));
                        }
                        changes.push(ColumnChange::Altered {
                            from: previous.clone(),
                            to: column.clone(),
                        });
                    }
                }
            }
        }
        for column in &before.columns {
            if !matched.contains(&column.name.as_str()) {
                plan.destructive.push(format!(
                    "{}.{} is dropped with its data (to rename it, set renamed_from: {} on the field)",
                    table.name, column.name, column.name
                ));
                changes.push(ColumnChange::Dropped(column.name.clone()));
            }
        }
        if !changes.is_empty() {
            plan.steps.push(Step::AlterTable {
                table: table.name.clone(),
                changes,
            });
        }
    }
    for table in old.tables.iter().rev() {
        if new.table(&table.name).is_none() {
            plan.destructive
                .push(format!("table {} is dropped with all its rows", table.name));
            plan.steps.push(Step::DropTable(table.name.clone()));
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str) -> Column {
        Column {
            name: name.into(),
            sql_type: "TEXT".into(),
            not_null: false,
            unique: false,
            default: None,
            references: None,
            check: None,
            values: Vec::new(),
            renamed_from: None,
        }
    }

    fn schema(tables: &[(&str, Vec<Column>)]) -> Schema {
        Schema {
            tables: tables
                .iter()
                .map(|(name, columns)| Table {
                    name: (*name).into(),
                    columns: columns.clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn additions_are_safe_and_drops_are_destructive() {
        let old = schema(&[("posts", vec![column("title"), column("body")])]);
        let mut required = column("rating");
        required.not_null = true;
        let new = schema(&[
            ("posts", vec![column("title"), column("subtitle")]),
            ("tags", vec![column("label")]),
        ]);
        let plan = diff(&old, &new);
        assert_eq!(plan.steps.len(), 2, "{plan:?}");
        assert_eq!(plan.destructive.len(), 1, "{:?}", plan.destructive);
        assert!(plan.destructive[0].contains("posts.body is dropped"));
        let safe = diff(
            &old,
            &schema(&[(
                "posts",
                vec![column("title"), column("body"), column("subtitle")],
            )]),
        );
        assert!(safe.destructive.is_empty());
        let with_required = diff(
            &old,
            &schema(&[("posts", vec![column("title"), column("body"), required])]),
        );
        assert!(with_required.destructive[0].contains("without a default"));
    }

    #[test]
    fn renames_keep_the_data_and_narrowing_is_destructive() {
        let old = schema(&[("posts", vec![column("title")])]);
        let mut renamed = column("headline");
        renamed.renamed_from = Some("title".into());
        let plan = diff(&old, &schema(&[("posts", vec![renamed])]));
        assert!(plan.destructive.is_empty(), "{:?}", plan.destructive);
        assert_eq!(
            plan.steps,
            vec![Step::AlterTable {
                table: "posts".into(),
                changes: vec![ColumnChange::Renamed {
                    from: "title".into(),
                    to: "headline".into()
                }]
            }]
        );
        let mut status = column("status");
        status.values = vec!["a".into(), "b".into()];
        let mut widened = status.clone();
        widened.values.push("c".into());
        let mut narrowed = status.clone();
        narrowed.values.pop();
        let old = schema(&[("posts", vec![status])]);
        assert!(diff(&old, &schema(&[("posts", vec![widened])]))
            .destructive
            .is_empty());
        assert!(!diff(&old, &schema(&[("posts", vec![narrowed])]))
            .destructive
            .is_empty());
    }
}
