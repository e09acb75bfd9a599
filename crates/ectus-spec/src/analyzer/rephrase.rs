//! Stage 1b, rephrasing: the ways people introduce a thing and what it holds, rewritten into
//! the one form the statements stage reads ("<thing> has <items>"), on tokens:
//!
//! - user stories: "As a volunteer I want to log each walk: which dog, …" → "walk has which
//!   dog, …"; "I want each meeting room to have a capacity" → "meeting room has a capacity";
//!   the "so that …" reason is dropped;
//! - "for every car we store the owner's name" → "car has the owner's name";
//! - subjects with a place or a parent: "Animals in the shelter: …" → "animals: …"; "Treatments
//!   per hive: the product, …" → "treatments: a hive, the product, …" (the parent becomes a
//!   reference).

use super::*;

/// Verbs with which a user story or an instruction introduces the thing it records.
#[rustfmt::skip]
pub(super) const ACTION_VERBS: &[&str] = &[
    "log", "record", "add", "register", "book", "create", "keep", "track", "store", "save",
    "upload", "schedule", "leave", "make", "note", "enter", "attach", "write", "submit", "post",
    "file", "open", "raise", "report", "capture", "manage", "see", "view", "rate", "mark",
    "publish", "send", "place", "list", "define", "set", "plan", "organise", "organize", "run",
    "issue", "collect", "hold", "maintain", "describe", "catalogue", "catalog", "archive",
    "assign", "invite", "follow", "join", "enrol", "enroll", "borrow", "lend", "rent", "order",
    "buy", "sell", "request", "apply", "review", "sign", "mention", "flag", "tag", "store",
];

/// Words that end the noun phrase of a recorded thing.
const PHRASE_ENDS: &[&str] = &[
    "with",
    "against",
    "for",
    "on",
    "to",
    "from",
    "in",
    "at",
    "between",
    "that",
    "which",
    "by",
    "including",
    "containing",
    "showing",
    "where",
    "when",
    "so",
];

/// Prepositions after a subject that name its parent ("inspections per hive").
const PARENT_PREPOSITIONS: &[&[&str]] = &[
    &["per"],
    &["for", "each"],
    &["for", "every"],
    &["in", "each"],
    &["in", "every"],
    &["of", "each"],
    &["of", "every"],
    &["on", "each"],
    &["on", "every"],
    &["under", "each"],
];

/// Prepositions after a subject that only say where it lives ("animals in the shelter").
const PLACE_PREPOSITIONS: &[&str] = &[
    "in", "at", "of", "from", "within", "inside", "across", "for", "on", "about", "under",
];

fn word(tokens: &[Tok], i: usize) -> Option<&str> {
    word_at(tokens, i)
}

/// Rewrites one sentence's tokens; anything not recognised is returned unchanged.
pub(super) fn rephrase(tokens: Vec<Tok>) -> Vec<Tok> {
    let tokens = user_story(tokens);
    let tokens = for_every_we_store(tokens);
    let tokens = we_record(tokens);
    let tokens = kind_with(tokens);
    let tokens = made_against(tokens);
    place_and_parent(tokens)
}

/// The subject a sentence starts with and where its "are"/"is" stands: "Claims are …" →
/// (1, `claims`); at most three words after a determiner.
fn copula_subject(tokens: &[Tok]) -> Option<(usize, Vec<Tok>)> {
    let mut start = 0;
    while word(tokens, start).is_some_and(is_determiner) {
        start += 1;
    }
    let at = (start + 1..(start + 4).min(tokens.len()))
        .find(|&i| matches!(word(tokens, i), Some("are" | "is")))?;
    let noun: Vec<&str> = (start..at).filter_map(|k| word(tokens, k)).collect();
    (noun.len() == at - start && subject_phrase(&noun).is_some())
        .then(|| (at, tokens[start..at].to_vec()))
}

/// Kinds that say nothing the fields do not: "Landlords are people with a name …".
#[rustfmt::skip]
const GENERIC_KINDS: &[&str] = &[
    "people", "persons", "records", "entries", "items", "things", "person", "record", "entry",
    "item", "thing",
];

