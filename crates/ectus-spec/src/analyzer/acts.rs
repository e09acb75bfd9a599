//! Stage 1c, acts named as things: "Musicians can borrow parts; a borrowing has a due date"
//! — when the text speaks of what a verb does as a thing of its own, the clause using the verb
//! between two things says what that thing links ("a borrowing links a musician and a part").

use super::*;

/// The nouns a verb's act is named by: "borrow" → borrowing, "rent" → rental, "enrol" →
/// enrolment, "reserve" → reservation, "visit" → visit.
fn nominals(verb: &str) -> Vec<String> {
    let base = verb
        .strip_suffix("es")
        .filter(|b| b.ends_with("ss") || b.ends_with("sh") || b.ends_with("ch"))
        .or_else(|| verb.strip_suffix('s').filter(|b| !b.ends_with('s')))
        .unwrap_or(verb);
    let stem = base.strip_suffix('e').unwrap_or(base);
    let mut out = vec![base.to_owned()];
    for suffix in ["ing", "al", "ment", "ation", "ion", "ance", "ence"] {
        out.push(format!("{base}{suffix}"));
        out.push(format!("{stem}{suffix}"));
    }
    // "shop" → shopping, "enrol" → enrolment is above; doubled consonants: "plan" → planning.
    if let Some(last) = base.chars().last().filter(|c| !"aeiouwy".contains(*c)) {
        out.push(format!("{base}{last}ing"));
    }
    out.sort();
    out.dedup();
    out
}

/// "Musicians can borrow parts; a borrowing has a due date", "Patients visit doctors. A visit
/// records a diagnosis": when the text speaks of the act a verb names as a thing of its own,
/// the clause that uses the verb between two things says what that act links — rewritten as
/// "a borrowing links a musician and a part", not a part owned by a musician.
pub(super) fn nominal_joins(sentences: &mut [Sentence]) {
    // The first noun of every clause: what the text speaks of as a subject.
    let subjects: BTreeSet<String> = sentences
        .iter()
        .flat_map(|s| {
            s.tokens
                .split(|t| *t == Tok::Semi)
                .map(|c| c.to_vec())
                .collect::<Vec<_>>()
        })
        .filter_map(|clause| {
            let lead = leading_words(&clause);
            let start = skip_determiners(&lead);
            // "A borrowing has …", "Each visit records …": a subject before its verb.
            let verb_follows = verb_at(&lead, start + 1)
                || matches!(clause.get(start + 1), Some(Tok::Colon | Tok::Group(_)));
            lead.get(start)
                .filter(|_| verb_follows)
                .map(|w| singular(w))
        })
        .collect();
    if subjects.is_empty() {
        return;
    }
    for sentence in sentences.iter_mut().filter(|s| !s.heading) {
        let clauses: Vec<Vec<Tok>> = sentence
            .tokens
            .split(|t| *t == Tok::Semi)
            .map(|c| c.to_vec())
            .collect();
        let mut changed = false;
        let mut out: Vec<Vec<Tok>> = Vec::new();
        for clause in clauses {
            match nominal_join(&clause, &subjects) {
                Some(rewritten) => {
                    out.push(rewritten);
                    changed = true;
                }
                None => out.push(clause),
            }
        }
        if changed {
            sentence.tokens = out.join(&Tok::Semi);
        }
    }
}

/// One clause "<things> [can] <verb> <things>" whose verb names a subject of the text.
fn nominal_join(clause: &[Tok], subjects: &BTreeSet<String>) -> Option<Vec<Tok>> {
    let words: Vec<&str> = all_words(clause)?;
    let start = skip_determiners(&words);
    for v in start + 1..words.len().min(start + 5) {
        let Some(act) = nominals(words[v])
            .into_iter()
            .find(|n| subjects.contains(n))
        else {
            continue;
        };
        let mut left = &words[start..v];
        while let Some((last, rest)) = left.split_last() {
            if !MODALS.contains(last) && !AUX_WORDS.contains(last) {
                break;
            }
            left = rest;
        }
        let after = &words[v + 1..];
        let right = &after[skip_determiners(after)..];
        let right: Vec<&str> = right
            .iter()
            .copied()
            .filter(|w| !QUANTIFIERS.contains(w))
            .collect();
        let (Some(a), Some(b)) = (noun_phrase(left), noun_phrase(&right)) else {
            return None;
        };
        if a.len() > 2
            || b.len() > 2
            || singular(&a[a.len() - 1]) == act
            || singular(&b[b.len() - 1]) == act
        {
            return None;
        }
        let one = |phrase: &[String]| {
            let (last, rest) = phrase.split_last()?;
            let mut out = vec![Tok::Word("a".into())];
            out.extend(rest.iter().map(|w| Tok::Word(w.clone())));
            out.push(Tok::Word(singular(last)));
            Some(out)
        };
        let mut out = vec![
            Tok::Word("a".into()),
            Tok::Word(act),
            Tok::Word("links".into()),
        ];
        out.extend(one(&a)?);
        out.push(Tok::Word("and".into()));
        out.extend(one(&b)?);
        return Some(out);
    }
    None
}

/// Words between a subject and its verb that are neither ("members can also borrow").
const AUX_WORDS: &[&str] = &[
    "also",
    "often",
    "usually",
    "sometimes",
    "each",
    "all",
    "then",
];
