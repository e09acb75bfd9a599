//! Field items: one item of a field list read into a name, type hints, flags, a relation reference or enum values.

use super::*;

/// Reads every item of a field list; bare words after an open enum are its further values.
pub(super) fn parse_items(list: &[(Sep, Vec<Tok>)]) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut open: Option<usize> = None;
    let mut relation: Option<Option<Vec<String>>> = None;
    let list = schema_types(shared_heads(split_at_which(list)));
    for (idx, (sep, tokens)) in list.iter().enumerate() {
        let tokens = &choices_of_of(tokens, &list[idx + 1..]);
        if let (Some(subject), Some(target)) = (&relation, further_target(tokens)) {
            out.push(Item {
                kind: ItemKind::BelongsTo {
                    subject: subject.clone(),
                    target,
                },
                ..Item::default()
            });
            continue;
        }
        relation = None;
        if let Some(ix) = open {
            if let Some(value) = bare_value(tokens) {
                out[ix].values.push(value);
                if matches!(sep, Sep::And | Sep::Or) {
                    open = None;
                }
                continue;
            }
            open = None;
        }
        // "the method, one of strip, vapour or drip": the choices of the item before.
        let choices_of_previous = matches!(
            (word_at(tokens, 0), word_at(tokens, 1)),
            (Some("one"), Some("of")) | (Some("either"), Some(_))
        );
        if choices_of_previous {
            let skip = if word_at(tokens, 0) == Some("one") {
                2
            } else {
                1
            };
            if let (Some(last), Some(value)) = (out.last_mut(), bare_value(&tokens[skip..])) {
                if last.kind == ItemKind::Field && last.values.is_empty() {
                    last.values.push(value);
                    last.open_enum = true;
                    open = Some(out.len() - 1);
                    continue;
                }
            }
        }
        let item = parse_item(tokens);
        // "belongs to a vehicle and a driver" continues; "which customer, the date" does not.
        if let ItemKind::BelongsTo { subject, .. } = &item.kind {
            if word_at(tokens, 0) != Some("which") {
                relation = Some(subject.clone());
            }
        }
        if item.kind != ItemKind::Field || !item.words.is_empty() {
            // Only an item that is kept can take the values that follow it.
            if item.open_enum {
                open = Some(out.len());
            }
            out.push(item);
        }
    }
    out
}

/// "title string unique, opens date, closes date": in a list whose items give their column
/// types ("string", "int", "bool" after a name), a trailing "date", "text", "email" or "url" is
/// the type too, as if written "opens (date)".
fn schema_types(mut list: Vec<(Sep, Vec<Tok>)>) -> Vec<(Sep, Vec<Tok>)> {
    let typed = |item: &[Tok]| {
        let words = leading_words(item);
        words.len() >= 2
            && words.iter().skip(1).any(|w| {
                column_type(w).is_some() || ["int", "integer", "decimal", "float"].contains(w)
            })
    };
    if !list.iter().any(|(_, item)| typed(item)) {
        return list;
    }
    for (_, item) in &mut list {
        let words = leading_words(item);
        let last = words.last().copied().unwrap_or_default();
        let soft = ["date", "text", "email", "url", "json"].contains(&last);
        if soft && words.len() >= 2 && words.len() == item.len() {
            let ty = Tok::Group(vec![Tok::Word(last.to_owned())]);
            item.pop();
            item.push(ty);
        }
    }
    list
}

/// "the departure and arrival times", "start and end dates": two words sharing the plural
/// noun after the second are two items, `departure_time` and `arrival_time`.
fn shared_heads(mut list: Vec<(Sep, Vec<Tok>)>) -> Vec<(Sep, Vec<Tok>)> {
    const HEADS: &[&str] = &[
        "times",
        "dates",
        "scores",
        "names",
        "numbers",
        "addresses",
        "prices",
        "counts",
        "days",
        "hours",
        "points",
        "emails",
        "phones",
        "totals",
        "amounts",
        "weights",
        "temperatures",
        "readings",
        "levels",
        "rates",
        "fees",
        "costs",
    ];
    for i in 1..list.len() {
        let (sep, second) = &list[i];
        let second_words = leading_words(second);
        let [qualifier, head] = second_words[..] else {
            continue;
        };
        if *sep != Sep::And || second_words.len() != second.len() || !HEADS.contains(&head) {
            continue;
        }
        let first = &list[i - 1].1;
        let first_words = leading_words(first);
        let start = skip_determiners(&first_words);
        // Not "a name and phone numbers": the first word must not name a field by itself.
        if first_words.len() != first.len()
            || first_words.len() != start + 1
            || infer_type(first_words[start]) != (FieldType::String, false)
        {
            continue;
        }
        let one = singular(head);
        let (qualifier, first_word) = (qualifier.to_owned(), first_words[start].to_owned());
        let mut rewritten: Vec<Tok> = first[..start].to_vec();
        rewritten.extend([Tok::Word(first_word), Tok::Word(one.clone())]);
        list[i - 1].1 = rewritten;
        list[i].1 = vec![Tok::Word(qualifier), Tok::Word(one)];
    }
    list
}

