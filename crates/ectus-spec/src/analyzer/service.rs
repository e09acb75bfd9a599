//! Stage 4, the service: its name and description, the database and the authentication the whole text asks for.

use super::*;

#[rustfmt::skip]
pub(super) const DOMAIN_HEADS: &[&str] = &[
    "api", "apis", "backend", "service", "system", "app", "application", "platform", "server",
    "microservice", "webservice", "portal",
];

#[rustfmt::skip]
pub(super) const DOMAIN_NOISE: &[&str] = &[
    "rest", "restful", "json", "http", "web", "simple", "small", "basic", "new", "production",
    "production-ready", "ready", "crud", "rust", "axum", "modern", "scalable", "secure", "fast",
    "robust", "minimal", "tiny", "full", "fully", "featured", "full-featured", "graphql",
    "multi-tenant", "lightweight", "complete", "little", "quick", "online",
];

pub(super) fn is_domain_word(word: &str) -> bool {
    word.len() >= 2
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !DOMAIN_NOISE.contains(&word)
        && !DOMAIN_HEADS.contains(&word)
        && !is_determiner(word)
        && !STOP_WORDS.contains(&word)
}

pub(super) fn service_name(
    sentences: &[Sentence],
    model: &Model,
    notes: &mut Vec<Assumption>,
) -> String {
    let named = sentences
        .iter()
        .find_map(|s| domain_words(&s.tokens))
        .or_else(|| opening_phrase(&sentences.first()?.tokens))
        .map(|words| name_from_domain(&words))
        .filter(|name| name.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
    if let Some(name) = named {
        return name;
    }
    let first = model
        .entities
        .first()
        .map(|e| plural(&snake(&e.name)))
        .unwrap_or_else(|| "service".to_owned());
    let name = name_from_domain(&[first]);
    notes.push(note(
        "service.name",
        format!("no domain named; assumed \"{name}\" from the first entity"),
    ));
    name
}

/// "bookstore" in "A bookstore backend", "blog" in "REST API for a blog", "bug tracker" in "I
/// need a bug tracker".
pub(super) fn domain_words(tokens: &[Tok]) -> Option<Vec<String>> {
    let seq: Vec<Option<&str>> = tokens
        .iter()
        .map(|t| match t {
            Tok::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect();
    for (h, word) in seq.iter().enumerate() {
        if word.is_some_and(|w| DOMAIN_HEADS.contains(&w)) {
            let words: Vec<String> = seq[..h]
                .iter()
                .rev()
                .map_while(|w| w.filter(|w| is_domain_word(w)))
                .take(4)
                .map(str::to_owned)
                .collect();
            if !words.is_empty() {
                return Some(words.into_iter().rev().collect());
            }
        }
    }
    const BUILD_VERBS: &[&str] = &[
        "need", "want", "build", "create", "make", "write", "develop",
    ];
    for i in 0..seq.len().saturating_sub(2) {
        let for_article = seq[i] == Some("for") && seq[i + 1].is_some_and(is_determiner);
        let build_article = seq[i].is_some_and(|w| BUILD_VERBS.contains(&w))
            && matches!(seq[i + 1], Some("a" | "an"));
        if for_article || build_article {
            let words: Vec<String> = seq[i + 2..]
                .iter()
                .skip_while(|w| w.is_some_and(|w| DOMAIN_NOISE.contains(&w)))
                .map_while(|w| w.filter(|w| is_domain_word(w)))
                .take(4)
                .map(str::to_owned)
                .collect();
            if !words.is_empty() {
                return Some(words);
            }
        }
    }
    None
}

/// "A fitness tracker: …", "Fleet management: …", "A CRM with …": the opening noun phrase of
/// the first sentence, when nothing else names the domain.
pub(super) fn opening_phrase(tokens: &[Tok]) -> Option<Vec<String>> {
    let words = leading_words(tokens);
    let start = skip_determiners(&words);
    let end = words[start..]
        .iter()
        .position(|w| ["with", "for", "that", "to", "which", "where"].contains(w))
        .map_or(words.len(), |p| start + p);
    let ends_phrase = end < words.len() || matches!(tokens.get(end), None | Some(Tok::Colon));
    let phrase = &words[start..end];
    let ok = ends_phrase
        && !phrase.is_empty()
        && phrase.len() <= 4
        && phrase.iter().all(|w| is_domain_word(w));
    ok.then(|| phrase.iter().map(|w| (*w).to_owned()).collect())
}

pub(super) fn name_from_domain(words: &[String]) -> String {
    let mut name = kebab(&words.join(" "))
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .collect::<String>();
    name.truncate(56);
    let name = name.trim_matches('-').to_owned();
    if name.ends_with("api") {
        name
    } else {
        format!("{name}-api")
    }
}

pub(super) fn description_of(first_sentence: &str) -> String {
    first_sentence.trim().chars().take(200).collect()
}

pub(super) fn database_of(words: &[String], notes: &mut Vec<Assumption>) -> Database {
    let postgres = words
        .iter()
        .position(|w| ["postgres", "postgresql", "psql"].contains(&w.as_str()));
    let sqlite = words
        .iter()
        .position(|w| ["sqlite", "sqlite3"].contains(&w.as_str()));
    match (postgres, sqlite) {
        (Some(p), Some(s)) => {
            let chosen = if p < s {
                Database::Postgres
            } else {
                Database::Sqlite
            };
            notes.push(note(
                "database",
                format!(
                    "both PostgreSQL and SQLite are mentioned; used {}, named first",
                    chosen.as_str()
                ),
            ));
            chosen
        }
        (Some(_), None) => Database::Postgres,
        (None, Some(_)) => Database::Sqlite,
        (None, None) => {
            let other = words.iter().find(|w| {
                [
                    "mysql", "mariadb", "mongodb", "mongo", "oracle", "mssql", "dynamodb",
                ]
                .contains(&w.as_str())
            });
            let message = match other {
                Some(o) => {
                    format!("{o} is not supported; assumed sqlite (postgres is the other choice)")
                }
                None => "no database named; assumed sqlite".to_owned(),
            };
            notes.push(note("database", message));
            Database::Sqlite
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AuthHint {
    Jwt,
    ApiKey,
    Generic,
}

/// The kind of authentication a run of words mentions, if any.
pub(super) fn auth_keyword(words: &[String]) -> Option<AuthHint> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let pair = |a: &str, b: &str| w.windows(2).any(|p| p[0] == a && p[1] == b);
    if w.iter().any(|x| ["jwt", "jwts", "bearer"].contains(x))
        || (pair("json", "web") && w.iter().any(|x| x.starts_with("token")))
    {
        return Some(AuthHint::Jwt);
    }
    if pair("api", "key")
        || pair("api", "keys")
        || w.iter()
            .any(|x| ["api-key", "api-keys", "apikey", "apikeys", "x-api-key"].contains(x))
    {
        return Some(AuthHint::ApiKey);
    }
    #[rustfmt::skip]
    const GENERIC: &[&str] = &[
        "authentication", "authenticated", "authenticate", "auth", "login", "logged-in",
        "signed-in", "authorisation", "authorization", "unauthenticated",
    ];
    let generic = w.iter().any(|x| GENERIC.contains(x))
        || pair("log", "in")
        || pair("logged", "in")
        || pair("sign", "in")
        || pair("signed", "in");
    generic.then_some(AuthHint::Generic)
}

/// Operations named in a clause ("to create or cancel bookings" → create, delete).
pub(super) fn operations_in(words: &[String], skip_first: bool) -> BTreeSet<Operation> {
    use Operation::*;
    let mut ops = BTreeSet::new();
    for (i, w) in words.iter().enumerate() {
        // "Create an API with JWT" is the request itself; "Cancelling bookings needs …" is not.
        if skip_first && i == 0 && !w.ends_with("ing") {
            continue;
        }
        let found: &[Operation] = match w.as_str() {
            "create" | "creating" | "creates" | "add" | "adding" | "adds" | "submit"
            | "submitting" | "submits" | "posting" | "place" | "placing" | "insert"
            | "inserting" | "creation" => &[Create],
            "write" | "writes" | "writing" | "mutations" | "mutating" | "modifications"
            | "changes" => &[Create, Update, Delete],
            "update" | "updating" | "updates" | "edit" | "editing" | "edits" | "modify"
            | "modifying" | "change" | "changing" => &[Update],
            "delete" | "deleting" | "deletes" | "remove" | "removing" | "removes" | "cancel"
            | "cancelling" | "canceling" | "cancels" | "cancellation" | "deletion" => &[Delete],
            "list" | "listing" | "lists" | "browse" | "browsing" | "search" | "searching" => {
                &[List]
            }
            "get" | "getting" | "fetch" | "fetching" | "retrieve" | "retrieving" => &[Get],
            "read" | "reading" | "reads" | "view" | "viewing" | "views" | "see" => &[List, Get],
            "everything" | "all" | "every" => {
                let next = words.get(i + 1).map(String::as_str).unwrap_or_default();
                if w == "everything"
                    || [
                        "endpoints",
                        "endpoint",
                        "operations",
                        "requests",
                        "request",
                        "routes",
                        "actions",
                    ]
                    .contains(&next)
                {
                    &[List, Get, Create, Update, Delete]
                } else {
                    &[]
                }
            }
            _ => &[],
        };
        ops.extend(found.iter().copied());
    }
    ops
}

pub(super) fn is_public_clause(words: &[String]) -> bool {
    words.iter().any(|w| {
        [
            "anyone",
            "everyone",
            "everybody",
            "anybody",
            "public",
            "publicly",
            "anonymous",
            "anonymously",
            "unauthenticated",
            "without",
        ]
        .contains(&w.as_str())
    })
}

/// "JWT for everything except listing" → (`JWT for everything`, `listing`).
pub(super) fn split_at_exception(words: &[String]) -> (&[String], &[String]) {
    let at = words
        .iter()
        .position(|w| ["except", "excluding", "apart", "besides", "but"].contains(&w.as_str()));
    match at {
        Some(k) => (&words[..k], &words[k + 1..]),
        None => (words, &[]),
    }
}

/// "No accounts needed", "no login required", "without authentication": the service is to be
/// public.
pub(super) fn asks_for_no_auth(words: &[String]) -> bool {
    const NEGATIONS: &[&str] = &["no", "without", "dont", "don't", "not", "never", "nor"];
    #[rustfmt::skip]
    const CREDENTIALS: &[&str] = &[
        "auth", "authentication", "authorisation", "authorization", "login", "logins",
        "log-in", "logging", "log", "signing", "sign", "registration", "register", "accounts", "account", "credentials", "sign-in", "signin", "sign-up",
        "signup", "password", "passwords", "keys", "tokens", "security",
    ];
    words.iter().enumerate().any(|(i, w)| {
        NEGATIONS.contains(&w.as_str())
            && words[i + 1..]
                .iter()
                .take(3)
                .any(|c| CREDENTIALS.contains(&c.as_str()))
    })
}

/// The authentication of a requirement that names none. Unless the text asks for a public
/// service ("no accounts needed"), every write needs an API key and reads stay public — as
/// for every requirement, a write declared public ("anyone can add tasks") is protected too:
/// a generated service is never open to changes by anyone unasked.
fn unnamed_auth(no_auth: bool, notes: &mut Vec<Assumption>) -> Auth {
    if no_auth {
        return Auth::default();
    }
    notes.push(note(
        "auth",
        "no authentication was named: creating, changing and deleting need an API key (X-API-Key), reading is public; say \"no login needed\" for a service anyone may change",
    ));
    Auth {
        mode: AuthMode::ApiKey,
        protect: vec![Operation::Create, Operation::Update, Operation::Delete],
        identity: None,
    }
}

pub(super) fn auth_of(sentences: &[Sentence], notes: &mut Vec<Assumption>) -> Auth {
    let mut hints: Vec<AuthHint> = Vec::new();
    let mut protected = BTreeSet::new();
    let mut public = BTreeSet::new();
    let mut no_auth = false;
    for sentence in sentences {
        let hint = auth_keyword(&words_of(&sentence.tokens));
        // "No login needed": a request for no authentication, not for a kind of it ("Staff
        // use JWT; the public form needs no login" still asks for JWT).
        let named = hint.is_some_and(|h| h != AuthHint::Generic);
        if !named && asks_for_no_auth(&words_of(&sentence.tokens)) {
            no_auth = true;
            continue;
        }
        if let Some(h) = hint {
            hints.push(h);
        }
        for (c, clause) in split_clauses(&sentence.tokens).iter().enumerate() {
            let words = words_of(clause);
            let (rule, exceptions) = split_at_exception(&words);
            let ops = operations_in(rule, c == 0);
            if is_public_clause(rule) {
                public.extend(ops);
            } else if hint.is_some() {
                protected.extend(ops);
                public.extend(operations_in(exceptions, false));
            }
        }
    }
    let explicit = hints.iter().find(|h| **h != AuthHint::Generic).copied();
    let mode = match (explicit, hints.is_empty()) {
        (Some(AuthHint::ApiKey), _) => AuthMode::ApiKey,
        (Some(_), _) => AuthMode::Jwt,
        (None, false) => {
            notes.push(note(
                "auth",
                "authentication is asked for without a kind; assumed JWT bearer tokens",
            ));
            AuthMode::Jwt
        }
        (None, true) => return unnamed_auth(no_auth, notes),
    };
    if hints.contains(&AuthHint::Jwt) && hints.contains(&AuthHint::ApiKey) {
        notes.push(note(
            "auth",
            format!(
                "both JWT and API keys are mentioned; used {}, named first",
                mode.as_str()
            ),
        ));
    }
    let mut protect: Vec<Operation> = protected.difference(&public).copied().collect();
    if protect.is_empty() {
        protect = if public.is_empty() {
            vec![Operation::Create, Operation::Update, Operation::Delete]
        } else {
            all_operations()
                .into_iter()
                .filter(|op| !public.contains(op))
                .collect()
        };
        let list: Vec<&str> = protect.iter().map(|op| op.as_str()).collect();
        notes.push(note(
            "auth.protect",
            format!(
                "no operation named as needing credentials; assumed {}",
                list.join(", ")
            ),
        ));
    }
    Auth {
        mode,
        protect,
        identity: None,
    }
}