/// Kinds that are things of their own, of which the subject is a role: "Requesters are
/// customers with a name and an email" describes customers.
#[rustfmt::skip]
const THING_KINDS: &[&str] = &[
    "users", "customers", "members", "employees", "contacts", "companies", "organisations",
    "organizations", "businesses", "user", "customer", "member", "employee", "contact",
    "company",
];

/// "Landlords are people with a name and an email", "Referees are people too: name and grade"
/// → "landlords have a name and an email"; "Requesters are customers with a name" →
/// "customers have a name".
fn kind_with(tokens: Vec<Tok>) -> Vec<Tok> {
    let Some((at, subject)) = copula_subject(&tokens) else {
        return tokens;
    };
    let mut k = at + 1;
    if matches!(
        word(&tokens, k),
        Some("a" | "an" | "just" | "simply" | "also")
    ) {
        k += 1;
    }
    let Some(kind) =
        word(&tokens, k).filter(|w| GENERIC_KINDS.contains(w) || THING_KINDS.contains(w))
    else {
        return tokens;
    };
    let subject = if THING_KINDS.contains(&kind) {
        vec![tokens[k].clone()]
    } else {
        subject
    };
    k += 1;
    while matches!(word(&tokens, k), Some("too" | "also" | "as" | "well")) {
        k += 1;
    }
    let introduces = matches!(tokens.get(k), Some(Tok::Colon)) || word(&tokens, k) == Some("with");
    if !introduces || k + 1 >= tokens.len() {
        return tokens;
    }
    let mut out = subject;
    out.push(Tok::Word("have".into()));
    out.extend_from_slice(&tokens[k + 1..]);
    out
}

/// "Claims are made against a policy, with an incident date and a description", "An order is
/// placed at a table and has a status", "Tickets are sold for a performance to a customer,
/// with a price", "Rooms are in a building and have a number" → "claims belong to a policy;
/// claims have an incident date and a description": a participle (or a preposition of place
/// alone) and a preposition before each thing link to it. When anything but the thing's own
/// items follows the links ("… by an agent or the customer"), the sentence is left as written.
fn made_against(tokens: Vec<Tok>) -> Vec<Tok> {
    const LINKING: &[&str] = &[
        "against", "at", "for", "on", "to", "by", "in", "under", "from", "with", "inside", "within",
    ];
    const PLACE: &[&str] = &["in", "inside", "within", "on", "at", "under"];
    let Some((at, subject)) = copula_subject(&tokens) else {
        return tokens;
    };
    let verb = at + 1;
    let mut k = if word(&tokens, verb).is_some_and(is_participle) {
        verb + 1
    } else if word(&tokens, verb).is_some_and(|w| PLACE.contains(&w)) {
        verb
    } else {
        return tokens;
    };
    let article = |k: usize| matches!(word(&tokens, k), Some("a" | "an" | "the" | "one" | "each"));
    // The links: a preposition, an article and a thing, as many times as they follow.
    let mut links: Vec<(usize, usize)> = Vec::new();
    loop {
        let first = links.is_empty();
        let preposition =
            word(&tokens, k).is_some_and(|w| LINKING.contains(&w) && (first || w != "with"));
        if !preposition || !article(k + 1) {
            break;
        }
        let start = k + 2;
        let end = (start..tokens.len())
            .find(|&i| {
                !matches!(&tokens[i], Tok::Word(w)
                    if !["and", "or", "with", "which", "that"].contains(&w.as_str())
                        && !LINKING.contains(&w.as_str()))
            })
            .unwrap_or(tokens.len());
        let target: Vec<&str> = (start..end).filter_map(|i| word(&tokens, i)).collect();
        if target.is_empty() || target.len() > 3 || subject_phrase(&target).is_none() {
            break;
        }
        links.push((k + 1, end));
        k = end;
    }
    if links.is_empty() {
        return tokens;
    }
    // What follows: ", with a date …", "and has a status …", ": a date, …".
    let mut rest = k;
    while matches!(tokens.get(rest), Some(Tok::Comma | Tok::Colon))
        || matches!(word(&tokens, rest), Some("and" | "with" | "has" | "have"))
    {
        rest += 1;
    }
    // "… for a patient and list a drug, a dose …": another verb of fields.
    if rest > k && match_at(&leading_words(&tokens[rest..]), 0, FIELD_VERBS) == Some(1) {
        rest += 1;
    }
    if rest == k && rest < tokens.len() {
        return tokens;
    }
    let mut out = Vec::new();
    for (n, (from, end)) in links.into_iter().enumerate() {
        if n > 0 {
            out.push(Tok::Semi);
        }
        out.extend(subject.iter().cloned());
        out.extend([Tok::Word("belongs".into()), Tok::Word("to".into())]);
        out.extend_from_slice(&tokens[from..end]);
    }
    if rest < tokens.len() {
        out.push(Tok::Semi);
        out.extend(subject);
        out.push(Tok::Word("have".into()));
        out.extend_from_slice(&tokens[rest..]);
    }
    out
}