/// "an urgency of low, medium or high": an item ending "<name> of <value>" whose next items are
/// single values closed by "or" names a choice among them — read as "urgency one of low, …".
/// Not "a number of adults, children or infants", where "of" says what is counted.
fn choices_of_of(tokens: &[Tok], after: &[(Sep, Vec<Tok>)]) -> Vec<Tok> {
    const COUNTED: &[&str] = &[
        "number",
        "count",
        "amount",
        "list",
        "set",
        "total",
        "lot",
        "lots",
        "couple",
        "pair",
        "group",
        "collection",
        "quantity",
        "mix",
        "range",
    ];
    let of = tokens
        .iter()
        .rposition(|t| matches!(t, Tok::Word(w) if w == "of"));
    let values: Vec<&(Sep, Vec<Tok>)> = after
        .iter()
        .take_while(|(_, t)| bare_value(t).is_some())
        .collect();
    let closed = values.last().is_some_and(|(sep, _)| *sep == Sep::Or);
    match of {
        Some(k)
            if closed
                && k >= 1
                && bare_value(&tokens[k + 1..]).is_some()
                && word_at(tokens, k - 1)
                    .is_some_and(|w| !COUNTED.contains(&w) && !is_determiner(w)) =>
        {
            let mut out = tokens.to_vec();
            out.insert(k, Tok::Word("one".into()));
            out
        }
        _ => tokens.to_vec(),
    }
}

/// "which customer took which vehicle from which depot": one item per "which" that refers to
/// a thing ("which can be …" stays whole).
fn split_at_which(list: &[(Sep, Vec<Tok>)]) -> Vec<(Sep, Vec<Tok>)> {
    let mut out = Vec::new();
    for (sep, tokens) in list {
        let mut current: Vec<Tok> = Vec::new();
        let mut current_sep = *sep;
        for (i, tok) in tokens.iter().enumerate() {
            let refers = word_at(tokens, i) == Some("which")
                && word_at(tokens, i + 1).is_some_and(|next| !AFTER_WHICH.contains(&next));
            if refers && !current.is_empty() {
                out.push((current_sep, which_thing(std::mem::take(&mut current))));
                current_sep = Sep::And;
            }
            current.push(tok.clone());
        }
        if !current.is_empty() {
            out.push((current_sep, which_thing(current)));
        }
    }
    out
}

/// Past tenses that are not participles ("which driver drove which truck").
const PAST_TENSES: &[&str] = &[
    "drove", "came", "went", "ran", "saw", "took", "gave", "got", "wrote", "rode", "flew", "ate",
    "spoke", "chose", "began", "drew", "grew", "threw", "wore", "sang", "swam",
];

/// An item "which candidate met" cut at its verb: "which candidate" (the verb only says how
/// the things the record links are related).
fn which_thing(item: Vec<Tok>) -> Vec<Tok> {
    if word_at(&item, 0) != Some("which") {
        return item;
    }
    let verb = (2..item.len())
        .find(|&k| word_at(&item, k).is_some_and(|w| is_participle(w) || PAST_TENSES.contains(&w)));
    match verb {
        Some(k) => item[..k].to_vec(),
        None => item,
    }
}

/// Words that end the noun after "which" ("which customer took", "which game was played").
#[rustfmt::skip]
const AFTER_WHICH: &[&str] = &[
    "took", "take", "takes", "saw", "see", "sees", "won", "was", "were", "is", "are", "did",
    "does", "made", "got", "gave", "went", "ran", "wrote", "paid", "sent", "left", "came",
    "bought", "sold", "had", "has", "have", "used", "uses", "from", "to", "in", "on", "at", "by",
    "for", "with", "and", "or", "the", "a", "an", "it", "they", "he", "she", "we", "you", "i",
    "into", "out", "of", "will", "would", "can", "could", "should", "must", "may",
];

