//! Stage 2, statements: what each clause states — the fields of an entity, a list of entities, ownership, or the values of an enum.

use super::*;

#[derive(Debug, Clone, Default, PartialEq)]
pub(super) enum ItemKind {
    #[default]
    Field,
    /// `subject` (or the statement's entity) belongs to `target`.
    BelongsTo {
        subject: Option<Vec<String>>,
        target: Vec<String>,
    },
    /// The statement's entity has many `0`.
    HasMany(Vec<String>),
}

/// One item of a field list, read without knowing the entities yet.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Item {
    pub(super) kind: ItemKind,
    pub(super) words: Vec<String>,
    pub(super) unique: bool,
    pub(super) optional: bool,
    pub(super) required: bool,
    pub(super) values: Vec<String>,
    pub(super) explicit: Option<FieldType>,
    pub(super) open_enum: bool,
    pub(super) list_of: bool,
    /// "the kennel's size": the word before the possessive.
    pub(super) possessor: Option<String>,
    /// "service records with the car": a plural thing introduced with its first item.
    pub(super) nested_with: bool,
    pub(super) nested_first: Option<Box<Item>>,
    /// "target (fk)": marked as a reference to another thing.
    pub(super) reference: bool,
    /// "which tenant rents": a reference whose noun ends where a known thing's name does.
    pub(super) which: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Owner {
    pub(super) words: Vec<String>,
    /// "A school has students": the owner may be the domain rather than an entity.
    pub(super) weak: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Statement {
    Fields {
        subject: Vec<String>,
        items: Vec<Item>,
    },
    Entities {
        owner: Option<Owner>,
        nouns: Vec<(Vec<String>, Vec<Item>)>,
    },
    Owns {
        owner: Vec<String>,
        owned: Vec<Vec<String>>,
    },
    Enum {
        entity: Option<Vec<String>>,
        field: Vec<String>,
        values: Vec<String>,
    },
    /// "Orders contain many products", "a member can be in many groups": a join entity.
    ManyToMany {
        left: Vec<String>,
        right: Vec<String>,
    },
}

pub(super) fn statements_of(sentences: &[Sentence]) -> Vec<Statement> {
    sentences
        .iter()
        .filter(|s| !s.section)
        .flat_map(|s| split_clauses(&s.tokens))
        .filter(|clause| auth_keyword(&words_of(clause)).is_none())
        .flat_map(|clause| classify(&clause))
        .collect()
}

pub(super) fn classify(tokens: &[Tok]) -> Vec<Statement> {
    if let Some(named) = named_by_heading(tokens) {
        return classify(&named);
    }
    // A many-to-many link stands beside whatever else the clause states ("a list has a name
    // and contains many targets"); the model drops the one-to-many it would otherwise read.
    let mut joins = many_to_many(tokens);
    let mut rest = classify_single(tokens);
    joins.append(&mut rest);
    joins
}

fn classify_single(tokens: &[Tok]) -> Vec<Statement> {
    if let Some(statements) = colon_statement(tokens) {
        return statements;
    }
    if let Some(statement) = field_clause(tokens) {
        return split_nested_entity(statement);
    }
    let single = enum_clause(tokens)
        .or_else(|| owns_clause(tokens))
        .or_else(|| noun_list(tokens));
    match single {
        Some(statement) => vec![statement],
        None => scan_entity_lists(tokens),
    }
}

/// "Cars have a plate and a model, and service records with the car, a date and a cost": the
/// items from "service records with" on are a thing of their own, not fields of cars.
fn split_nested_entity(statement: Statement) -> Vec<Statement> {
    let Statement::Fields { subject, items } = statement else {
        return vec![statement];
    };
    let nested = items
        .iter()
        .position(|item| item.kind == ItemKind::Field && item.nested_with && item.words.len() <= 3);
    match nested {
        Some(k) if k > 0 => {
            let mut inner = items[k + 1..].to_vec();
            if let Some(first) = items[k].nested_first.clone() {
                inner.insert(0, *first);
            }
            vec![
                Statement::Fields {
                    subject,
                    items: items[..k].to_vec(),
                },
                Statement::Fields {
                    subject: items[k].words.clone(),
                    items: inner,
                },
            ]
        }
        _ => vec![Statement::Fields { subject, items }],
    }
}

/// "Pet clinic system: owners (…), pets (…)", "Products: name, price", "Status: open/closed".
pub(super) fn colon_statement(tokens: &[Tok]) -> Option<Vec<Statement>> {
    let at = tokens.iter().position(|t| *t == Tok::Colon)?;
    let mut left: Vec<&str> = all_words(&tokens[..at])?;
    // "Organisations we place volunteers with: …", "Things I sell: …": the thing is named
    // before the clause about it.
    if let Some(p) = left
        .iter()
        .position(|w| SPEAKERS.contains(w))
        .filter(|&p| p > skip_determiners(&left))
    {
        left.truncate(p);
    }
    // "Each track: …", "A record: …": a word that is also a verb of fields names the thing
    // when only determiners stand before it; so does a plural noun of records right before
    // the colon ("treatment records: patient, dentist").
    let noun_before_colon = (left.len() > 1 && skip_determiners(&left) == left.len() - 1)
        || left.last().is_some_and(|w| NOUN_VERBS.contains(w));
    if (find_pattern(&left, FIELD_VERBS, 1).is_some() && !noun_before_colon)
        || find_pattern(&left, RELATION_VERBS, 0).is_some()
    {
        return None;
    }
    let right = &tokens[at + 1..];
    let start = skip_determiners(&left);
    let right_is_clause = field_clause(right).is_some() || noun_list(right).is_some();
    let article = left.first().is_some_and(|w| matches!(*w, "a" | "an"));
    let subject = subject_phrase(&left[start..]).filter(|_| !right_is_clause && !article);
    let Some(subject) = subject else {
        return Some(classify(right));
    };
    let last = subject.last().map(String::as_str).unwrap_or_default();
    // "status: open / closed": values. Not when the slashes sit inside an item of a list of
    // fields ("Tickets: title, status: open / closed").
    let slashed = right.contains(&Tok::Slash) && !right.contains(&Tok::Colon);
    // "stock level: warehouse, product, quantity int": an item with its type is a field.
    let typed = words_of(right).iter().any(|w| type_word(w).is_some());
    if slashed || (!is_plural(last) && enum_like_name(last) && !typed) {
        let values = enum_values(right)?;
        return Some(vec![Statement::Enum {
            entity: None,
            field: subject,
            values,
        }]);
    }
    let items = parse_items(&split_list(right));
    Some(vec![Statement::Fields { subject, items }])
}

/// "Observing lists: a list has a name …": the clause after the colon speaks of the thing the
/// words before it name in full, so its subject takes that name ("observing list has …").
fn named_by_heading(tokens: &[Tok]) -> Option<Vec<Tok>> {
    let at = tokens.iter().position(|t| *t == Tok::Colon)?;
    let all: Vec<&str> = all_words(&tokens[..at])?;
    let left = &all[skip_determiners(&all)..];
    let right = &tokens[at + 1..];
    let lead = leading_words(right);
    let start = skip_determiners(&lead);
    // Not "Track expenses: each expense has …", where the words before say what to do.
    let verb_first = left
        .first()
        .is_some_and(|w| ACTION_VERBS.contains(w) || match_at(left, 0, FIELD_VERBS).is_some());
    if verb_first {
        return None;
    }
    let same_head = match (left.split_last(), lead.get(start)) {
        (Some((last, rest)), Some(first)) => {
            !rest.is_empty() && singular(last) == singular(first) && noun_phrase(left).is_some()
        }
        _ => false,
    };
    // Only "a list has …", "each list belongs to …": the head alone, then its verb.
    if !same_head || !verb_at(&lead, start + 1) {
        return None;
    }
    let mut out: Vec<Tok> = right[..start].to_vec();
    if let Some((last, rest)) = left.split_last() {
        out.extend(rest.iter().map(|w| Tok::Word((*w).to_owned())));
        out.push(Tok::Word(singular(last)));
    }
    out.extend_from_slice(&right[start + 1..]);
    Some(out)
}

/// Whether a verb of fields or relations, or a modal before one, stands at `i` ("a list has",
/// "each list belongs to", "a report may carry"): what tells a subject from a noun before it.
pub(super) fn verb_at(words: &[&str], i: usize) -> bool {
    match_at(words, i, FIELD_VERBS).is_some()
        || match_at(words, i, RELATION_VERBS).is_some()
        || words.get(i).is_some_and(|w| MODALS.contains(w))
}

/// Verbs of fields that are also plural nouns of records ("treatment records", "call logs").
#[rustfmt::skip]
const NOUN_VERBS: &[&str] = &[
    "records", "logs", "notes", "lists", "sets", "tracks", "states", "shows", "record", "log",
    "note", "list", "set", "track", "state", "show",
];

pub(super) fn enum_like_name(word: &str) -> bool {
    [
        "status",
        "state",
        "priority",
        "severity",
        "kind",
        "type",
        "category",
        "level",
        "role",
        "stage",
        "phase",
        "gender",
        "visibility",
        "size",
        "colour",
        "color",
        "tier",
        "plan",
    ]
    .contains(&word)
}

/// "Books have a title …", "Each book belongs to a publisher".
pub(super) fn field_clause(tokens: &[Tok]) -> Option<Statement> {
    let words = leading_words(tokens);
    let start = skip_determiners(&words);
    for j in start..words.len().min(start + 8) {
        let (len, relation) = match match_at(&words, j, RELATION_VERBS) {
            Some(len) => (len, true),
            None => match match_at(&words, j, FIELD_VERBS) {
                Some(len) => (len, false),
                None => continue,
            },
        };
        // A verb with no subject before it ("Notes have …", "Track expenses: …") is not one.
        let Some(subject) = subject_phrase(trim_modals(&words[start..j])) else {
            if j == start {
                continue;
            }
            return None;
        };
        // "Observing lists have …", "Call logs record …": a verb right before another is a
        // noun of the subject.
        if !relation && len == 1 && verb_at(&words, j + len) {
            continue;
        }
        // "A fishing log.", "Fishing record.": a verb with nothing after it is a noun; so is
        // a plural of records right before a colon ("treatment records: patient, …").
        let noun =
            len == 1 && NOUN_VERBS.contains(&words[j]) && tokens.get(j + 1) == Some(&Tok::Colon);
        if tokens.len() <= j + len || noun {
            return None;
        }
        let mut rest: Vec<Tok> = tokens[j + len..].to_vec();
        if rest.first() == Some(&Tok::Colon) {
            rest.remove(0);
        }
        if relation {
            rest.splice(0..0, [Tok::Word("belongs".into()), Tok::Word("to".into())]);
            // "A line item can optionally point at a product": the link is optional.
            let optional = words[start..j]
                .iter()
                .any(|w| ["optionally", "optional", "may", "might", "can", "could"].contains(w));
            if optional {
                rest.insert(0, Tok::Word("optionally".into()));
            }
        }
        let list = split_list(&rest);
        if !relation {
            if let Some(nouns) = all_bare_plurals(&list) {
                let article = start > 0 && matches!(words[0], "a" | "an" | "the");
                let singular_subject = subject.last().is_some_and(|w| !is_plural(w));
                return Some(Statement::Entities {
                    owner: Some(Owner {
                        words: subject,
                        weak: article && singular_subject,
                    }),
                    nouns,
                });
            }
        }
        return Some(Statement::Fields {
            subject,
            items: parse_items(&list),
        });
    }
    None
}

pub(super) fn all_bare_plurals(list: &[(Sep, Vec<Tok>)]) -> Option<Vec<(Vec<String>, Vec<Item>)>> {
    if list.is_empty() {
        return None;
    }
    list.iter()
        .map(|(_, tokens)| {
            bare_plural(tokens).map(|(noun, group)| {
                let items = group
                    .map(|g| parse_items(&split_list(&g)))
                    .unwrap_or_default();
                (noun, items)
            })
        })
        .collect()
}

/// "A task's status can be todo, doing or done", "The status of an order is one of …".
pub(super) fn enum_clause(tokens: &[Tok]) -> Option<Statement> {
    let words = leading_words(tokens);
    let (at, len) = find_pattern(&words, ENUM_TRIGGERS_IN_CLAUSE, 1)?;
    let values = enum_values(&tokens[at + len..])?;
    let left = &words[..at];
    let left = &left[skip_determiners(left)..];
    let (entity, field) = if let Some(k) = left.iter().position(|w| *w == "'s") {
        let field = &left[k + 1..];
        (Some(&left[..k]), field)
    } else if let Some(k) = left.iter().position(|w| *w == "of") {
        let entity = &left[k + 1..];
        (Some(&entity[skip_determiners(entity)..]), &left[..k])
    } else {
        (None, left)
    };
    let field = noun_phrase(field)?;
    let entity = match entity {
        Some(e) => Some(noun_phrase(e)?),
        None => None,
    };
    Some(Statement::Enum {
        entity,
        field,
        values,
    })
}

/// At least two bare values: "open, closed or archived", "open/closed".
pub(super) fn enum_values(tokens: &[Tok]) -> Option<Vec<String>> {
    let values: Vec<String> = tokens
        .split(|t| *t == Tok::Slash)
        .flat_map(split_list)
        .map(|(_, item)| bare_value(&item))
        .collect::<Option<_>>()?;
    (values.len() >= 2).then_some(values)
}

/// One enum value: 1-3 words with no article in front.
pub(super) fn bare_value(tokens: &[Tok]) -> Option<String> {
    let words = leading_words(tokens);
    let ok = words.len() == tokens.len()
        && !words.is_empty()
        && words.len() <= 3
        && ![
            "a", "an", "the", "its", "their", "each", "every", "has", "have", "belongs", "belong",
            "with", "many",
        ]
        .contains(&words[0]);
    ok.then(|| words.join(" "))
}

/// "Customers place orders": the owned entities belong to the owner.
pub(super) fn owns_clause(tokens: &[Tok]) -> Option<Statement> {
    let words = leading_words(tokens);
    let start = skip_determiners(&words);
    let upper = words.len().min(start + 5);
    for v in (start + 1..upper).rev() {
        let verb = words[v];
        if !is_candidate_verb(verb) {
            continue;
        }
        let before = &words[start..v];
        let trimmed = trim_modals(before);
        let Some(owner) = noun_phrase(trimmed) else {
            continue;
        };
        let plural_owner = owner.last().is_some_and(|w| is_plural(w));
        let has_modal = trimmed.len() < before.len();
        if owner.len() > 2
            || (plural_owner && !has_modal && verb.ends_with('s') && !verb.ends_with("ss"))
        {
            continue;
        }
        let mut rest = &tokens[v + 1..];
        while let Some(Tok::Word(w)) = rest.first() {
            if QUANTIFIERS.contains(&w.as_str()) {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        let owned: Vec<Vec<String>> = split_list(rest)
            .iter()
            .map_while(|(_, item)| bare_plural(item).filter(|(n, g)| g.is_none() && n.len() <= 2))
            .map(|(noun, _)| noun)
            .collect();
        if !owned.is_empty() {
            return Some(Statement::Owns { owner, owned });
        }
    }
    None
}

pub(super) fn is_candidate_verb(word: &str) -> bool {
    const NOT_OWNING: &[&str] = &[
        "manage", "list", "lists", "view", "views", "see", "sees", "browse", "browses", "search",
        "searches", "edit", "edits", "create", "creates", "update", "updates", "delete", "deletes",
        "read", "reads", "get", "gets", "like", "likes", "need", "needs", "want", "wants", "use",
        "uses", "include", "includes", "require", "requires", "access", "accesses", "visit",
        "visits",
    ];
    word.len() >= 2
        && word.chars().all(|c| c.is_ascii_alphabetic())
        && !STOP_WORDS.contains(&word)
        && !is_determiner(word)
        && !NOT_OWNING.contains(&word)
}

/// A clause that is only a list of plural nouns: "owners (…), pets (…) and visits (…)".
pub(super) fn noun_list(tokens: &[Tok]) -> Option<Statement> {
    let nouns = all_bare_plurals(&split_list(tokens))?;
    Some(Statement::Entities { owner: None, nouns })
}

/// Lists of plural nouns after words such as "with", "needs", "manage".
pub(super) fn scan_entity_lists(tokens: &[Tok]) -> Vec<Statement> {
    let mut out = Vec::new();
    for (k, tok) in tokens.iter().enumerate() {
        let Tok::Word(w) = tok else { continue };
        if !LIST_TRIGGERS.contains(&w.as_str()) {
            continue;
        }
        let mut rest = &tokens[k + 1..];
        while let Some(Tok::Word(q)) = rest.first() {
            if QUANTIFIERS.contains(&q.as_str()) || q == "both" {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        let nouns: Vec<(Vec<String>, Vec<Item>)> = split_list(rest)
            .iter()
            .map_while(|(_, item)| bare_plural(item))
            .map(|(noun, group)| {
                let items = group
                    .map(|g| parse_items(&split_list(&g)))
                    .unwrap_or_default();
                (noun, items)
            })
            .collect();
        if !nouns.is_empty() {
            out.push(Statement::Entities { owner: None, nouns });
        }
    }
    out
}

/// Verbs that link two things many-to-many when followed by "many".
#[rustfmt::skip]
const LINK_VERBS: &[&str] = &[
    "contain", "contains", "include", "includes", "enrol", "enrols", "enroll", "enrolls",
    "attend", "attends", "join", "joins", "play", "plays", "appear", "appears", "star", "stars",
    "take", "takes", "follow", "follows", "like", "likes", "belong", "belongs", "feature",
    "features", "carry", "carries", "use", "uses", "cover", "covers", "tag", "tags", "teach",
    "teaches", "speak", "speaks", "visit", "visits", "serve", "serves", "sell", "sells", "stock",
    "stocks", "offer", "offers", "work", "works", "participate", "participates", "register",
    "registers", "subscribe", "subscribes", "link", "links", "reference", "references", "tagged",
    "attached", "linked", "assigned", "read", "reads", "write", "writes", "own", "owns", "share",
    "shares", "support", "supports", "perform", "performs", "compete", "competes", "involve",
    "involves", "require", "requires", "lead", "leads", "sponsor", "sponsors", "host", "hosts",
    "study", "studies", "attack", "attacks", "apply", "applies", "save", "saves", "favourite",
    "favourites", "bookmark", "bookmarks", "watch", "watches", "review", "reviews", "rate", "rates",
    "bundle", "bundles", "group", "groups", "combine", "combines", "collect", "collects",
    "depend", "depends", "mix", "mixes",
    "in", "on", "to", "at", "for", "with", "into", "across",
];

/// Auxiliaries between a subject and its verb.
const AUXILIARIES: &[&str] = &[
    "can",
    "may",
    "could",
    "might",
    "will",
    "would",
    "should",
    "must",
    "is",
    "are",
    "be",
    "been",
    "also",
    "often",
    "usually",
    "typically",
    "each",
    "obviously",
    "then",
    "do",
    "does",
];

/// Things usually shared by many others: "posts have many tags" links them many-to-many.
#[rustfmt::skip]
const SHARED: &[&str] = &[
    "tags", "labels", "categories", "amenities", "skills", "genres", "topics", "interests",
    "keywords", "languages", "features", "badges", "allergens", "ingredients", "members",
    "participants", "attendees", "students", "courses", "authors", "actors", "contacts",
    "speakers", "instructors", "teachers", "players", "volunteers", "sponsors", "groups",
];

/// Words of a clause with commas kept as ",".
fn flat_words(tokens: &[Tok]) -> Vec<String> {
    tokens
        .iter()
        .filter_map(|t| match t {
            Tok::Word(w) => Some(w.clone()),
            Tok::Comma => Some(",".to_owned()),
            _ => None,
        })
        .collect()
}

/// "Orders contain many products and a product can appear in many orders", "Users join many
/// groups", "Tickets can have many tags": one statement per pair linked many-to-many.
pub(super) fn many_to_many(tokens: &[Tok]) -> Vec<Statement> {
    let words = flat_words(tokens);
    // Sub-clauses: at commas, and at "and"/"but"/"while" before a new subject.
    let mut parts: Vec<&[String]> = Vec::new();
    let mut start = 0;
    for i in 0..words.len() {
        let boundary = words[i] == ","
            || (["and", "but", "while", "whereas"].contains(&words[i].as_str())
                && words.get(i + 1).is_some_and(|w| is_determiner(w)));
        if boundary {
            parts.push(&words[start..i]);
            start = i + 1;
        }
    }
    parts.push(&words[start..]);
    let mut subject_of_sentence: Option<Vec<String>> = None;
    let mut out = Vec::new();
    for part in parts {
        let refs: Vec<&str> = part.iter().map(String::as_str).collect();
        let Some(m) = refs
            .iter()
            .position(|w| ["many", "multiple", "several"].contains(w))
        else {
            if subject_of_sentence.is_none() {
                subject_of_sentence = leading_subject(&refs).map(|(s, _)| s);
            }
            continue;
        };
        let (subject, verb_at) = match leading_subject(&refs[..m]) {
            Some(found) => found,
            None => match &subject_of_sentence {
                Some(s) => (s.clone(), 0),
                None => continue,
            },
        };
        if subject_of_sentence.is_none() {
            subject_of_sentence = Some(subject.clone());
        }
        let verbs: Vec<&str> = refs[verb_at..m]
            .iter()
            .copied()
            .filter(|w| {
                !AUXILIARIES.contains(w) && !["other", "different", "be", "is", "are"].contains(w)
            })
            .collect();
        let object_words: Vec<&str> = refs[m + 1..]
            .iter()
            .copied()
            .skip_while(|w| ["other", "different", "of", "the"].contains(w))
            .take_while(|w| {
                !["and", "or", "too", "as", "at", "in", "on", "with", "each"].contains(w)
            })
            .take(3)
            .collect();
        let Some(object) = subject_phrase(&object_words) else {
            continue;
        };
        if !object.last().is_some_and(|w| is_plural(w)) {
            continue;
        }
        let has = verbs.iter().all(|v| ["has", "have", "got"].contains(v));
        let shared = object.last().is_some_and(|w| SHARED.contains(&w.as_str()));
        let linking = !verbs.is_empty() && verbs.iter().all(|v| LINK_VERBS.contains(v));
        if (has && shared) || (!has && linking) {
            out.push(Statement::ManyToMany {
                left: subject,
                right: object,
            });
        }
    }
    out
}

/// The noun phrase a clause starts with and where its verb starts: "a product can appear" →
/// (`product`, 2).
fn leading_subject(words: &[&str]) -> Option<(Vec<String>, usize)> {
    let start = skip_determiners(words);
    let end = (start + 1..words.len().min(start + 4)).find(|&j| {
        AUXILIARIES.contains(&words[j])
            || LINK_VERBS.contains(&words[j])
            || ["has", "have"].contains(&words[j])
    })?;
    noun_phrase(&words[start..end]).map(|s| (s, end))
}
