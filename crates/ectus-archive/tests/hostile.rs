//! The hostile-archive corpus: every class of trick a tenant archive may play — links,
//! devices, odd and duplicate names, permission bits, bombs, truncation, trailing data,
//! manifest and checksum lies — each refused by the reader with its class, and the valid
//! archive it was made from accepted.

mod common;

use common::*;
use ectus_archive::{Limits, Manifest};

fn limits() -> Limits {
    Limits::default()
}

#[test]
fn the_valid_archive_the_corpus_is_made_from_is_accepted() {
    let manifest = read(&gzip(&tar(&valid_entries())), &limits()).expect("valid archive");
    assert_eq!(manifest.files.len(), 3);
    assert_eq!(manifest.tenant.name, "acme");
}

/// Replaces the entry at `index` of the valid archive (0 is the manifest).
fn with_entry(index: usize, change: impl Fn(&mut Raw)) -> Vec<u8> {
    let mut entries = valid_entries();
    change(&mut entries[index]);
    gzip(&tar(&entries))
}

/// The valid archive with `extra` inserted before the entry at `index`.
fn with_inserted(index: usize, extra: Raw) -> Vec<u8> {
    let mut entries = valid_entries();
    entries.insert(index, extra);
    gzip(&tar(&entries))
}

fn refused(archive: &[u8], class: &str, case: &str) {
    match read(archive, &limits()) {
        Ok(_) => panic!("{case}: accepted"),
        Err(found) => assert_eq!(found, class, "{case}: refused for another reason"),
    }
}

#[test]
fn links_are_refused_wherever_they_stand() {
    for (index, flag) in [(1, b'2'), (1, b'1'), (3, b'2'), (3, b'1')] {
        let archive = with_entry(index, |e| {
            e.typeflag = flag;
            e.linkname = b"/etc/passwd".to_vec();
            e.data.clear();
        });
        refused(
            &archive,
            "link",
            &format!("typeflag {} at {index}", flag as char),
        );
    }
    let archive = with_entry(1, |e| e.linkname = b"../../outside".to_vec());
    refused(&archive, "link", "regular file carrying a link name");
    let archive = with_inserted(1, {
        let mut link = Raw::file("tables/tenants.ndjson", b"");
        link.typeflag = b'2';
        link.linkname = b"/root/.ssh/id_rsa".to_vec();
        link
    });
    refused(&archive, "link", "symlink shadowing a listed file");
}

#[test]
fn devices_directories_fifos_and_extension_headers_are_refused() {
    for flag in [
        b'3', b'4', b'5', b'6', b'7', b'L', b'K', b'x', b'g', b'S', b'V', b'Z',
    ] {
        let archive = with_entry(2, |e| {
            e.typeflag = flag;
            e.data.clear();
        });
        refused(
            &archive,
            "not_a_regular_file",
            &format!("typeflag {}", flag as char),
        );
    }
    let archive = with_inserted(1, {
        let mut pax = Raw::file("././@PaxHeader", b"30 path=tables/tenants.ndjson\n");
        pax.typeflag = b'x';
        pax
    });
    refused(
        &archive,
        "not_a_regular_file",
        "PAX header renaming the next entry",
    );
}

#[test]
fn names_that_could_escape_or_deceive_are_refused() {
    let names: &[&[u8]] = &[
        b"../tables/users.ndjson",
        b"/tables/users.ndjson",
        b"./tables/users.ndjson",
        b".\ntables/users.ndjson",
        b"tables/../tables/users.ndjson",
        b"tables//users.ndjson",
        b"tables\\users.ndjson",
        b"tables/users.ndjson/",
        b"tables/users.ndjson ",
        b"tables/Users.ndjson",
        b"tables/users.ndjson\n",
        b"TABLES/users.ndjson",
        "tables/usérs.ndjson".as_bytes(),
        "tables\u{2215}users.ndjson".as_bytes(),
        b"C:\\tables\\users.ndjson",
        b"~/tables/users.ndjson",
        b"",
    ];
    for name in names {
        let archive = with_entry(2, |e| e.name = name.to_vec());
        refused(
            &archive,
            "bad_name",
            &format!("{:?}", String::from_utf8_lossy(name)),
        );
    }
    let archive = with_entry(2, |e| {
        let mut hidden = b"tables/users.ndjson\0".to_vec();
        hidden.extend_from_slice(b"../../etc/cron.d/x");
        e.name = hidden;
    });
    refused(&archive, "bad_name", "bytes hidden after a NUL");
    let archive = with_entry(2, |e| e.prefix = b"../../".to_vec());
    refused(&archive, "bad_name", "ustar prefix climbing out");
}