/// The thing "which X" refers to: the noun right after it, at most three words.
fn which_target(words: &[&str]) -> Vec<String> {
    words
        .iter()
        .take_while(|w| !(AFTER_WHICH.contains(w) || (w.len() > 4 && w.ends_with("ed"))))
        .take(3)
        .map(|w| (*w).to_owned())
        .collect()
}

/// "when it started" → `started_at`; "how many copies we own" → `copies`; "how much it cost"
/// → `cost`: a field named by the clause a question word introduces.
fn question_item(words: &[String], item: &mut Item) -> bool {
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    match refs.as_slice() {
        ["which", rest @ ..] => {
            let target = which_target(rest);
            if target.is_empty() {
                return false;
            }
            item.kind = ItemKind::BelongsTo {
                subject: None,
                target,
            };
            item.which = true;
            true
        }
        ["when", rest @ ..] => {
            let Some(last) = rest
                .iter()
                .rev()
                .find(|w| !["it", "they", "was", "were", "is", "did", "done"].contains(w))
            else {
                return false;
            };
            item.words = vec![format!("{last}_at")];
            item.explicit = Some(FieldType::Datetime);
            true
        }
        // "on what date", "at what time": the noun asked for.
        ["on" | "at" | "in" | "by", "what", noun] if noun_phrase(&[noun]).is_some() => {
            item.words = vec![(*noun).to_owned()];
            true
        }
        ["how", "many", rest @ ..] | ["how", "much", rest @ ..] => {
            let much = refs[1] == "much";
            let noun = rest
                .iter()
                .find(|w| !is_determiner(w) && !AFTER_WHICH.contains(w));
            // "how much they promised", "how much was paid": an amount; "how many of them we
            // own": a quantity.
            let verb = |w: &&&str| w.len() > 4 && w.ends_with("ed") || ["paid", "owe"].contains(w);
            let pronoun = |w: &&&str| ["them", "those", "these", "us", "it"].contains(w);
            let noun = match noun {
                Some(noun) if much && verb(&noun) => &"amount",
                Some(noun) if !much && pronoun(&noun) => &"quantity",
                Some(noun) => noun,
                None if much => &"amount",
                None => &"quantity",
            };
            item.words = vec![(*noun).to_owned()];
            item.explicit = Some(if much {
                FieldType::Decimal
            } else {
                FieldType::Integer
            });
            true
        }
        _ => false,
    }
}

/// "service records with the car": a plural noun (not one of the usual plural fields) with
/// the first item of its own list.
fn nested_item(tokens: &[Tok]) -> Option<Item> {
    let at = tokens
        .iter()
        .position(|t| matches!(t, Tok::Word(w) if w == "with"))?;
    let lead: Vec<&str> = leading_words(&tokens[..at]);
    if lead.len() != at {
        return None;
    }
    let lead: Vec<&str> = lead
        .into_iter()
        .filter(|w| !["and", "also", "plus"].contains(w))
        .collect();
    let start = skip_determiners(&lead);
    // "service records": a word the analyzer otherwise reads as technology may lead a name.
    let words = &lead[start..];
    let last = words.last()?;
    noun_phrase(std::slice::from_ref(last))?;
    if words.len() > 3
        || !words
            .iter()
            .all(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return None;
    }
    let noun: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
    if !is_plural(last) || FIELD_PLURALS.contains(last) || tokens.len() <= at + 1 {
        return None;
    }
    Some(Item {
        words: noun,
        nested_with: true,
        nested_first: Some(Box::new(parse_item(&tokens[at + 1..]))),
        ..Item::default()
    })
}

/// "a driver" in "belong to a vehicle and a driver": an article and a noun phrase.
pub(super) fn further_target(tokens: &[Tok]) -> Option<Vec<String>> {
    let words = leading_words(tokens);
    if words.len() != tokens.len() || !matches!(words.first(), Some(&("a" | "an" | "the" | "one")))
    {
        return None;
    }
    noun_phrase(&words[1..])
}

