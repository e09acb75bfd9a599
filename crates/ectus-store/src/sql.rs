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
