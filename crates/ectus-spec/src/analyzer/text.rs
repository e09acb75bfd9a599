//! Stage 1, sentences and tokens: the text split into sentences (punctuation, bullets, blank lines) and clauses, each tokenised into lower-case words, punctuation and parenthesised groups.

use super::*;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Word(String),
    Comma,
    Colon,
    Slash,
    Semi,
    Group(Vec<Tok>),
}

#[derive(Debug, Clone)]
pub(super) struct Sentence {
    pub(super) text: String,
    pub(super) tokens: Vec<Tok>,
    /// A Markdown heading: a section title, or the thing the bullets under it describe.
    pub(super) heading: bool,
    /// A heading that names a section ("Non-functional"), not a thing.
    pub(super) section: bool,
}

pub(super) fn split_sentences(text: &str) -> Vec<Sentence> {
    let mut raw: Vec<(String, Option<String>)> = Vec::new();
    let mut headings: Vec<(usize, bool)> = Vec::new();
    let mut current = String::new();
    // The Markdown heading the current lines sit under, when it names a thing.
    let mut heading: Option<String> = None;
    // The heading the sentence being built lists fields of.
    let mut under: Option<String> = None;
    // Whether `heading` came from a line such as "Printers:" or "**Printers**", which heads
    // only the list right under it.
    let mut list_heading = false;
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if list_heading && !trimmed.is_empty() && strip_bullet(trimmed).is_none() {
            heading = None;
            list_heading = false;
        }
        let next_is_bullet = lines[i + 1..]
            .iter()
            .map(|l| l.trim())
            .find(|l| !l.is_empty())
            .is_some_and(|l| strip_bullet(l).is_some());
        let list_title = list_heading_title(trimmed).filter(|_| next_is_bullet);
        if let Some(title) = markdown_heading(trimmed).or(list_title) {
            flush_sentence(&mut raw, &mut current, under.take());
            heading = heading_subject(title);
            list_heading = list_title.is_some();
            headings.push((raw.len(), heading.is_none()));
            raw.push((title.to_owned(), None));
            continue;
        }
        let bullet = strip_bullet(trimmed);
        if trimmed.is_empty() || bullet.is_some() || introduces_itself(line) {
            flush_sentence(&mut raw, &mut current, under.take());
        }
        if let Some(item) = bullet {
            under = heading.clone().filter(|_| !has_own_subject(item));
        }
        split_line_into(&mut raw, &mut current, bullet.unwrap_or(trimmed), &under);
    }
    flush_sentence(&mut raw, &mut current, under.take());
    let mut sentences: Vec<Sentence> = raw
        .into_iter()
        .enumerate()
        .map(|(i, (text, under))| {
            let mut tokens = normalize_phrases(tokenize(&text));
            if let Some(subject) = under {
                // "## Printers" then "- model": the bullet lists a printer's fields.
                let mut prefixed = tokenize(&subject);
                prefixed.push(Tok::Colon);
                prefixed.append(&mut tokens);
                tokens = prefixed;
            }
            let found = headings.iter().find(|(at, _)| *at == i);
            let heading = found.is_some();
            let section = found.is_some_and(|(_, section)| *section);
            Sentence {
                // A heading states nothing by itself; its bullets carry its name.
                tokens: if heading { tokens } else { rephrase(tokens) },
                text,
                heading,
                section,
            }
        })
        .filter(|s| !s.tokens.is_empty())
        .collect();
    nominal_joins(&mut sentences);
    sentences
}

/// Whether a line starts a statement of its own whatever came before it: "product: sku string
/// unique, name string" under "warehouse: code string, city string", with no full stop
/// between them. Not an indented line, nor one naming a single item ("code: string" under
/// "Station"): those continue the lines above.
fn introduces_itself(line: &str) -> bool {
    if line.starts_with(char::is_whitespace) {
        return false;
    }
    let Some((head, rest)) = line.split_once(':') else {
        return false;
    };
    let words = head.split_whitespace().count();
    (1..=4).contains(&words)
        && rest.contains(',')
        && head
            .chars()
            .all(|c| c.is_alphanumeric() || " -_'*".contains(c))
}