pub(super) fn parse_item(tokens: &[Tok]) -> Item {
    if let Some(item) = nested_item(tokens) {
        return item;
    }
    let mut item = Item::default();
    let mut words = Vec::new();
    let mut after_colon: Option<Vec<Tok>> = None;
    for tok in tokens {
        match (tok, after_colon.as_mut()) {
            (t, Some(rest)) => rest.push(t.clone()),
            (Tok::Word(w), None) => words.push(w.clone()),
            (Tok::Group(inner), None) => read_group(inner, &mut item),
            (Tok::Colon, None) => after_colon = Some(Vec::new()),
            _ => {}
        }
    }
    if let Some(rest) = after_colon {
        read_group(&rest, &mut item);
        item.open_enum = !item.values.is_empty();
    }
    read_words(words, &mut item);
    if item.reference && item.kind == ItemKind::Field && !item.words.is_empty() {
        item.kind = ItemKind::BelongsTo {
            subject: None,
            target: item.words.clone(),
        };
    }
    item
}

/// "(unique)", "(decimal)", "(low, medium, high)" or, after a colon, "open/closed".
pub(super) fn read_group(inner: &[Tok], item: &mut Item) {
    let words = words_of(inner);
    let Some(first) = words.first() else { return };
    if ["in", "per"].contains(&first.as_str()) {
        if let Some(ty) = words.get(1).and_then(|w| unit_type(w)) {
            item.explicit = Some(ty);
        }
        return;
    }
    if [
        "eg", "e", "like", "such", "for", "ie", "example", "max", "min", "at",
    ]
    .contains(&first.as_str())
    {
        return;
    }
    // "target (fk)", "runner (ref)": the item names another thing.
    if words.iter().all(|w| {
        [
            "fk",
            "foreign",
            "key",
            "ref",
            "reference",
            "references",
            "relation",
        ]
        .contains(&w.as_str())
    }) {
        item.reference = true;
        return;
    }
    if words
        .iter()
        .all(|w| MODIFIERS.contains(&w.as_str()) || ["and", "not", "but"].contains(&w.as_str()))
    {
        apply_modifiers(&words, item);
        return;
    }
    if words.len() == 1 {
        if let Some(ty) = type_word(first) {
            item.explicit = Some(ty);
            return;
        }
    }
    let values: Vec<String> = inner
        .split(|t| *t == Tok::Slash)
        .flat_map(split_list)
        .filter_map(|(_, t)| bare_value(&t))
        .collect();
    item.values.extend(values);
}

pub(super) fn apply_modifiers(words: &[String], item: &mut Item) {
    for (i, w) in words.iter().enumerate() {
        let negated = i > 0 && words[i - 1] == "not";
        match w.as_str() {
            "unique" | "distinct" => item.unique = !negated,
            "optional" | "optionally" | "nullable" => item.optional = true,
            "required" | "mandatory" | "compulsory" => {
                if negated {
                    item.optional = true;
                } else {
                    item.required = true;
                }
            }
            _ => {}
        }
    }
}