/// "Each time a sample moves we log a custody event: the sample, …", "she needs to track
/// vendors with a name, …": what someone records, wherever in the sentence they say so.
fn we_record(tokens: Vec<Tok>) -> Vec<Tok> {
    let n = tokens.len();
    for v in 1..n {
        let Some(verb) = word(&tokens, v) else {
            continue;
        };
        if !ACTION_VERBS.contains(&verb) {
            continue;
        }
        let introduced = (v.saturating_sub(3)..v)
            .any(|k| matches!(word(&tokens, k), Some("we" | "i" | "to" | "you" | "they")));
        if !introduced {
            continue;
        }
        // "Organisations we place volunteers with: …": the clause describes the thing named
        // before its pronoun, which the colon statement reads.
        let pronoun = (0..v).find(|&k| word(&tokens, k).is_some_and(|w| SPEAKERS.contains(&w)));
        if let Some(p) = pronoun.filter(|&p| p > 0) {
            let before = leading_words(&tokens[..p]);
            let start = skip_determiners(&before);
            if before.len() == p && start < p && noun_phrase(&before[start..]).is_some() {
                return tokens;
            }
        }
        // Only when the thing's own list follows it: "a custody event: …", "vendors with …".
        let rest = &tokens[v + 1..];
        let mut k = 0;
        while word(rest, k).is_some_and(is_determiner) {
            k += 1;
        }
        let noun_end = (k + 1..(k + 4).min(rest.len() + 1))
            .find(|&e| matches!(rest.get(e), Some(Tok::Colon)) || word(rest, e) == Some("with"));
        if noun_end.is_none() {
            continue;
        }
        if let Some(out) = recorded_thing(rest) {
            return out;
        }
    }
    tokens
}

/// Where the teller's "I" stands and the position after "As a <role> I want to" (or "we need
/// to", "I'd like to", …), if the sentence is a user story.
fn story_prefix(tokens: &[Tok]) -> Option<(usize, usize)> {
    if word(tokens, 0) != Some("as") {
        return None;
    }
    let limit = tokens.len().min(10);
    let me = (1..limit).find(|&i| matches!(word(tokens, i), Some("i" | "we")))?;
    let mut at = me + 1;
    // "I want", "I'd like" (tokenised "id like"), "I would like", "I need", "I wish".
    while let Some(w) = word(tokens, at) {
        if [
            "want", "need", "wish", "would", "like", "do", "dont", "don't", "also", "must",
            "should", "can", "to", "be", "able",
        ]
        .contains(&w)
        {
            at += 1;
        } else {
            break;
        }
    }
    (at > me + 1).then_some((me, at))
}

/// What a user story's teller calls their own record of themselves ("my profile").
const SELF_RECORDS: &[&str] = &["profile", "account", "details", "record", "page", "card"];