/// The title of a line that introduces the list under it: "Printers:", "**Printers**",
/// "**Printers**:".
fn list_heading_title(line: &str) -> Option<&str> {
    let (body, colon) = match line.strip_suffix(':') {
        Some(body) => (body.trim_end(), true),
        None => (line, false),
    };
    let bold = body
        .strip_prefix("**")
        .and_then(|l| l.strip_suffix("**"))
        .or_else(|| body.strip_prefix("__").and_then(|l| l.strip_suffix("__")));
    // "**Printers:**" keeps its colon inside the bold.
    let title = bold.unwrap_or(body).trim().trim_end_matches(':').trim();
    let plain = !title.is_empty()
        && title.len() <= 60
        && title
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '\'');
    (plain && (colon || bold.is_some())).then_some(title)
}

/// The title of a Markdown heading line (`## Printers` → `Printers`).
fn markdown_heading(line: &str) -> Option<&str> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let title = line[hashes..].strip_prefix(' ')?.trim();
    (!title.is_empty()).then_some(title)
}

/// A heading that names a thing ("Printers", "Filament spools"), not a section ("Entities",
/// "Non-functional", "Background").
fn heading_subject(title: &str) -> Option<String> {
    #[rustfmt::skip]
    const SECTIONS: &[&str] = &[
        "entities", "entity", "model", "models", "data", "schema", "background", "overview",
        "requirements", "requirement", "non-functional", "nonfunctional", "functional", "storage",
        "misc", "miscellaneous", "notes", "auth", "authentication", "security", "api", "endpoints",
        "deployment", "tech", "technology", "stack", "goals", "scope", "context", "summary",
        "introduction", "intro", "features", "content", "checkout", "catalogue", "catalog",
        "other", "extras", "constraints", "rules", "operations", "access", "permissions",
        "glossary", "questions", "todo", "roadmap", "users and access", "general",
    ];
    let words: Vec<String> = words_of(&tokenize(title));
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let phrase = noun_phrase(&refs)?;
    if phrase.iter().any(|w| SECTIONS.contains(&w.as_str())) {
        return None;
    }
    Some(title.to_owned())
}

/// Whether a bullet names its own subject ("Products: name, price", "Carts belong to a
/// customer", "Categories (name, slug)") rather than listing fields of the heading's.
fn has_own_subject(item: &str) -> bool {
    let tokens = tokenize(item);
    let lead = leading_words(&tokens);
    if find_pattern(&lead, FIELD_VERBS, 1).is_some_and(|(at, _)| at <= 5)
        || find_pattern(&lead, RELATION_VERBS, 1).is_some_and(|(at, _)| at <= 5)
    {
        return true;
    }
    let introduces =
        lead.len() < tokens.len() && matches!(tokens[lead.len()], Tok::Colon | Tok::Group(_));
    let start = skip_determiners(&lead);
    introduces
        && noun_phrase(&lead[start..]).is_some_and(|p| p.last().is_some_and(|w| is_plural(w)))
}