pub(super) fn read_words(words: Vec<String>, item: &mut Item) {
    #[rustfmt::skip]
    const LEADING_VERBS: &[&str] = &[
        "has", "have", "with", "also", "plus", "includes", "including", "contains", "containing",
        "and",
    ];
    item.possessor = words
        .iter()
        .position(|w| w == "'s")
        .filter(|&k| k > 0)
        .map(|k| words[k - 1].clone());
    let mut w: Vec<String> = words.into_iter().filter(|w| w != "'s").collect();
    let lead = w
        .iter()
        .take_while(|x| LEADING_VERBS.contains(&x.as_str()))
        .count();
    // "has monitor", "has parking": a yes/no field (with an article it is a list: "has a
    // price").
    if lead == 1
        && ["has", "have"].contains(&w[0].as_str())
        && w.len() == 2
        && !is_determiner(&w[1])
        && !is_plural(&w[1])
    {
        item.words = w;
        item.words[0] = "has".into();
        item.explicit = Some(FieldType::Bool);
        return;
    }
    w.drain(..lead);
    // "… and opens one unit", "serves exactly one region": a verb and one thing is a link.
    let one = match w.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [verb, "one", rest @ ..]
        | [verb, "exactly", "one", rest @ ..]
        | [verb, "a", "single", rest @ ..]
            if verb.len() > 2 && verb.ends_with('s') && !rest.is_empty() && rest.len() <= 3 =>
        {
            subject_phrase(rest)
        }
        _ => None,
    };
    if let Some(target) = one {
        item.kind = ItemKind::BelongsTo {
            subject: None,
            target,
        };
        return;
    }
    if question_item(&w, item) {
        return;
    }
    // "who made it", "who signed them off": the person an act is by, `made_by`.
    if let [who, verb, rest @ ..] = &w[..] {
        let object = rest
            .iter()
            .all(|w| ["it", "them", "this", "that", "off", "up", "out"].contains(&w.as_str()));
        if who == "who" && is_participle(verb) && object {
            item.words = vec![verb.clone(), "by".to_owned()];
            return;
        }
    }
    if w.first()
        .is_some_and(|x| ["who", "which", "that", "whose", "where", "when"].contains(&x.as_str()))
    {
        return;
    }
    if read_relation(&w, item) {
        return;
    }
    let refs: Vec<&str> = w.iter().map(String::as_str).collect();
    if refs
        .first()
        .is_some_and(|q| ["many", "multiple", "several", "numerous"].contains(q))
    {
        let mut rest = &refs[1..];
        if rest.first() == Some(&"of") {
            rest = &rest[1..];
        }
        let rest = &rest[skip_determiners(rest)..];
        item.kind = ItemKind::HasMany(cut_name(rest));
        return;
    }
    // "unique downloads", "unique visitors": a count of distinct things, not a marker.
    if w.len() == 2 && w[0] == "unique" && is_plural(&w[1]) {
        item.explicit = Some(FieldType::Integer);
    } else {
        apply_modifiers(&w, item);
        w.retain(|x| !MODIFIERS.contains(&x.as_str()) && x != "not");
    }
    let refs: Vec<&str> = w.iter().map(String::as_str).collect();
    let mut name: Vec<String> = refs.iter().map(|s| (*s).to_owned()).collect();
    // "an adoption status of available, on hold, …": "of" after a name of choices.
    // Not "the kind of event (entry, exit)": there the values are in the group, and the
    // words after "of" say what kind.
    let of_choices = refs
        .iter()
        .position(|w| *w == "of")
        .filter(|&k| k >= 1 && k + 1 < refs.len() && enum_like_name(refs[k - 1]))
        .filter(|_| item.values.is_empty())
        .map(|k| (k, 1));
    if let Some((at, len)) = find_pattern(&refs, ENUM_TRIGGERS_IN_ITEM, 1).or(of_choices) {
        let mut rest = &refs[at + len..];
        for prefix in [&["one", "of"][..], &["either"][..]] {
            if rest.starts_with(prefix) {
                rest = &rest[prefix.len()..];
            }
        }
        if !rest.is_empty() {
            item.values.push(rest.join(" "));
            item.open_enum = true;
        }
        name.truncate(at);
    }
    read_name(name, item);
}

/// "belongs to a project", "each book belongs to a publisher", "owned by a user".
pub(super) fn read_relation(words: &[String], item: &mut Item) -> bool {
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let Some((at, len)) = find_pattern(&refs, RELATION_VERBS, 0) else {
        return false;
    };
    let left = &refs[..at];
    if left
        .iter()
        .any(|w| ["optionally", "optional", "may", "might", "can", "could"].contains(w))
    {
        item.optional = true;
    }
    let left = trim_modals(&left[skip_determiners(left)..]);
    let right = &refs[at + len..];
    let right = &right[skip_determiners(right)..];
    let target = cut_name(right);
    if target.is_empty() {
        return false;
    }
    item.kind = ItemKind::BelongsTo {
        subject: noun_phrase(left),
        target,
    };
    true
}

/// The words of a name up to the first word that starts a qualifier ("in", "for", …).
pub(super) fn cut_name(words: &[&str]) -> Vec<String> {
    let end = words
        .iter()
        .enumerate()
        .position(|(i, w)| i > 0 && CUT_WORDS.contains(w))
        .unwrap_or(words.len());
    let mut out: Vec<String> = words[..end].iter().map(|s| (*s).to_owned()).collect();
    while out.last().is_some_and(|w| w == "of" || is_determiner(w)) {
        out.pop();
    }
    out
}

