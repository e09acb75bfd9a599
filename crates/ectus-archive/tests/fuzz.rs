//! A bounded fuzz run of the reader, part of the suite: valid archives mutated at random —
//! compressed bytes flipped, inserted, deleted or cut; tar blocks and headers changed under a
//! valid gzip stream — must be refused or read whole, never panic, never exceed the caps, and
//! whatever is accepted must be exactly what its manifest describes.

mod common;

use common::*;
use ectus_archive::{sha256_hex, Limits};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, mask: u8 },
    Insert { at: usize, bytes: Vec<u8> },
    Delete { at: usize, len: usize },
    Cut { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..64)
        )
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..600).prop_map(|(at, len)| Mutation::Delete { at, len }),
        any::<usize>().prop_map(|at| Mutation::Cut { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutations: &[Mutation]) {
    for m in mutations {
        if bytes.is_empty() {
            return;
        }
        match m {
            Mutation::Flip { at, mask } => {
                let i = at % bytes.len();
                bytes[i] ^= mask;
            }
            Mutation::Insert { at, bytes: extra } => {
                let i = at % (bytes.len() + 1);
                bytes.splice(i..i, extra.iter().copied());
            }
            Mutation::Delete { at, len } => {
                let i = at % bytes.len();
                let end = (i + len).min(bytes.len());
                bytes.drain(i..end);
            }
            Mutation::Cut { at } => bytes.truncate(at % bytes.len()),
        }
    }
}

fn small_limits() -> Limits {
    Limits {
        max_entries: 16,
        max_manifest_bytes: 1 << 16,
        max_entry_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
        max_ratio: 50,
        ratio_floor_bytes: 1 << 16,
    }
}

/// Reads `archive`; on success, checks each visited file against its manifest entry.
fn check(archive: &[u8]) {
    let limits = small_limits();
    let mut visited = Vec::new();
    let result = ectus_archive::read_archive(archive, &limits, TABLES, |_, file, data| {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(data, &mut bytes).map_err(|e| e.to_string())?;
        assert!(bytes.len() as u64 <= limits.max_entry_bytes);
        visited.push((file.clone(), bytes));
        Ok::<(), String>(())
    });
    if let Ok(manifest) = result {
        assert_eq!(manifest.files.len(), visited.len());
        for (file, bytes) in &visited {
            assert_eq!(file.bytes, bytes.len() as u64);
            assert_eq!(file.sha256, sha256_hex(bytes));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_compressed_archives_never_panic(mutations in proptest::collection::vec(mutation(), 1..4)) {
        let mut archive = gzip(&tar(&valid_entries()));
        apply(&mut archive, &mutations);
        check(&archive);
    }

    #[test]
    fn mutated_tar_streams_under_valid_gzip_never_panic(mutations in proptest::collection::vec(mutation(), 1..4)) {
        let mut inner = tar(&valid_entries());
        apply(&mut inner, &mutations);
        check(&gzip(&inner));
    }

    #[test]
    fn mutated_headers_never_panic(entry in 0usize..4, at in 0usize..512, value in any::<u8>()) {
        let mut inner = tar(&valid_entries());
        // Header offsets of the valid archive's entries.
        let mut offsets = Vec::new();
        let mut pos = 0;
        for raw in valid_entries() {
            offsets.push(pos);
            pos += 512 + raw.data.len().div_ceil(512) * 512;
        }
        inner[offsets[entry] + at] = value;
        check(&gzip(&inner));
    }
}