#[test]
fn a_file_listed_in_the_manifest_with_an_odd_name_is_refused_before_any_data() {
    for path in [
        "../escape",
        "tables/users.ndjson/../../x",
        ".\nmanifest.json",
        "tables/_sqlx_migrations.ndjson",
    ] {
        let mut manifest = manifest_for(&[(path, b"x", None)]);
        manifest["files"][0]["path"] = serde_json::json!(path);
        let archive = gzip(&tar(&with_manifest(&manifest, &[])));
        refused(&archive, "bad_name", path);
    }
}

#[test]
fn duplicates_are_refused() {
    let mut entries = valid_entries();
    entries.push(entries[1].clone());
    refused(
        &gzip(&tar(&entries)),
        "unexpected_entry",
        "a file repeated after the last listed",
    );
    let mut entries = valid_entries();
    let dup = entries[1].clone();
    entries.insert(2, dup);
    refused(
        &gzip(&tar(&entries)),
        "unexpected_entry",
        "a file repeated in place of the next",
    );
    let manifest = manifest_for(&[
        ("tables/users.ndjson", b"", Some(0)),
        ("tables/users.ndjson", b"", Some(0)),
    ]);
    let archive = gzip(&tar(&with_manifest(
        &manifest,
        &[
            Raw::file("tables/users.ndjson", b""),
            Raw::file("tables/users.ndjson", b""),
        ],
    )));
    refused(
        &archive,
        "bad_manifest",
        "the manifest listing a file twice",
    );
    let mut entries = valid_entries();
    entries.insert(1, entries[0].clone());
    refused(&gzip(&tar(&entries)), "unexpected_entry", "two manifests");
}

#[test]
fn permission_bits_beyond_read_and_write_are_refused() {
    for mode in [0o4755, 0o2755, 0o1777, 0o6644] {
        let archive = with_entry(1, |e| e.mode = mode);
        refused(&archive, "bad_mode", &format!("mode {mode:o}"));
    }
}

#[test]
fn bombs_and_oversized_entries_stop_at_the_caps() {
    // 32 MiB of zeros compresses to about 32 KiB: the ratio cap stops it part-way, once
    // past the floor below which small, very compressible files are let through.
    let bomb_limits = Limits {
        ratio_floor_bytes: 1 << 20,
        ..Limits::default()
    };
    let zeros = vec![0u8; 32 << 20];
    let manifest = manifest_for(&[(&format!("artifacts/{ARTIFACT_ID}"), &zeros, None)]);
    let archive = gzip(&tar(&with_manifest(
        &manifest,
        &[Raw::file(&format!("artifacts/{ARTIFACT_ID}"), &zeros)],
    )));
    drop(zeros);
    assert_eq!(
        read(&archive, &bomb_limits).unwrap_err(),
        "compression_ratio",
        "32 MiB of zeros"
    );

    let small = Limits {
        max_entry_bytes: 1000,
        ..Limits::default()
    };
    assert_eq!(
        read(&gzip(&tar(&valid_entries())), &small).unwrap_err(),
        "too_large",
        "entry cap"
    );
    let small = Limits {
        max_total_bytes: 4000,
        ..Limits::default()
    };
    assert_eq!(
        read(&gzip(&tar(&valid_entries())), &small).unwrap_err(),
        "too_large",
        "total cap"
    );
    let small = Limits {
        max_entries: 3,
        ..Limits::default()
    };
    assert_eq!(
        read(&gzip(&tar(&valid_entries())), &small).unwrap_err(),
        "too_large",
        "entry count"
    );
    let small = Limits {
        max_manifest_bytes: 100,
        ..Limits::default()
    };
    assert_eq!(
        read(&gzip(&tar(&valid_entries())), &small).unwrap_err(),
        "too_large",
        "manifest size"
    );
    // A header that declares far more than the data, larger than any cap.
    let archive = with_entry(3, |e| e.declared = Some(60 << 30));
    refused(&archive, "too_large", "a header declaring 60 GiB");
}