/// The role a user story whose "I" stands at `me` is told by: "As a volunteer coordinator,
/// I …" → `volunteer coordinator`.
fn story_role(tokens: &[Tok], me: usize) -> Option<Vec<Tok>> {
    let words = leading_words(&tokens[1..me]);
    let start = skip_determiners(&words);
    let role = subject_phrase(&words[start..])?;
    Some(role.into_iter().map(Tok::Word).collect())
}

fn user_story(tokens: Vec<Tok>) -> Vec<Tok> {
    let Some((me, at)) = story_prefix(&tokens) else {
        return tokens;
    };
    // Drop the reason: "so that I get told about new posts".
    let end = (at..tokens.len())
        .find(|&i| word(&tokens, i) == Some("so") && word(&tokens, i + 1) == Some("that"))
        .unwrap_or(tokens.len());
    let rest = &tokens[at..end];
    // "each meeting room to have a capacity", "my profile to show my handle".
    if let Some(k) = (1..rest.len().min(6)).find(|&k| {
        word(rest, k) == Some("to")
            && matches!(
                word(rest, k + 1),
                Some(
                    "have"
                        | "show"
                        | "include"
                        | "store"
                        | "record"
                        | "carry"
                        | "list"
                        | "hold"
                        | "keep"
                        | "contain"
                )
            )
    }) {
        // "As an author I want my profile to show my handle": the profile is the author's.
        let own = word(rest, 0) == Some("my")
            && k == 2
            && word(rest, 1).is_some_and(|w| SELF_RECORDS.contains(&w));
        let mut out = match story_role(&tokens, me).filter(|_| own) {
            Some(role) => role,
            None => rest[..k].to_vec(),
        };
        out.push(Tok::Word("has".into()));
        out.extend_from_slice(&rest[k + 2..]);
        return out;
    }
    // "log each walk: which dog, …", "log damage reports against a car, each with …".
    match word(rest, 0) {
        Some(verb) if ACTION_VERBS.contains(&verb) => {
            recorded_thing(&rest[1..]).unwrap_or_else(|| rest.to_vec())
        }
        _ => rest.to_vec(),
    }
}

/// "each walk: which dog, …" → "walk has which dog, …"; "damage reports against a car, each
/// with a description" → "damage reports has a car, a description".
fn recorded_thing(rest: &[Tok]) -> Option<Vec<Tok>> {
    let mut i = 0;
    while word(rest, i).is_some_and(|w| is_determiner(w) || w == "new" || w == "'s") {
        i += 1;
    }
    let start = i;
    while let Some(w) = word(rest, i) {
        if PHRASE_ENDS.contains(&w) || i - start >= 3 {
            break;
        }
        i += 1;
    }
    let noun: Vec<&str> = (start..i).filter_map(|k| word(rest, k)).collect();
    noun_phrase(&noun)?;
    // "track rehearsals: each rehearsal has a date, …": the clause after the colon says it
    // all.
    if rest.get(i) == Some(&Tok::Colon) {
        let after = &rest[i + 1..];
        let lead = leading_words(after);
        let at = skip_determiners(&lead);
        let head = noun.last().map(|w| singular(w));
        if at > 0 && lead.get(at).map(|w| singular(w)) == head {
            return Some(after.to_vec());
        }
    }
    let mut out: Vec<Tok> = rest[start..i].to_vec();
    out.push(Tok::Word("has".into()));
    let mut tail: Vec<Tok> = Vec::new();
    let mut k = i;
    while k < rest.len() {
        match (&rest[k], word(rest, k)) {
            // "each with a description": a new list of the same thing's items.
            (_, Some("each")) if word(rest, k + 1) == Some("with") => {
                k += 2;
                continue;
            }
            // "attendance for each lesson", "homework for a class": the thing it is for.
            (_, Some("for" | "on" | "against"))
                if matches!(word(rest, k + 1), Some("each" | "every" | "a" | "an")) =>
            {
                let noun: Vec<Tok> = rest[k + 2..]
                    .iter()
                    .take_while(|t| matches!(t, Tok::Word(w) if !PHRASE_ENDS.contains(&w.as_str()) && w != "and"))
                    .take(3)
                    .cloned()
                    .collect();
                let words: Vec<&str> = noun
                    .iter()
                    .filter_map(|t| match t {
                        Tok::Word(w) => Some(w.as_str()),
                        _ => None,
                    })
                    .collect();
                // Not "for a publish time": an attribute, read as a field.
                let thing = infer_type(&snake(&words.join(" "))) == (FieldType::String, false);
                if !noun.is_empty() && thing && noun_phrase(&words).is_some() {
                    if !tail.is_empty() && tail.last() != Some(&Tok::Comma) {
                        tail.push(Tok::Comma);
                    }
                    tail.push(Tok::Word("which".into()));
                    k += 2 + noun.len();
                    tail.extend(noun);
                    tail.push(Tok::Comma);
                    continue;
                }
                if !tail.is_empty() && tail.last() != Some(&Tok::Comma) {
                    tail.push(Tok::Comma);
                }
            }
            (_, Some("with" | "against" | "for" | "on" | "to" | "including" | "containing")) => {
                if !tail.is_empty() && tail.last() != Some(&Tok::Comma) {
                    tail.push(Tok::Comma);
                }
            }
            (Tok::Colon, _) => {}
            (t, _) => tail.push(t.clone()),
        }
        k += 1;
    }
    while tail.first() == Some(&Tok::Comma) {
        tail.remove(0);
    }
    if tail.is_empty() {
        return None;
    }
    out.extend(tail);
    Some(out)
}

