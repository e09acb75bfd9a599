//! The hash chain of the audit log: how an entry's hash is computed, and the verification that
//! walks the log and names every break — changed, missing, inserted, reordered or renumbered
//! entries, and a tail cut off before an anchored head.

use std::collections::HashMap;

use serde::Serialize;

use crate::sha256_hex;

/// The link of the first entry: there is no entry before it.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry's stored fields, exactly as in its row: what the hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub tenant_id: Option<String>,
    pub action: String,
    pub target: String,
    pub request_id: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl ChainedEntry {
    /// The hash its fields give: SHA-256 over its fields and the previous entry's hash, each
    /// field length-prefixed so that no two different entries encode alike. The position is
    /// not covered, so that a reordering shows as broken links rather than as changed entries.
    pub fn computed_hash(&self) -> String {
        let at = self.at.to_string();
        let fields = [
            Some(self.prev_hash.as_str()),
            Some(at.as_str()),
            Some(self.actor.as_str()),
            self.tenant_id.as_deref(),
            Some(self.action.as_str()),
            Some(self.target.as_str()),
            self.request_id.as_deref(),
            Some(self.details.as_str()),
        ];
        let mut encoded = String::new();
        for field in fields {
            match field {
                Some(value) => encoded.push_str(&format!("{}:{value};", value.len())),
                None => encoded.push_str("-;"),
            }
        }
        sha256_hex(encoded.as_bytes())
    }
}

/// The newest entry of the log: its position and hash. Written into exports and exposed as a
/// metric, it anchors the log: a log that no longer reaches it was cut off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

impl std::fmt::Display for AuditHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl std::str::FromStr for AuditHead {
    type Err = String;

    /// `SEQ:HASH`, as printed by `ectus audit verify` and written into export manifests.
    fn from_str(text: &str) -> Result<AuditHead, String> {
        let (seq, hash) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?} is not SEQ:HASH (e.g. 42:{GENESIS})"))?;
        let seq: i64 = seq
            .parse()
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| format!("{seq:?} is not a position (1, 2, …)"))?;
        let hex = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex {
            return Err(format!(
                "{hash:?} is not a SHA-256 hash (64 hexadecimal digits)"
            ));
        }
        Ok(AuditHead {
            seq,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

/// One break in the chain, at the position of the first entry it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum AuditFinding {
    /// The entry's fields no longer give its hash: it was changed after it was written.
    Changed { seq: i64 },
    /// The entry links to an entry the log no longer holds: entries before it were deleted
    /// (or the one before it was changed and its hash computed again).
    MissingBefore { seq: i64 },
    /// The entry is not part of the chain: it and the entry after it link to the same one.
    Inserted { seq: i64 },
    /// The entry links to one that is not just before it: entries were moved.
    Reordered { seq: i64 },
    /// The chain holds but positions skip or repeat here: entries were renumbered.
    Renumbered { seq: i64 },
    /// The log ends before the anchored head: its tail was cut off.
    Truncated { head: Option<i64>, anchored: i64 },
    /// The anchored entry is gone although the log reaches past its position.
    NotTheAnchor { seq: i64 },
    /// The anchored entry was removed with the log's oldest entries by the retention policy:
    /// the anchor can no longer be checked (verify with a newer one).
    AnchorPruned { anchored: i64, pruned_through: i64 },
}

impl AuditFinding {
    /// The position of the first bad entry this finding names.
    pub fn seq(&self) -> i64 {
        match self {
            AuditFinding::Changed { seq }
            | AuditFinding::MissingBefore { seq }
            | AuditFinding::Inserted { seq }
            | AuditFinding::Reordered { seq }
            | AuditFinding::Renumbered { seq }
            | AuditFinding::NotTheAnchor { seq } => *seq,
            AuditFinding::AnchorPruned { anchored, .. } => *anchored,
            AuditFinding::Truncated { head, .. } => head.unwrap_or(0).saturating_add(1),
        }
    }
}

impl std::fmt::Display for AuditFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuditFinding::Changed { seq } => {
                write!(f, "entry {seq} was changed: its fields no longer give its hash")
            }
            AuditFinding::MissingBefore { seq } => write!(
                f,
                "entries are missing before entry {seq}: it links to an entry the log no longer holds (deleted, or the entry before it changed and hashed again)"
            ),
            AuditFinding::Inserted { seq } => write!(
                f,
                "entry {seq} was inserted: the entry after it links past it"
            ),
            AuditFinding::Reordered { seq } => write!(
                f,
                "entry {seq} is out of order: it links to an entry that is not just before it"
            ),
            AuditFinding::Renumbered { seq } => write!(
                f,
                "entry {seq} was renumbered: the chain holds but its position does not follow the one before"
            ),
            AuditFinding::Truncated { head, anchored } => match head {
                Some(head) => write!(
                    f,
                    "the log was cut off: it ends at entry {head}, the anchored head is entry {anchored}"
                ),
                None => write!(
                    f,
                    "the log was cut off: it is empty, the anchored head is entry {anchored}"
                ),
            },
            AuditFinding::NotTheAnchor { seq } => write!(
                f,
                "the anchored entry {seq} is not in the log although it reaches past it: the log was rewritten up to there"
            ),
            AuditFinding::AnchorPruned {
                anchored,
                pruned_through,
            } => write!(
                f,
                "the anchored entry {anchored} was removed by the retention policy (the log starts after entry {pruned_through}): it cannot be checked; verify with a newer anchor"
            ),
        }
    }
}

