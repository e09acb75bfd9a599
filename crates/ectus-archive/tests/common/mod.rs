//! Hand-made archives for the reader's tests: a raw tar writer that can write anything a
//! hostile archive may hold (the `tar` crate's builder refuses most of it), gzip, and valid
//! manifests for given contents.

#![allow(dead_code)]

use std::io::Write as _;

use ectus_archive::{sha256_hex, Manifest};

pub const TENANT_ID: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
pub const ARTIFACT_ID: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
pub const TABLES: &[&str] = &["tenants", "users"];

/// One raw tar entry, every header field at the test's choice.
#[derive(Clone)]
pub struct Raw {
    pub name: Vec<u8>,
    pub typeflag: u8,
    pub mode: u32,
    pub data: Vec<u8>,
    /// The size written into the header; the data's length when `None`.
    pub declared: Option<u64>,
    pub linkname: Vec<u8>,
    pub prefix: Vec<u8>,
}

impl Raw {
    pub fn file(name: &str, data: &[u8]) -> Raw {
        Raw {
            name: name.as_bytes().to_vec(),
            typeflag: b'0',
            mode: 0o644,
            data: data.to_vec(),
            declared: None,
            linkname: Vec::new(),
            prefix: Vec::new(),
        }
    }

    pub fn header(&self) -> [u8; 512] {
        let mut h = [0u8; 512];
        let put = |h: &mut [u8; 512], at: usize, len: usize, bytes: &[u8]| {
            let n = bytes.len().min(len);
            h[at..at + n].copy_from_slice(&bytes[..n]);
        };
        put(&mut h, 0, 100, &self.name);
        put(&mut h, 100, 8, format!("{:07o}\0", self.mode).as_bytes());
        put(&mut h, 108, 8, b"0000000\0");
        put(&mut h, 116, 8, b"0000000\0");
        let size = self.declared.unwrap_or(self.data.len() as u64);
        put(&mut h, 124, 12, format!("{size:011o}\0").as_bytes());
        put(&mut h, 136, 12, b"00000000000\0");
        h[156] = self.typeflag;
        put(&mut h, 157, 100, &self.linkname);
        put(&mut h, 257, 6, b"ustar\0");
        put(&mut h, 263, 2, b"00");
        put(&mut h, 345, 155, &self.prefix);
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        put(&mut h, 148, 8, format!("{sum:06o}\0 ").as_bytes());
        h
    }
}

/// A tar stream of `entries`, with the two zero blocks that end an archive.
pub fn tar(entries: &[Raw]) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in entries {
        out.extend_from_slice(&entry.header());
        out.extend_from_slice(&entry.data);
        let pad = (512 - entry.data.len() % 512) % 512;
        out.extend(std::iter::repeat_n(0u8, pad));
    }
    out.extend(std::iter::repeat_n(0u8, 1024));
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

/// A manifest listing `files` (path, contents, rows) with their true sizes and checksums.
pub fn manifest_for(files: &[(&str, &[u8], Option<u64>)]) -> serde_json::Value {
    serde_json::json!({
        "format": "ectus-tenant-export",
        "format_version": 1,
        "exporter": {"name": "ectus", "version": "test"},
        "exported_at": "2026-12-02T00:00:00Z",
        "source_backend": "sqlite",
        "tenant": {"id": TENANT_ID, "name": "acme"},
        "audit_head": null,
        "files": files.iter().map(|(path, data, rows)| {
            let mut file = serde_json::json!({
                "path": path, "bytes": data.len(), "sha256": sha256_hex(data),
            });
            if let Some(rows) = rows {
                file["rows"] = serde_json::json!(rows);
            }
            file
        }).collect::<Vec<_>>(),
    })
}

/// The files of a small valid archive.
pub fn valid_files() -> Vec<(String, Vec<u8>, Option<u64>)> {
    vec![
        (
            "tables/tenants.ndjson".into(),
            format!("{{\"id\":\"{TENANT_ID}\",\"name\":\"acme\"}}\n").into_bytes(),
            Some(1),
        ),
        ("tables/users.ndjson".into(), Vec::new(), Some(0)),
        (
            format!("artifacts/{ARTIFACT_ID}"),
            (0..3000u32).map(|i| (i * 7 % 251) as u8).collect(),
            None,
        ),
    ]
}

/// The raw entries of a valid archive: its manifest, then its files.
pub fn valid_entries() -> Vec<Raw> {
    let files = valid_files();
    let listed: Vec<(&str, &[u8], Option<u64>)> = files
        .iter()
        .map(|(p, d, r)| (p.as_str(), d.as_slice(), *r))
        .collect();
    let manifest = serde_json::to_vec(&manifest_for(&listed)).expect("manifest JSON");
    let mut entries = vec![Raw::file("manifest.json", &manifest)];
    entries.extend(files.iter().map(|(p, d, _)| Raw::file(p, d)));
    entries
}

/// Entries whose manifest is `manifest` (a JSON value) followed by `files` as given.
pub fn with_manifest(manifest: &serde_json::Value, files: &[Raw]) -> Vec<Raw> {
    let mut entries = vec![Raw::file(
        "manifest.json",
        &serde_json::to_vec(manifest).expect("manifest JSON"),
    )];
    entries.extend_from_slice(files);
    entries
}

/// Reads `archive` with `limits`, reading every file to its end; the manifest or the class of
/// the refusal.
pub fn read(archive: &[u8], limits: &ectus_archive::Limits) -> Result<Manifest, String> {
    ectus_archive::read_archive(archive, limits, TABLES, |_, _, data| {
        std::io::copy(data, &mut std::io::sink())
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .map_err(|e| match e {
        ectus_archive::ReadError::Archive(a) => a.class().to_owned(),
        ectus_archive::ReadError::Visitor(v) => format!("visitor: {v}"),
    })
}