/// The field's name words, with type hints ("a completed flag", "as a decimal") taken out.
pub(super) fn read_name(words: Vec<String>, item: &mut Item) {
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let mut unit: Option<&str> = None;
    if let Some((ty, word)) = refs
        .windows(2)
        .find(|p| p[0] == "in")
        .and_then(|p| unit_type(p[1]).map(|ty| (ty, p[1])))
    {
        item.explicit = Some(ty);
        // "a length in minutes" is `length_minutes`: the unit is part of what the value
        // means (a currency is not: it is the service's).
        if ty != FieldType::Decimal {
            unit = Some(unit_suffix(word));
        }
    }
    if let Some(k) = refs.iter().position(|w| *w == "as") {
        let hint = refs[k + 1..].iter().find(|w| !is_determiner(w));
        if let Some(ty) = hint.and_then(|w| type_word(w)) {
            item.explicit = Some(ty);
        }
    }
    let refs = &refs[skip_determiners(&refs)..];
    if refs.first() == Some(&"whether") && refs.len() > 1 {
        item.explicit = Some(FieldType::Bool);
        item.words = whether_name(&refs[1..]);
        return;
    }

    let phrase = plain_phrase(refs);
    let refs: Vec<&str> = phrase.iter().map(String::as_str).collect();
    // "valid from", "valid until", "detected by": a preposition that ends the item is part of
    // its name.
    let ends_with_preposition = refs.len() == 2
        && ["from", "to", "until", "till", "since", "by"].contains(&refs[1])
        && !is_determiner(refs[0]);
    let mut name = if ends_with_preposition {
        refs.iter().map(|w| (*w).to_owned()).collect()
    } else {
        cut_name(&refs)
    };
    let starts_list = name.len() > 2
        && ["list", "set", "collection", "array"].contains(&name[0].as_str())
        && name[1] == "of";
    if starts_list {
        name.drain(..2);
        item.list_of = true;
    }
    if name.first().is_some_and(|w| w == "whether") && name.len() > 1 {
        name.remove(0);
        item.explicit = Some(FieldType::Bool);
    }
    // "the number of beds" → `number_of_beds`: the user's own words, counted.
    if name.len() > 2 && name[0] == "number" && name[1] == "of" {
        item.explicit = Some(FieldType::Integer);
    }
    strip_type_hints(&mut name, item);
    while name.len() > 1
        && name
            .last()
            .is_some_and(|w| ["field", "column", "attribute", "property"].contains(&w.as_str()))
    {
        name.pop();
    }
    if name.len() > 4 {
        name.drain(..name.len() - 4);
    }
    if let Some(unit) =
        unit.filter(|u| !name.is_empty() && name.last().map(String::as_str) != Some(*u))
    {
        name.push(unit.to_owned());
    }
    item.words = name;
}

/// The suffix a field name carries for a unit: the short form of a spelled-out metric unit
/// (`kilograms` → `kg`), any other unit as written (`minutes`, `mm`, `rpm`).
fn unit_suffix(unit: &str) -> &str {
    match unit {
        "kilograms" | "kilos" => "kg",
        "kilometres" | "kilometers" => "km",
        "centimetres" | "centimeters" => "cm",
        "millimetres" | "millimeters" => "mm",
        "metres" | "meters" => "m",
        "milligrams" => "mg",
        "millilitres" | "milliliters" => "ml",
        "milliseconds" => "ms",
        "minute" => "minutes",
        "hour" => "hours",
        "second" => "seconds",
        "day" => "days",
        other => other,
    }
}

/// Adjectives that describe a value rather than name it: "a short note" is a `note`, "written
/// feedback" is `feedback`.
const DESCRIPTIVE: &[&str] = &[
    "short",
    "brief",
    "written",
    "detailed",
    "free-text",
    "free-form",
];

/// The words of a field phrase with what only qualifies it taken out, before the name is cut:
/// a rating "out of 10" is a `rating`; "the date it was received" is `date_received`, "the
/// year it first aired" `year_first_aired` (the pronoun and its auxiliary go, a participle
/// stays), "the source it came from" and "how many batteries we own" lose the clause whole;
/// "a price per hour" keeps its unit (`price_per_hour`), which a cut at "per" would lose.
fn plain_phrase(words: &[&str]) -> Vec<String> {
    const PRONOUNS: &[&str] = &["it", "they", "he", "she", "we", "you", "i"];
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if w == "out" && words.get(i + 1) == Some(&"of") && !out.is_empty() {
            break;
        }
        if w == "per" && !out.is_empty() {
            match words.get(i + 1) {
                Some(unit) if !is_determiner(unit) && !CUT_WORDS.contains(unit) => {
                    out.push(format!("per_{unit}"));
                    i += 2;
                    continue;
                }
                _ => break,
            }
        }
        if PRONOUNS.contains(&w) && !out.is_empty() {
            // "the number of cartons on it": the preposition goes with the pronoun.
            while out.len() > 1
                && out.last().is_some_and(|w| {
                    ["on", "at", "in", "of", "to", "for", "with", "from"].contains(&w.as_str())
                })
            {
                out.pop();
            }
            let done = participle(&words[i + 1..]);
            // "the time it was placed" is when it was placed: `placed_at`.
            if out == ["time"] && !done.is_empty() {
                out = done;
                out.push("at".into());
            } else {
                out.extend(done);
            }
            break;
        }
        if out.is_empty() && DESCRIPTIVE.contains(&w) && words.len() > i + 1 {
            i += 1;
            continue;
        }
        out.push(w.to_owned());
        i += 1;
    }
    if out.len() > 2 && out[0] == "number" && out[1] == "of" {
        out.splice(..2, ["number_of".to_owned()]);
    }
    out
}

