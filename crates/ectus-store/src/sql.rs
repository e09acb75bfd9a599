//! A small builder for queries whose WHERE clause depends on the request (filters, cursors).
//!
//! Placeholders are numbered `$1, $2, …`, which both PostgreSQL and SQLite (through sqlx)
//! understand, so one query text serves both backends.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    I64(i64),
    Str(String),
}

/// SQL text plus its parameters, bound in order.
#[derive(Debug, Default)]
pub(crate) struct SqlBuilder {
    text: String,
    params: Vec<Param>,
}

impl SqlBuilder {
    pub(crate) fn new(text: &str) -> Self {
        SqlBuilder {
            text: text.to_owned(),
            params: Vec::new(),
        }
    }

    /// Appends raw SQL text.
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Adds a parameter and returns its placeholder (`$n`).
    pub(crate) fn param(&mut self, value: Param) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    pub(crate) fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut query = sqlx::query(&self.text);
        for param in &self.params {
            query = match param {
                Param::I64(v) => query.bind(*v),
                Param::Str(v) => query.bind(v.as_str()),
            };
        }
        query
    }
}

/// Newest-first keyset pages (`ORDER BY created_at DESC, id DESC`), whose cursor is
/// `<created_at ms>.<id>` of the last item of the previous page.
pub(crate) mod newest_first {
    use super::{Param, SqlBuilder};
    use crate::error::{Result, StoreError};

    /// Restricts the query to the rows after `cursor` and orders and limits it (one row more
    /// than `limit`, to know whether another page follows). `prefix` qualifies the columns
    /// (`"g."`, or `""`).
    pub(crate) fn page(
        sql: &mut SqlBuilder,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<()> {
        if let Some(raw) = cursor {
            let (created, id) = raw
                .split_once('.')
                .and_then(|(c, id)| Some((c.parse::<i64>().ok()?, id.to_owned())))
                .ok_or(StoreError::InvalidCursor)?;
            let c1 = sql.param(Param::I64(created));
            let c2 = sql.param(Param::I64(created));
            let id = sql.param(Param::Str(id));
            sql.push(&format!(
                " AND ({prefix}created_at < {c1} OR ({prefix}created_at = {c2} AND {prefix}id < {id}))"
            ));
        }
        let fetch = sql.param(Param::I64(i64::from(limit) + 1));
        sql.push(&format!(
            " ORDER BY {prefix}created_at DESC, {prefix}id DESC LIMIT {fetch}"
        ));
        Ok(())
    }

    /// Cuts the fetched rows to `limit` and gives the next page's cursor, if there is one.
    pub(crate) fn next<T>(
        items: &mut Vec<T>,
        limit: u32,
        key: impl Fn(&T) -> (i64, &str),
    ) -> Option<String> {
        if items.len() <= limit as usize {
            return None;
        }
        items.truncate(limit as usize);
        items.last().map(|item| {
            let (created, id) = key(item);
            format!("{created}.{id}")
        })
    }
}

/// Escapes `%`, `_` and `\` for use in `LIKE … ESCAPE '\'`.
pub(crate) fn like_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}
