//! The entry names an archive may hold. Names are matched whole against a small grammar —
//! `manifest.json`, `tables/<table>.ndjson`, `artifacts/<uuid>` — so that no path trick
//! (`..`, absolute paths, `./` or `.\n` prefixes, backslashes, NUL, control characters,
//! look-alike Unicode) can pass: a name is either exactly one of these or refused.

/// The name of the manifest, the first entry of every archive.
pub const MANIFEST: &str = "manifest.json";

/// What an entry is, known from its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryName {
    Manifest,
    /// `tables/<table>.ndjson`: the rows of one table.
    Table(String),
    /// `artifacts/<generation id>`: one generation's artifact bytes.
    Artifact(String),
}

impl EntryName {
    /// The archive path of a table's rows.
    pub fn table_path(table: &str) -> String {
        format!("tables/{table}.ndjson")
    }

    /// The archive path of a generation's artifact.
    pub fn artifact_path(generation_id: &str) -> String {
        format!("artifacts/{generation_id}")
    }

    /// Reads a name, or says why it is refused.
    pub fn parse(name: &[u8]) -> Result<EntryName, String> {
        let text = std::str::from_utf8(name).map_err(|_| "it is not UTF-8".to_owned())?;
        if let Some(bad) = text.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(format!(
                "it holds {bad:?}; names are printable ASCII without spaces"
            ));
        }
        if text == MANIFEST {
            return Ok(EntryName::Manifest);
        }
        if let Some(rest) = text.strip_prefix("tables/") {
            if let Some(table) = rest.strip_suffix(".ndjson") {
                if is_table_name(table) {
                    return Ok(EntryName::Table(table.to_owned()));
                }
            }
        }
        if let Some(id) = text.strip_prefix("artifacts/") {
            if is_uuid(id) {
                return Ok(EntryName::Artifact(id.to_owned()));
            }
        }
        Err(
            "an archive holds only manifest.json, tables/<table>.ndjson and artifacts/<uuid>"
                .into(),
        )
    }

    /// The name as written in the archive.
    pub fn path(&self) -> String {
        match self {
            EntryName::Manifest => MANIFEST.to_owned(),
            EntryName::Table(table) => Self::table_path(table),
            EntryName::Artifact(id) => Self::artifact_path(id),
        }
    }
}

fn is_table_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        && !name.starts_with('_')
}

/// A lowercase hyphenated UUID (`8-4-4-4-12` hex digits).
pub fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(b),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_three_shapes_of_name_are_accepted() {
        assert_eq!(EntryName::parse(b"manifest.json"), Ok(EntryName::Manifest));
        assert_eq!(
            EntryName::parse(b"tables/api_keys.ndjson"),
            Ok(EntryName::Table("api_keys".into()))
        );
        let id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(
            EntryName::parse(format!("artifacts/{id}").as_bytes()),
            Ok(EntryName::Artifact(id.into()))
        );
        for bad in [
            "../manifest.json",
            "/manifest.json",
            "./manifest.json",
            ".\nmanifest.json",
            "tables/../../etc/passwd",
            "tables\\users.ndjson",
            "tables/users.ndjson\0",
            "tables/Users.ndjson",
            "tables/_x.ndjson",
            "tables/.ndjson",
            "tables/users.json",
            "artifacts/0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B",
            "artifacts/../x",
            "manifest.json/",
            "manifest .json",
            "manifest\u{2024}json",
            "",
        ] {
            assert!(
                EntryName::parse(bad.as_bytes()).is_err(),
                "{bad:?} accepted"
            );
        }
        assert!(EntryName::parse(&[0xff, 0xfe]).is_err());
    }
}