/// Whether `word` is a past participle: "received", "made", "born".
pub(super) fn is_participle(word: &str) -> bool {
    #[rustfmt::skip]
    const IRREGULAR: &[&str] = &[
        "born", "made", "taken", "given", "built", "sold", "paid", "bought", "sent", "found",
        "held", "seen", "done", "written", "won", "lost", "left", "kept", "grown", "drawn",
        "shown", "known", "met", "set", "spent", "chosen", "broken", "frozen", "stolen", "run",
        "put", "cut", "hung", "shot", "told", "brought", "taught", "caught", "thrown", "worn",
    ];
    (word.len() > 3 && word.ends_with("ed")) || IRREGULAR.contains(&word)
}

/// The participle a relative clause after a pronoun says, with its adverb: "was received"
/// → `received`, "first aired" → `first_aired`; a clause in the present ("we own", "they
/// play") or a progressive one ("they were living") names no state, so nothing.
fn participle(clause: &[&str]) -> Vec<String> {
    const AUX: &[&str] = &[
        "was", "were", "is", "are", "'s", "has", "have", "had", "been", "be", "gets", "got", "get",
    ];
    let aux = clause.iter().take_while(|w| AUX.contains(w)).count();
    let rest = &clause[aux..];
    let adverbs = rest
        .iter()
        .take_while(|w| ["first", "last"].contains(w))
        .count();
    let Some(verb) = rest.get(adverbs) else {
        return Vec::new();
    };
    let past = is_participle(verb) || *verb == "due";
    if !past || (aux == 0 && !verb.ends_with("ed")) {
        return Vec::new();
    }
    rest[..=adverbs].iter().map(|w| (*w).to_owned()).collect()
}

/// The name of a yes/no field from what "whether" introduces: "it's heated" → `heated`, "the
/// purchase was verified" → `verified`, "it has a video screen" → `has_video_screen`.
fn whether_name(words: &[&str]) -> Vec<String> {
    const PRONOUNS: &[&str] = &[
        "it", "they", "he", "she", "this", "that", "there", "we", "you", "i", "someone",
        "somebody", "anyone", "anybody", "them",
    ];
    const AUX: &[&str] = &[
        "is", "are", "was", "were", "be", "been", "being", "gets", "got", "'s",
    ];
    let content: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !PRONOUNS.contains(w) && !is_determiner(w) && *w != "or" && *w != "not")
        .collect();
    let name: Vec<&str> = if let Some(k) = content.iter().position(|w| AUX.contains(w)) {
        content[k + 1..]
            .iter()
            .copied()
            .filter(|w| !AUX.contains(w))
            .collect()
    } else if let Some(k) = content.iter().position(|w| *w == "has" || *w == "have") {
        // "whether someone has acknowledged it": a perfect tense, not a possession.
        let perfect = content
            .get(k + 1)
            .is_some_and(|w| w.len() > 4 && w.ends_with("ed"));
        if perfect {
            content[k + 1..].to_vec()
        } else {
            std::iter::once("has")
                .chain(content[k + 1..].iter().copied())
                .collect()
        }
    } else {
        content
    };
    let name = cut_name(&name);
    name.into_iter().take(4).collect()
}