#[test]
fn truncated_streams_are_refused_at_every_cut() {
    let archive = gzip(&tar(&valid_entries()));
    let mut classes = std::collections::BTreeSet::new();
    for cut in (0..archive.len()).step_by(7) {
        let found = read(&archive[..cut], &limits()).expect_err(&format!("cut at {cut} accepted"));
        classes.insert(found);
    }
    assert!(
        classes
            .iter()
            .all(|c| ["truncated", "compression", "container"].contains(&c.as_str())),
        "{classes:?}"
    );
    // A tar cut inside the last file, then compressed whole.
    let full = tar(&valid_entries());
    let cut = full.len() - 1024 - 1200;
    refused(
        &gzip(&full[..cut]),
        "truncated",
        "tar cut inside the last file",
    );
    // A tar without its last file.
    let mut entries = valid_entries();
    entries.pop();
    refused(&gzip(&tar(&entries)), "missing_entry", "last file missing");
    refused(&[], "truncated", "empty input");
}

#[test]
fn data_after_the_end_is_refused() {
    let mut archive = gzip(&tar(&valid_entries()));
    archive.extend_from_slice(b"garbage");
    refused(&archive, "trailing_data", "bytes after the gzip stream");
    let mut archive = gzip(&tar(&valid_entries()));
    archive.extend(gzip(b"a second gzip member"));
    refused(&archive, "trailing_data", "a second gzip member");
    let mut inner = tar(&valid_entries());
    inner.extend_from_slice(b"hidden after the end-of-archive marker");
    refused(&gzip(&inner), "trailing_data", "bytes after the tar's end");
    let mut inner = tar(&valid_entries());
    let extra = Raw::file("tables/users.ndjson", b"{}\n");
    inner.extend_from_slice(&extra.header());
    refused(
        &gzip(&inner),
        "trailing_data",
        "a header hidden after the end marker",
    );
}

#[test]
fn a_stream_that_is_not_gzip_or_not_tar_is_refused() {
    refused(&tar(&valid_entries()), "compression", "uncompressed tar");
    refused(b"PK\x03\x04 a zip file", "compression", "zip");
    refused(
        &gzip(b"just some text that is not a tar stream at all"),
        "container",
        "gzip of text",
    );
    let mut archive = gzip(&tar(&valid_entries()));
    let middle = archive.len() / 2;
    archive[middle] ^= 0xff;
    let found = read(&archive, &limits()).unwrap_err();
    assert!(
        [
            "compression",
            "container",
            "checksum_mismatch",
            "bad_manifest"
        ]
        .contains(&found.as_str()),
        "{found}"
    );
    let archive = with_entry(1, |e| e.name = b"tables/tenants.ndjson".to_vec());
    assert!(read(&archive, &limits()).is_ok());
    let mut bytes = tar(&valid_entries());
    bytes[148] = b'7';
    refused(&gzip(&bytes), "container", "header checksum wrong");
}