/// What a verification found: how many entries, the head, and every break in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub entries: u64,
    pub head: Option<AuditHead>,
    /// The last entry removed by the retention policy, where the remaining chain starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pruned_through: Option<AuditHead>,
    pub findings: Vec<AuditFinding>,
}

impl AuditReport {
    pub fn intact(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Verifies `entries`, in the order of their positions, against the optional `anchor` (a head
/// recorded earlier: an export manifest's, a scraped metric's).
pub fn verify(entries: &[ChainedEntry], anchor: Option<&AuditHead>) -> AuditReport {
    verify_from(entries, None, anchor)
}

/// Verifies `entries` as [`verify`] does, the log starting after `pruned_through` (the last
/// entry the retention policy removed) instead of at its genesis. An anchor older than that
/// entry can no longer be checked, which is a finding of its own; one at it must be it.
pub fn verify_from(
    entries: &[ChainedEntry],
    pruned_through: Option<&AuditHead>,
    anchor: Option<&AuditHead>,
) -> AuditReport {
    let (start_seq, start_hash) = pruned_through.map_or((0, GENESIS), |p| (p.seq, p.hash.as_str()));
    let position: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.hash.as_str(), i))
        .collect();
    // The hash an entry at index `i` must link to: the one before it, or the start.
    let link_before = |i: usize| {
        if i == 0 {
            start_hash
        } else {
            entries[i - 1].hash.as_str()
        }
    };
    let mut findings = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        if entry.computed_hash() != entry.hash {
            findings.push(AuditFinding::Changed { seq: entry.seq });
        }
        if entry.prev_hash == link_before(i) {
            let follows = if i == 0 {
                entry.seq == start_seq + 1
            } else {
                entry.seq == entries[i - 1].seq + 1
            };
            if !follows {
                findings.push(AuditFinding::Renumbered { seq: entry.seq });
            }
            continue;
        }
        // Where the entry it links to sits: `Some(j)` for index j, the start counting as the
        // index before the first.
        let linked_to: Option<isize> = if entry.prev_hash == start_hash {
            Some(-1)
        } else {
            position.get(entry.prev_hash.as_str()).map(|&j| j as isize)
        };
        let finding = match linked_to {
            // It links further back, and the entries between start a chain of their own
            // from that same entry: they were slipped in.
            Some(j) if j < i as isize - 1 => {
                let first = (j + 1) as usize;
                if entries[first].prev_hash == entry.prev_hash {
                    AuditFinding::Inserted {
                        seq: entries[first].seq,
                    }
                } else {
                    AuditFinding::Reordered { seq: entry.seq }
                }
            }
            Some(_) => AuditFinding::Reordered { seq: entry.seq },
            None => AuditFinding::MissingBefore { seq: entry.seq },
        };
        findings.push(finding);
    }
    if let Some(anchor) = anchor.filter(|a| a.seq < start_seq) {
        findings.push(AuditFinding::AnchorPruned {
            anchored: anchor.seq,
            pruned_through: start_seq,
        });
    }
    if let Some(anchor) = anchor.filter(|a| a.seq >= start_seq) {
        let is_start = pruned_through.is_some_and(|p| p == anchor);
        // Found by its hash wherever it sits: a renumbering is reported above already.
        if !is_start && !position.contains_key(anchor.hash.as_str()) {
            let head = entries.last().map(|e| e.seq);
            findings.push(if head.is_none_or(|h| h < anchor.seq) {
                AuditFinding::Truncated {
                    head,
                    anchored: anchor.seq,
                }
            } else {
                AuditFinding::NotTheAnchor { seq: anchor.seq }
            });
        }
    }
    AuditReport {
        entries: entries.len() as u64,
        head: entries.last().map(|e| AuditHead {
            seq: e.seq,
            hash: e.hash.clone(),
        }),
        pruned_through: pruned_through.cloned(),
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A well-formed log of `n` entries.
    fn log(n: i64) -> Vec<ChainedEntry> {
        let mut out: Vec<ChainedEntry> = Vec::new();
        for seq in 1..=n {
            let prev_hash = out.last().map_or(GENESIS.to_owned(), |e| e.hash.clone());
            let mut entry = ChainedEntry {
                seq,
                at: 1_700_000_000_000 + seq,
                actor: "operator".into(),
                tenant_id: Some("t".into()),
                action: "key_created".into(),
                target: format!("ek_{seq}"),
                request_id: None,
                details: "{}".into(),
                prev_hash,
                hash: String::new(),
            };
            entry.hash = entry.computed_hash();
            out.push(entry);
        }
        out
    }

    fn renumber(entries: &mut [ChainedEntry]) {
        for (i, e) in entries.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
    }

    #[test]
    fn an_untouched_log_is_intact_and_reaches_its_anchor() {
        let entries = log(5);
        let head = AuditHead {
            seq: 5,
            hash: entries[4].hash.clone(),
        };
        let report = verify(&entries, Some(&head));
        assert!(report.intact(), "{:?}", report.findings);
        assert_eq!(report.head, Some(head));
        assert!(verify(&[], None).intact());
    }

    #[test]
    fn every_kind_of_tampering_is_found_at_its_first_bad_entry() {
        let mut changed = log(5);
        changed[2].target = "ek_other".into();
        assert_eq!(
            verify(&changed, None).findings,
            [AuditFinding::Changed { seq: 3 }]
        );

        let mut deleted = log(5);
        deleted.remove(2);
        assert_eq!(
            verify(&deleted, None).findings,
            [AuditFinding::MissingBefore { seq: 4 }]
        );
        renumber(&mut deleted);
        assert_eq!(
            verify(&deleted, None).findings,
            [AuditFinding::MissingBefore { seq: 3 }]
        );

        let mut first_deleted = log(3);
        first_deleted.remove(0);
        assert_eq!(
            verify(&first_deleted, None).findings,
            [AuditFinding::MissingBefore { seq: 2 }]
        );

        let mut swapped = log(5);
        swapped.swap(1, 2);
        renumber(&mut swapped);
        let findings = verify(&swapped, None).findings;
        assert_eq!(
            findings.first(),
            Some(&AuditFinding::Reordered { seq: 2 }),
            "{findings:?}"
        );
        assert!(findings
            .iter()
            .all(|f| matches!(f, AuditFinding::Reordered { .. })));

        let mut gap = log(4);
        for e in &mut gap[2..] {
            e.seq += 10;
        }
        assert_eq!(
            verify(&gap, None).findings,
            [AuditFinding::Renumbered { seq: 13 }]
        );
    }

    #[test]
    fn an_entry_slipped_in_with_a_valid_link_is_found_as_inserted() {
        let original = log(4);
        let mut forged = original[1].clone();
        forged.target = "ek_forged".into();
        forged.hash = forged.computed_hash(); // links to entry 1, like entry 2 does
        let mut entries = vec![original[0].clone(), forged, original[1].clone()];
        entries.extend(original[2..].iter().cloned());
        renumber(&mut entries);
        assert_eq!(
            verify(&entries, None).findings,
            [AuditFinding::Inserted { seq: 2 }]
        );
    }

    #[test]
    fn entries_slipped_in_before_the_first_or_several_at_once_are_found_as_inserted() {
        let original = log(3);
        let forge = |prev_hash: &str, target: &str| {
            let mut forged = original[0].clone();
            forged.target = target.into();
            forged.prev_hash = prev_hash.into();
            forged.hash = forged.computed_hash();
            forged
        };
        let mut before_first = vec![forge(GENESIS, "ek_forged")];
        before_first.extend(original.iter().cloned());
        renumber(&mut before_first);
        assert_eq!(
            verify(&before_first, None).findings,
            [AuditFinding::Inserted { seq: 1 }]
        );
        let f1 = forge(&original[0].hash, "ek_f1");
        let f2 = forge(&f1.hash, "ek_f2");
        let mut two = vec![original[0].clone(), f1, f2];
        two.extend(original[1..].iter().cloned());
        renumber(&mut two);
        assert_eq!(
            verify(&two, None).findings,
            [AuditFinding::Inserted { seq: 2 }]
        );
    }

    #[test]
    fn a_log_renumbered_as_a_whole_is_found_and_still_reaches_its_anchor() {
        let mut entries = log(4);
        let anchor = AuditHead {
            seq: 4,
            hash: entries[3].hash.clone(),
        };
        for e in &mut entries {
            e.seq += 1000;
        }
        assert_eq!(
            verify(&entries, Some(&anchor)).findings,
            [AuditFinding::Renumbered { seq: 1001 }]
        );
        // Deleted in the middle and renumbered: the tail is intact, nothing was cut off.
        let mut deleted = log(5);
        let anchor = AuditHead {
            seq: 5,
            hash: deleted[4].hash.clone(),
        };
        deleted.remove(2);
        renumber(&mut deleted);
        assert_eq!(
            verify(&deleted, Some(&anchor)).findings,
            [AuditFinding::MissingBefore { seq: 3 }]
        );
    }

    #[test]
    fn a_cut_off_tail_is_found_only_against_an_anchor() {
        let mut entries = log(5);
        let anchor = AuditHead {
            seq: 5,
            hash: entries[4].hash.clone(),
        };
        entries.truncate(3);
        assert!(verify(&entries, None).intact(), "no anchor, no evidence");
        assert_eq!(
            verify(&entries, Some(&anchor)).findings,
            [AuditFinding::Truncated {
                head: Some(3),
                anchored: 5
            }]
        );
        let other = AuditHead {
            seq: 2,
            hash: "ab".repeat(32),
        };
        assert_eq!(
            verify(&entries, Some(&other)).findings,
            [AuditFinding::NotTheAnchor { seq: 2 }]
        );
    }

    #[test]
    fn a_head_reads_back_from_its_printed_form_and_rejects_malformed_ones() {
        let head = AuditHead {
            seq: 7,
            hash: "ab".repeat(32),
        };
        assert_eq!(head.to_string().parse::<AuditHead>(), Ok(head));
        for bad in ["7", "x:ab", "0:abc", &format!("3:{}", "zz".repeat(32))] {
            assert!(bad.parse::<AuditHead>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_pruned_prefix_is_verified_from_its_last_entry() {
        let entries = log(5);
        let through = AuditHead {
            seq: entries[1].seq,
            hash: entries[1].hash.clone(),
        };
        let rest = &entries[2..];
        assert!(verify_from(rest, Some(&through), None).intact());
        assert_eq!(
            verify(rest, None).findings,
            vec![AuditFinding::MissingBefore { seq: 3 }],
            "without the prune's record, the prefix looks deleted"
        );
        let older = AuditHead {
            seq: entries[0].seq,
            hash: entries[0].hash.clone(),
        };
        assert_eq!(
            verify_from(rest, Some(&through), Some(&older)).findings,
            vec![AuditFinding::AnchorPruned {
                anchored: 1,
                pruned_through: 2
            }],
            "an anchor older than the pruned prefix cannot vouch for the log"
        );
        assert!(verify_from(rest, Some(&through), Some(&through)).intact());
        let forged = AuditHead {
            seq: through.seq,
            hash: GENESIS.into(),
        };
        assert_eq!(
            verify_from(rest, Some(&through), Some(&forged)).findings,
            vec![AuditFinding::NotTheAnchor { seq: 2 }]
        );
        assert_eq!(
            verify_from(&entries[3..], Some(&through), None).findings,
            vec![AuditFinding::MissingBefore { seq: 4 }],
            "an entry deleted after the pruned prefix is still found"
        );
    }
}