/// "for every car we store the owner's name, …" → "car has the owner's name, …".
fn for_every_we_store(tokens: Vec<Tok>) -> Vec<Tok> {
    let Some(start) = (0..tokens.len().min(6)).find(|&i| word(&tokens, i) == Some("for")) else {
        return tokens;
    };
    let noun_start = if matches!(
        word(&tokens, start + 1),
        Some("every" | "each" | "all" | "a" | "an" | "the")
    ) {
        start + 2
    } else {
        start + 1
    };
    let Some(we) = (noun_start + 1..tokens.len().min(noun_start + 5))
        .find(|&i| word(&tokens, i) == Some("we"))
    else {
        return tokens;
    };
    let verb = word(&tokens, we + 1);
    if !matches!(
        verb,
        Some(
            "store"
                | "keep"
                | "track"
                | "record"
                | "need"
                | "want"
                | "hold"
                | "log"
                | "note"
                | "save"
                | "capture"
                | "also"
        )
    ) {
        return tokens;
    }
    let noun: Vec<&str> = (noun_start..we).filter_map(|k| word(&tokens, k)).collect();
    if noun_phrase(&noun).is_none() {
        return tokens;
    }
    let mut out = tokens[..start].to_vec();
    out.extend_from_slice(&tokens[noun_start..we]);
    out.push(Tok::Word("has".into()));
    let mut after = we + 2;
    if verb == Some("also") {
        after += 1;
    }
    out.extend_from_slice(&tokens[after.min(tokens.len())..]);
    out
}

