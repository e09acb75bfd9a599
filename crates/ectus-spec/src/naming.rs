//! Name normalisation (case conversion, plurals) and reserved words of Rust and SQL.

use heck::{ToKebabCase, ToPascalCase, ToSnakeCase};

pub fn snake(name: &str) -> String {
    name.trim().to_snake_case()
}

pub fn pascal(name: &str) -> String {
    name.trim().to_pascal_case()
}

pub fn kebab(name: &str) -> String {
    name.trim().to_kebab_case()
}

/// English plural of a snake_case word (last segment only): `blog_post` → `blog_posts`.
pub fn plural(word: &str) -> String {
    let (head, last) = match word.rsplit_once('_') {
        Some((h, l)) => (format!("{h}_"), l),
        None => (String::new(), word),
    };
    const IRREGULAR: &[(&str, &str)] = &[
        ("person", "people"),
        ("child", "children"),
        ("man", "men"),
        ("woman", "women"),
        ("mouse", "mice"),
        ("goose", "geese"),
        ("tooth", "teeth"),
        ("foot", "feet"),
        ("datum", "data"),
        ("criterion", "criteria"),
        ("index", "indices"),
        ("status", "statuses"),
        ("analysis", "analyses"),
        ("shelf", "shelves"),
        ("wolf", "wolves"),
        ("half", "halves"),
        ("calf", "calves"),
        ("knife", "knives"),
        ("wife", "wives"),
        ("thief", "thieves"),
    ];
    if let Some((_, p)) = IRREGULAR.iter().find(|(s, _)| *s == last) {
        return format!("{head}{p}");
    }
    let plural = if last.ends_with("ss")
        || last.ends_with('x')
        || last.ends_with("ch")
        || last.ends_with("sh")
        || last.ends_with('z')
    {
        format!("{last}es")
    } else if last.ends_with('y')
        && !last.ends_with("ay")
        && !last.ends_with("ey")
        && !last.ends_with("oy")
        && !last.ends_with("uy")
    {
        format!("{}ies", &last[..last.len() - 1])
    } else if last.ends_with('s') {
        format!("{last}es")
    } else {
        format!("{last}s")
    };
    format!("{head}{plural}")
}

/// English singular of a word as users write entity names (`posts` → `post`).
pub fn singular(word: &str) -> String {
    let lower = word.to_lowercase();
    const IRREGULAR: &[(&str, &str)] = &[
        ("people", "person"),
        ("children", "child"),
        ("men", "man"),
        ("women", "woman"),
        ("mice", "mouse"),
        ("data", "datum"),
        ("criteria", "criterion"),
        ("indices", "index"),
        ("statuses", "status"),
        ("analyses", "analysis"),
        ("addresses", "address"),
        ("shelves", "shelf"),
        ("wolves", "wolf"),
        ("halves", "half"),
        ("calves", "calf"),
        ("knives", "knife"),
        ("wives", "wife"),
        ("thieves", "thief"),
        ("selves", "self"),
    ];
    if let Some((_, s)) = IRREGULAR.iter().find(|(p, _)| *p == lower) {
        return (*s).to_owned();
    }
    for keep in ["ss", "us", "is", "news", "series", "species"] {
        if lower.ends_with(keep) {
            return lower;
        }
    }
    if let Some(stem) = lower.strip_suffix("ies") {
        if stem.len() > 1 {
            return format!("{stem}y");
        }
    }
    for suffix in ["sses", "xes", "ches", "shes", "zes"] {
        if lower.ends_with(suffix) {
            return lower[..lower.len() - 2].to_owned();
        }
    }
    if let Some(stem) = lower.strip_suffix('s') {
        if stem.len() > 1 {
            return stem.to_owned();
        }
    }
    lower
}

/// Rust keywords (strict, reserved and weak ones that break identifiers).
pub const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield", "union",
];

/// SQL words reserved by SQLite or PostgreSQL that would need quoting as identifiers.
pub const SQL_RESERVED: &[&str] = &[
    "all",
    "alter",
    "analyse",
    "analyze",
    "and",
    "any",
    "as",
    "asc",
    "between",
    "both",
    "by",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "cross",
    "current_date",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "delete",
    "desc",
    "distinct",
    "do",
    "drop",
    "else",
    "end",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "in",
    "index",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "join",
    "key",
    "leading",
    "left",
    "like",
    "limit",
    "natural",
    "not",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "set",
    "some",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "update",
    "user",
    "using",
    "values",
    "when",
    "where",
    "window",
    "with",
];

/// Type names the generated code uses itself; an entity may not take them.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Self",
    "String",
    "Vec",
    "Option",
    "Result",
    "Box",
    "Json",
    "Path",
    "Query",
    "State",
    "Router",
    "Response",
    "Request",
    "Error",
    "Value",
    "Pool",
    "Config",
    "App",
    "AppState",
    "AppError",
    "Problem",
    "Page",
    "Metrics",
    "Health",
    "Claims",
    "Uuid",
    "Utc",
    "DateTime",
    "NaiveDate",
    "Decimal",
    "Sort",
    "Filter",
];

/// Column names every table gets.
pub const GENERATED_COLUMNS: &[&str] = &["id", "created_at", "updated_at"];

/// A replacement to suggest for a reserved field name.
pub fn alternative_for(word: &str) -> String {
    match word {
        "type" => "kind".into(),
        "order" => "position".into(),
        "user" => "owner".into(),
        "key" => "code".into(),
        "desc" => "description".into(),
        "group" => "category".into(),
        "match" => "pairing".into(),
        "ref" => "reference".into(),
        "default" => "is_default".into(),
        "limit" => "max_count".into(),
        "check" => "verification".into(),
        other => format!("{other}_value"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_and_singulars() {
        for (s, p) in [
            ("post", "posts"),
            ("category", "categories"),
            ("blog_post", "blog_posts"),
            ("address", "addresses"),
            ("box", "boxes"),
            ("person", "people"),
            ("day", "days"),
            ("status", "statuses"),
            ("bus", "buses"),
            ("shelf", "shelves"),
            ("knife", "knives"),
        ] {
            assert_eq!(plural(s), p);
        }
        for (p, s) in [
            ("posts", "post"),
            ("categories", "category"),
            ("people", "person"),
            ("addresses", "address"),
            ("boxes", "box"),
            ("status", "status"),
            ("species", "species"),
            ("users", "user"),
            ("shelves", "shelf"),
            ("wolves", "wolf"),
        ] {
            assert_eq!(singular(p), s);
        }
    }

    #[test]
    fn cases() {
        assert_eq!(pascal("blog post"), "BlogPost");
        assert_eq!(snake("BlogPost"), "blog_post");
        assert_eq!(kebab("Blog API"), "blog-api");
    }
}