#[test]
fn manifest_lies_are_refused() {
    let files = valid_files();
    let listed: Vec<(&str, &[u8], Option<u64>)> = files
        .iter()
        .map(|(p, d, r)| (p.as_str(), d.as_slice(), *r))
        .collect();
    let raw_files: Vec<Raw> = files.iter().map(|(p, d, _)| Raw::file(p, d)).collect();
    let good = manifest_for(&listed);
    let case = |change: &dyn Fn(&mut serde_json::Value), files: &[Raw], class: &str, what: &str| {
        let mut manifest = good.clone();
        change(&mut manifest);
        refused(&gzip(&tar(&with_manifest(&manifest, files))), class, what);
    };
    case(
        &|m| m["files"][0]["sha256"] = serde_json::json!("0".repeat(64)),
        &raw_files,
        "checksum_mismatch",
        "wrong checksum",
    );
    case(
        &|m| m["files"][0]["bytes"] = serde_json::json!(3),
        &raw_files,
        "size_mismatch",
        "wrong size",
    );
    case(
        &|m| m["files"][0]["sha256"] = serde_json::json!("ABC"),
        &raw_files,
        "bad_manifest",
        "malformed checksum",
    );
    case(
        &|m| m["format_version"] = serde_json::json!(2),
        &raw_files,
        "unknown_format_version",
        "format 2",
    );
    case(
        &|m| m["format_version"] = serde_json::json!("1"),
        &raw_files,
        "bad_manifest",
        "version as text",
    );
    case(
        &|m| m["format"] = serde_json::json!("other"),
        &raw_files,
        "bad_manifest",
        "other format",
    );
    case(
        &|m| m["extra"] = serde_json::json!(true),
        &raw_files,
        "bad_manifest",
        "unknown field",
    );
    case(
        &|m| m["files"][0]["owner"] = serde_json::json!("root"),
        &raw_files,
        "bad_manifest",
        "unknown file field",
    );
    case(
        &|m| m["tenant"]["id"] = serde_json::json!("../x"),
        &raw_files,
        "bad_manifest",
        "tenant id not a UUID",
    );
    case(
        &|m| m["tenant"]["name"] = serde_json::json!("a\nb"),
        &raw_files,
        "bad_manifest",
        "tenant name with newline",
    );
    case(
        &|m| m["files"][0]["rows"] = serde_json::Value::Null,
        &raw_files,
        "bad_manifest",
        "table without rows",
    );
    case(
        &|m| m["files"][2]["rows"] = serde_json::json!(1),
        &raw_files,
        "bad_manifest",
        "artifact with rows",
    );
    case(
        &|m| m["files"][1]["path"] = serde_json::json!("tables/secrets.ndjson"),
        &raw_files,
        "bad_manifest",
        "unknown table",
    );
    case(
        &|m| m["audit_head"] = serde_json::json!({"seq": 0, "hash": "x"}),
        &raw_files,
        "bad_manifest",
        "bad audit head",
    );
    case(
        &|m| m["files"].as_array_mut().expect("files").swap(0, 1),
        &raw_files,
        "unexpected_entry",
        "files out of order",
    );
    case(
        &|m| {
            m["files"].as_array_mut().expect("files").push(serde_json::json!({"path": "tables/users.ndjson", "bytes": 0, "sha256": "0".repeat(64), "rows": 0}))
        },
        &raw_files,
        "bad_manifest",
        "a listed file twice",
    );
    let mut extra = good.clone();
    extra["files"].as_array_mut().expect("files").push(serde_json::json!({
        "path": "artifacts/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d", "bytes": 1, "sha256": "0".repeat(64)
    }));
    refused(
        &gzip(&tar(&with_manifest(&extra, &raw_files))),
        "missing_entry",
        "listed but absent",
    );
    let not_json = vec![Raw::file("manifest.json", b"{not json")];
    refused(&gzip(&tar(&not_json)), "bad_manifest", "manifest not JSON");
    let mut entries = valid_entries();
    entries.swap(0, 1);
    refused(
        &gzip(&tar(&entries)),
        "manifest_not_first",
        "manifest second",
    );
}

#[test]
fn a_visitor_sees_each_file_whole_and_in_order() {
    let mut seen = Vec::new();
    let manifest: Manifest = ectus_archive::read_archive(
        &gzip(&tar(&valid_entries()))[..],
        &limits(),
        TABLES,
        |_, file, data| {
            let mut bytes = Vec::new();
            data.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
            seen.push((file.path.clone(), bytes));
            Ok::<(), String>(())
        },
    )
    .expect("valid archive");
    let expected: Vec<(String, Vec<u8>)> =
        valid_files().into_iter().map(|(p, d, _)| (p, d)).collect();
    assert_eq!(seen, expected);
    assert_eq!(manifest.files.len(), expected.len());
}

#[test]
fn damaged_bytes_that_a_visitor_refuses_are_reported_as_damaged() {
    let mut entries = valid_entries();
    let data = &mut entries[1].data;
    let at = data.iter().position(|b| *b == b'a').expect("a letter");
    data[at] = b'X';
    let archive = gzip(&tar(&entries));
    let result = ectus_archive::read_archive(&archive[..], &limits(), TABLES, |_, _, data| {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(data, &mut bytes).map_err(|e| e.to_string())?;
        if bytes.contains(&b'X') {
            return Err("a row the visitor cannot read".to_owned());
        }
        Ok(())
    });
    match result {
        Err(ectus_archive::ReadError::Archive(e)) => assert_eq!(e.class(), "checksum_mismatch"),
        other => panic!("{other:?}"),
    }
}