/// "Animals in the shelter: …" → "animals: …"; "Treatments per hive: the product" →
/// "treatments: which hive, the product" (a reference). Only before a colon, a group or a field verb, and only
/// for a short subject.
fn place_and_parent(tokens: Vec<Tok>) -> Vec<Tok> {
    let lead = leading_words(&tokens);
    let limit = lead.len().min(8);
    let start = skip_determiners(&lead);
    // Where the subject's introduction ends: a colon or a group right after the words, or a
    // field verb.
    let end =
        if lead.len() < tokens.len() && matches!(tokens[lead.len()], Tok::Colon | Tok::Group(_)) {
            lead.len()
        } else if let Some((at, _)) = find_pattern(&lead, FIELD_VERBS, start + 1) {
            at
        } else {
            return tokens;
        };
    if end > limit {
        return tokens;
    }
    for i in start + 1..end {
        if let Some(len) = match_at(&lead, i, PARENT_PREPOSITIONS) {
            let parent: Vec<&str> = lead[i + len..end].to_vec();
            let parent_start = skip_determiners(&parent);
            if noun_phrase(&lead[start..i]).is_none()
                || noun_phrase(&parent[parent_start..]).is_none()
            {
                return tokens;
            }
            let mut out = tokens[..i].to_vec();
            let mut rest = tokens[end..].to_vec();
            let reference: Vec<Tok> = std::iter::once(Tok::Word("which".into()))
                .chain(
                    parent[parent_start..]
                        .iter()
                        .map(|w| Tok::Word((*w).to_owned())),
                )
                .collect();
            match rest.first() {
                Some(Tok::Colon) => {
                    out.push(Tok::Colon);
                    out.extend(reference);
                    out.push(Tok::Comma);
                    out.extend(rest.drain(1..));
                }
                Some(Tok::Group(inner)) => {
                    let mut inner = inner.clone();
                    inner.splice(0..0, reference.into_iter().chain([Tok::Comma]));
                    out.push(Tok::Group(inner));
                    out.extend(rest.drain(1..));
                }
                _ => {
                    // A field verb follows: "Treatments per hive have a product".
                    let verb_len = match_at(&lead, end, FIELD_VERBS).unwrap_or(1);
                    out.extend(rest.drain(..verb_len));
                    out.extend(reference);
                    out.push(Tok::Comma);
                    out.extend(rest);
                }
            }
            return out;
        }
        // "Comments on mods": a bare plural after the preposition is the parent.
        if matches!(lead[i], "on" | "of" | "for" | "under" | "in")
            && i + 1 < end
            && !is_determiner(lead[i + 1])
            && noun_phrase(&lead[start..i]).is_some()
            && noun_phrase(&lead[i + 1..end])
                .is_some_and(|p| p.last().is_some_and(|w| is_plural(w)))
        {
            let parent: Vec<Tok> = std::iter::once(Tok::Word("which".into()))
                .chain(lead[i + 1..end].iter().map(|w| Tok::Word((*w).to_owned())))
                .collect();
            let mut out = tokens[..i].to_vec();
            let mut rest = tokens[end..].to_vec();
            if matches!(rest.first(), Some(Tok::Colon)) {
                out.push(rest.remove(0));
                out.extend(parent);
                out.push(Tok::Comma);
                out.extend(rest);
                return out;
            }
            if let Some(Tok::Group(inner)) = rest.first().cloned() {
                let mut inner = inner;
                inner.splice(0..0, parent.into_iter().chain([Tok::Comma]));
                rest[0] = Tok::Group(inner);
                out.extend(rest);
                return out;
            }
        }
        // "Prescriptions written at the clinic": a participle ends the subject too.
        let participle = lead[i].len() > 4
            && (lead[i].ends_with("ed") || lead[i].ends_with("en"))
            && i + 1 < end
            && PLACE_PREPOSITIONS.contains(&lead[i + 1]);
        if (participle || PLACE_PREPOSITIONS.contains(&lead[i]))
            && noun_phrase(&lead[start..i]).is_some()
        {
            let mut out = tokens[..i].to_vec();
            out.extend_from_slice(&tokens[end..]);
            return out;
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_after(text: &str) -> String {
        words_of(&rephrase(normalize_phrases(tokenize(text)))).join(" ")
    }

    #[test]
    fn user_stories_become_what_they_record() {
        assert_eq!(
            words_after("As a volunteer I want to log each walk: which dog, which volunteer and when it started"),
            "walk has which dog which volunteer and when it started"
        );
        assert_eq!(
            words_after("As an admin I want each meeting room to have a capacity and a floor"),
            "each meeting room has a capacity and a floor"
        );
        assert_eq!(
            words_after("As a reader I want to subscribe with my email address so that I get told"),
            "subscribe with my email address"
        );
    }

    #[test]
    fn subjects_lose_their_place_and_keep_their_parent() {
        assert_eq!(
            words_after("Animals in the shelter: name, species"),
            "animals name species"
        );
        assert_eq!(
            words_after("Treatments per hive: the product, the date"),
            "treatments which hive the product the date"
        );
        assert_eq!(
            words_after("for every car we store the owner's name"),
            "car has the owner 's name"
        );
    }
}