pub(super) fn strip_bullet(line: &str) -> Option<&str> {
    for marker in ["- ", "* ", "• ", "+ "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return Some(rest);
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 {
        let rest = &line[digits..];
        for marker in [". ", ") "] {
            if let Some(rest) = rest.strip_prefix(marker) {
                return Some(rest);
            }
        }
    }
    None
}

pub(super) fn flush_sentence(
    raw: &mut Vec<(String, Option<String>)>,
    current: &mut String,
    under: Option<String>,
) {
    let text = current.split_whitespace().collect::<Vec<_>>().join(" ");
    if !text.is_empty() {
        raw.push((text, under));
    }
    current.clear();
}

pub(super) fn split_line_into(
    raw: &mut Vec<(String, Option<String>)>,
    current: &mut String,
    line: &str,
    under: &Option<String>,
) {
    let mut line = line.to_owned();
    for (from, to) in [
        ("e.g.", "eg"),
        ("E.g.", "eg"),
        ("i.e.", "ie"),
        ("I.e.", "ie"),
        ("etc.", "etc"),
    ] {
        line = line.replace(from, to);
    }
    let chars: Vec<char> = line.chars().collect();
    current.push(' ');
    for (i, c) in chars.iter().enumerate() {
        current.push(*c);
        let ends = matches!(c, '.' | '!' | '?')
            && chars.get(i + 1).is_none_or(|next| next.is_whitespace());
        if ends {
            flush_sentence(raw, current, under.clone());
        }
    }
}

/// Lower-case words, punctuation that matters, and parenthesised groups.
pub(super) fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut stack: Vec<Vec<Tok>> = vec![Vec::new()];
    let mut word = String::new();
    // The letters of the current capitalised part of a word, to split "DeclarationLine".
    let mut part = (0usize, false);
    for (i, &c) in chars.iter().enumerate() {
        let prev_digit = i > 0 && chars[i - 1].is_ascii_digit();
        let next = chars.get(i + 1).copied();
        let in_word = c.is_alphanumeric()
            || c == '-'
            || c == '_'
            || (c == '.' && prev_digit && next.is_some_and(|n| n.is_ascii_digit()))
            || (matches!(c, '\'' | '’')
                && !word.is_empty()
                && next.is_some_and(char::is_alphabetic));
        let spaced_hyphen = c == '-'
            && word.is_empty()
            && (i == 0 || chars[i - 1].is_whitespace())
            && next.is_none_or(char::is_whitespace);
        if spaced_hyphen {
            stack_top(&mut stack).push(Tok::Colon);
            continue;
        }
        if in_word {
            // "DeclarationLine", "TreatmentRecord": capitalised words written together are
            // the words of one name (not "PostgreSQL", "GitHub", "iPhone" or "McKay").
            let lower = |k: usize| chars.get(k).is_some_and(|c| c.is_lowercase());
            let camel = c.is_uppercase()
                && i > 0
                && chars[i - 1].is_lowercase()
                && part.1
                && part.0 >= 4
                && lower(i + 1)
                && lower(i + 2);
            if camel {
                flush_word(&mut word, stack_top(&mut stack));
            }
            if word.is_empty() || camel || !c.is_alphabetic() {
                part = (0, c.is_uppercase());
            }
            if c.is_alphabetic() {
                part.0 += 1;
            }
            word.extend(c.to_lowercase());
            continue;
        }
        flush_word(&mut word, stack_top(&mut stack));
        match c {
            ',' => stack_top(&mut stack).push(Tok::Comma),
            ':' => stack_top(&mut stack).push(Tok::Colon),
            '/' | '|' => stack_top(&mut stack).push(Tok::Slash),
            '—' | '–' => stack_top(&mut stack).push(Tok::Colon),
            '→' => stack_top(&mut stack).push(Tok::Word("references".into())),
            ';' => stack_top(&mut stack).push(Tok::Semi),
            '&' | '+' => stack_top(&mut stack).push(Tok::Word("and".into())),
            '(' | '[' | '{' => stack.push(Vec::new()),
            ')' | ']' | '}' => close_group(&mut stack),
            _ => {}
        }
    }
    flush_word(&mut word, stack_top(&mut stack));
    while stack.len() > 1 {
        close_group(&mut stack);
    }
    stack.pop().unwrap_or_default()
}

pub(super) fn stack_top(stack: &mut Vec<Vec<Tok>>) -> &mut Vec<Tok> {
    if stack.is_empty() {
        stack.push(Vec::new());
    }
    let last = stack.len() - 1;
    &mut stack[last]
}