pub(super) fn strip_type_hints(name: &mut Vec<String>, item: &mut Item) {
    if name.len() > 1
        && name
            .last()
            .is_some_and(|w| ["timestamp", "datetime"].contains(&w.as_str()))
    {
        name.pop();
        item.explicit = Some(FieldType::Datetime);
    }
    // "changelog text", "review text": a long text.
    if name.len() > 1 && name.last().is_some_and(|w| w == "text") {
        name.pop();
        item.explicit = Some(FieldType::Text);
    }
    const BOOL_MARKERS: &[&str] = &["flag", "boolean", "bool", "checkbox", "toggle"];
    if name.len() > 1
        && name
            .last()
            .is_some_and(|w| BOOL_MARKERS.contains(&w.as_str()))
    {
        name.pop();
        item.explicit = Some(FieldType::Bool);
    }
    // "hostname string", "bytes_sent bigint", "country char(2)": a column type after the name,
    // as in a schema. "text", "url", "date"… are also words of names ("photo url", "review
    // text"), so they are read as the type only when the name already ends with them
    // ("log_url url").
    if name.len() > 1 {
        let last = name[name.len() - 1].as_str();
        let ty =
            column_type(last).or_else(|| type_word(last).filter(|_| name[name.len() - 2] == last));
        if let Some(ty) = ty {
            name.pop();
            item.explicit = Some(ty);
        }
    }
    const HINTS: &[&str] = &[
        "json", "integer", "int", "decimal", "float", "uuid", "numeric",
    ];
    if name.len() > 1 {
        if let Some(k) = name.iter().position(|w| HINTS.contains(&w.as_str())) {
            item.explicit = type_word(&name[k]);
            name.remove(k);
        }
    }
}

/// The type of a quantity measured in a unit: "in minutes" → integer, "in kg" → float.
pub(super) fn unit_type(unit: &str) -> Option<FieldType> {
    #[rustfmt::skip]
    const WHOLE: &[&str] = &[
        "minutes", "minute", "hours", "hour", "seconds", "second", "days", "day", "weeks",
        "months", "years", "cents", "pence", "pages", "steps", "ms", "milliseconds",
    ];
    #[rustfmt::skip]
    const MEASURED: &[&str] = &[
        "kg", "kilograms", "kilos", "grams", "g", "km", "kilometres", "kilometers", "metres",
        "meters", "m", "miles", "cm", "centimetres", "centimeters", "litres", "liters", "lbs",
        "percent", "celsius", "fahrenheit", "degrees", "mph", "kmh", "tonnes", "tons", "mg",
        "milligrams", "ml", "millilitres", "milliliters", "mm", "millimetres", "millimeters",
        "inches", "feet", "ft", "oz", "ounces", "kwh", "kw", "watts", "volts", "hpa", "rpm",
        "bpm", "knots",
    ];
    const MONEY: &[&str] = &[
        "euros", "euro", "dollars", "dollar", "pounds", "gbp", "usd", "eur", "sterling",
    ];
    if WHOLE.contains(&unit) {
        Some(FieldType::Integer)
    } else if MEASURED.contains(&unit) {
        Some(FieldType::Float)
    } else if MONEY.contains(&unit) {
        Some(FieldType::Decimal)
    } else {
        None
    }
}

/// A column type as a schema spells it, a word no field name ends with.
fn column_type(word: &str) -> Option<FieldType> {
    Some(match word {
        "string" | "str" | "varchar" | "char" | "nvarchar" => FieldType::String,
        "bigint" | "smallint" | "tinyint" | "int4" | "int8" | "i32" | "i64" | "u32" | "u64" => {
            FieldType::Integer
        }
        "float8" | "f32" | "f64" | "double" => FieldType::Float,
        "bool" | "boolean" => FieldType::Bool,
        "datetime" | "timestamp" | "timestamptz" => FieldType::Datetime,
        "uuid" => FieldType::Uuid,
        _ => return None,
    })
}

/// A word naming a field type outright.
pub(super) fn type_word(word: &str) -> Option<FieldType> {
    Some(match word {
        "string" | "str" | "varchar" => FieldType::String,
        "text" => FieldType::Text,
        "integer" | "int" | "number" | "numeric" | "whole" => FieldType::Integer,
        "float" | "double" | "real" => FieldType::Float,
        "decimal" | "money" | "currency" => FieldType::Decimal,
        "bool" | "boolean" | "flag" => FieldType::Bool,
        "date" => FieldType::Date,
        "datetime" | "timestamp" => FieldType::Datetime,
        "uuid" | "guid" => FieldType::Uuid,
        "email" => FieldType::Email,
        "url" | "uri" | "link" => FieldType::Url,
        "json" | "object" => FieldType::Json,
        _ => return None,
    })
}