pub(super) fn close_group(stack: &mut Vec<Vec<Tok>>) {
    if stack.len() > 1 {
        if let Some(group) = stack.pop() {
            stack_top(stack).push(Tok::Group(group));
        }
    }
}

/// Latin letters with accents as their ASCII base letter ("café" → "cafe").
pub(super) fn fold_accent(c: char) -> char {
    const FOLDS: &[(&str, char)] = &[
        ("àáâãäåā", 'a'),
        ("çćč", 'c'),
        ("èéêëēė", 'e'),
        ("ìíîïī", 'i'),
        ("ñń", 'n'),
        ("òóôõöøō", 'o'),
        ("ùúûüū", 'u'),
        ("ýÿ", 'y'),
        ("śš", 's'),
        ("źżž", 'z'),
    ];
    FOLDS
        .iter()
        .find(|(from, _)| from.contains(c))
        .map_or(c, |(_, to)| *to)
}

pub(super) fn flush_word(word: &mut String, out: &mut Vec<Tok>) {
    let cleaned: String = word
        .replace('’', "'")
        .chars()
        .map(fold_accent)
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '\'' | '.'))
        .collect();
    word.clear();
    let cleaned = cleaned.trim_matches(|c| matches!(c, '-' | '_' | '\'' | '.'));
    if cleaned.is_empty() {
        return;
    }
    if let Some(stem) = cleaned.strip_suffix("'s") {
        out.push(Tok::Word(stem.to_owned()));
        out.push(Tok::Word("'s".into()));
        return;
    }
    let cleaned = match cleaned {
        "e-mail" => "email",
        "e-mails" => "emails",
        other => other,
    };
    // `sensor_readings`, `duration_secs`: code names are words joined by underscores.
    for part in cleaned.split('_').filter(|p| !p.is_empty()) {
        out.push(Tok::Word(part.replace('\'', "")));
    }
}

/// Rewrites multi-word phrases that would otherwise split lists: "one or more" → "many".
pub(super) fn normalize_phrases(tokens: Vec<Tok>) -> Vec<Tok> {
    const PHRASES: &[(&[&str], &str)] = &[
        (&["one", "or", "more"], "many"),
        (&["zero", "or", "more"], "many"),
        (&["as", "well", "as"], "and"),
        (&["along", "with"], "and"),
        (&["together", "with"], "and"),
        (&["keep", "track", "of"], "track"),
        (&["keeps", "track", "of"], "tracks"),
        (&["keeping", "track", "of"], "tracking"),
    ];
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let matched = PHRASES.iter().find(|(pattern, _)| {
            pattern
                .iter()
                .enumerate()
                .all(|(k, p)| word_at(&tokens, i + k) == Some(*p))
        });
        if let Some((pattern, replacement)) = matched {
            out.push(Tok::Word((*replacement).to_owned()));
            i += pattern.len();
            continue;
        }
        // "keeps its own cars", "their own email": "own" adds nothing to what is owned.
        let possessive = i > 0
            && matches!(
                word_at(&tokens, i - 1),
                Some("its" | "their" | "his" | "her" | "my" | "our" | "your")
            );
        if possessive && word_at(&tokens, i) == Some("own") && word_at(&tokens, i + 1).is_some() {
            i += 1;
            continue;
        }
        out.push(match &tokens[i] {
            Tok::Group(inner) => Tok::Group(normalize_phrases(inner.clone())),
            other => other.clone(),
        });
        i += 1;
    }
    out
}

pub(super) fn word_at(tokens: &[Tok], i: usize) -> Option<&str> {
    match tokens.get(i) {
        Some(Tok::Word(w)) => Some(w.as_str()),
        _ => None,
    }
}

/// Every word of the tokens, groups included.
pub(super) fn words_of(tokens: &[Tok]) -> Vec<String> {
    let mut out = Vec::new();
    for tok in tokens {
        match tok {
            Tok::Word(w) => out.push(w.clone()),
            Tok::Group(inner) => out.extend(words_of(inner)),
            _ => {}
        }
    }
    out
}

/// The words of `tokens`, when every token is one.
pub(super) fn all_words(tokens: &[Tok]) -> Option<Vec<&str>> {
    tokens
        .iter()
        .map(|t| match t {
            Tok::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect()
}

/// The words before the first punctuation or group.
pub(super) fn leading_words(tokens: &[Tok]) -> Vec<&str> {
    tokens
        .iter()
        .map_while(|t| match t {
            Tok::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect()
}

pub(super) fn split_clauses(tokens: &[Tok]) -> Vec<Vec<Tok>> {
    let mut clauses: Vec<Vec<Tok>> = tokens
        .split(|t| *t == Tok::Semi)
        .filter(|c| !c.is_empty())
        .flat_map(split_joined_statements)
        .collect();
    // "Gates have a label; attendees a name and an email": the verb of the clause before is
    // left out of the next one.
    for i in 1..clauses.len() {
        let verb = clauses[i - 1].iter().find_map(|t| match t {
            Tok::Word(w) if w == "have" || w == "has" => Some(w.clone()),
            _ => None,
        });
        let Some(verb) = verb else { continue };
        let gap = (1..=2).find(|&n| {
            clauses[i].len() > n
                && clauses[i][..n].iter().all(|t| matches!(t, Tok::Word(w) if !is_determiner(w)))
                && matches!(&clauses[i][n - 1], Tok::Word(w) if is_plural(w))
                && matches!(&clauses[i][n], Tok::Word(w) if ["a", "an", "the"].contains(&w.as_str()))
        });
        if let Some(n) = gap {
            let verb = if verb == "has" {
                "have".to_owned()
            } else {
                verb
            };
            clauses[i].insert(n, Tok::Word(verb));
        }
    }
    clauses
}

/// "The category is one of music or theatre, and the age policy is all ages or adults only":
/// two statements joined by ", and", each with its own subject and verb, read apart.
fn split_joined_statements(tokens: &[Tok]) -> Vec<Vec<Tok>> {
    let copula = |w: Option<&str>| matches!(w, Some("is" | "are" | "can" | "must"));
    let states = |part: &[Tok]| {
        let start = skip_determiners(&leading_words(part));
        (start + 1..(start + 4).min(part.len())).any(|i| copula(word_at(part, i)))
    };
    let mut out = Vec::new();
    let mut from = 0;
    for i in 0..tokens.len() {
        let joined = tokens[i] == Tok::Comma
            && word_at(tokens, i + 1) == Some("and")
            && word_at(tokens, i + 2)
                .is_some_and(|w| ["the", "its", "their", "each", "every"].contains(&w));
        if joined && states(&tokens[from..i]) && states(&tokens[i + 2..]) {
            out.push(tokens[from..i].to_vec());
            from = i + 2;
        }
    }
    out.push(tokens[from..].to_vec());
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sep {
    Start,
    Comma,
    And,
    Or,
}

/// Splits a list "a, b and c" at the top level (groups stay whole).
pub(super) fn split_list(tokens: &[Tok]) -> Vec<(Sep, Vec<Tok>)> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut sep = Sep::Start;
    for tok in tokens {
        let this = match tok {
            Tok::Comma => Some(Sep::Comma),
            Tok::Word(w) if w == "and" || w == "plus" => Some(Sep::And),
            Tok::Word(w) if w == "or" || w == "nor" => Some(Sep::Or),
            _ => None,
        };
        match this {
            Some(s) => {
                if !current.is_empty() {
                    out.push((sep, std::mem::take(&mut current)));
                }
                sep = s;
            }
            None => current.push(tok.clone()),
        }
    }
    if !current.is_empty() {
        out.push((sep, current));
    }
    out
}

/// Longest pattern of `patterns` that matches `words` at `at`, as its length.
pub(super) fn match_at(words: &[&str], at: usize, patterns: &[&[&str]]) -> Option<usize> {
    patterns
        .iter()
        .filter(|p| {
            p.iter()
                .enumerate()
                .all(|(k, w)| words.get(at + k) == Some(w))
        })
        .map(|p| p.len())
        .max()
}

pub(super) fn find_pattern(
    words: &[&str],
    patterns: &[&[&str]],
    from: usize,
) -> Option<(usize, usize)> {
    (from..words.len()).find_map(|i| match_at(words, i, patterns).map(|len| (i, len)))
}

pub(super) fn is_determiner(word: &str) -> bool {
    DETERMINERS.contains(&word)
}

pub(super) fn skip_determiners(words: &[&str]) -> usize {
    words.iter().take_while(|w| is_determiner(w)).count()
}

pub(super) fn trim_modals<'a>(words: &'a [&'a str]) -> &'a [&'a str] {
    let mut end = words.len();
    while end > 0 && MODALS.contains(&words[end - 1]) {
        end -= 1;
    }
    &words[..end]
}

/// Generic nouns that name no thing alone ("the requests", "API keys") but do at the head of a
/// compound whose other words do ("maintenance requests", "rental units", "discount codes").
/// Singular, most of them name a field instead ("a station code", "a licence key"): only
/// the plurals, and the few that never name a field, count.
#[rustfmt::skip]
const COMPOUND_HEADS: &[&str] = &[
    "request", "requests", "response", "responses", "entry", "entries", "units", "keys",
    "tokens", "tables", "codes", "errors", "features", "resources", "models", "logs", "tests",
];

/// A noun phrase that can name an entity: 1-3 plain words, none a stop word — but for a
/// generic head after a word that names something ("maintenance requests").
pub(super) fn noun_phrase(words: &[&str]) -> Option<Vec<String>> {
    noun_phrase_with(words, &[])
}

/// The subject of a statement that gives it fields ("A building has a name", "Tests: code,
/// name"): a noun phrase, where a noun that otherwise speaks of the software itself
/// ([`SUBJECT_NOUNS`]) names a thing too — what the text gives it shows it is one.
pub(super) fn subject_phrase(words: &[&str]) -> Option<Vec<String>> {
    noun_phrase_with(words, SUBJECT_NOUNS)
}

fn noun_phrase_with(words: &[&str], allowed: &[&str]) -> Option<Vec<String>> {
    let plain = |w: &&str| {
        w.len() >= 2
            && w.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
            && (!STOP_WORDS.contains(w) || allowed.contains(w))
            && !is_determiner(w)
            && !QUANTIFIERS.contains(w)
            && !is_adverb(w)
    };
    let ok = match words.split_last() {
        Some((head, modifiers)) if words.len() <= 3 => {
            modifiers.iter().all(plain)
                && (plain(head) || (!modifiers.is_empty() && COMPOUND_HEADS.contains(head)))
        }
        _ => false,
    };
    ok.then(|| words.iter().map(|w| (*w).to_owned()).collect())
}

pub(super) fn is_plural(word: &str) -> bool {
    const IRREGULAR: &[&str] = &["people", "children", "men", "women", "mice", "staff"];
    if IRREGULAR.contains(&word) {
        return true;
    }
    singular(word) != word && !["ss", "us", "is"].iter().any(|e| word.ends_with(e))
}

/// A list item such as `pets` or `owners (first name, phone)`: a bare plural noun phrase.
pub(super) fn bare_plural(tokens: &[Tok]) -> Option<(Vec<String>, Option<Vec<Tok>>)> {
    let (group, words_part) = match tokens.split_last() {
        Some((Tok::Group(inner), rest)) => (Some(inner.clone()), rest),
        _ => (None, tokens),
    };
    let words: Vec<&str> = all_words(words_part)?;
    let noun = noun_phrase(&words)?;
    let last = noun.last()?;
    (is_plural(last) && !FIELD_PLURALS.contains(&last.as_str())).then_some((noun, group))
}
