//! The downloadable form of a generated project: a gzipped tar with deterministic headers.

use std::path::Path;

use anyhow::Context as _;

/// A gzipped tar of `dir` with paths relative to it, under a top-level folder `name/`.
/// Symbolic links are archived as links, never followed.
pub fn package(dir: &Path, name: &str) -> anyhow::Result<Vec<u8>> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut archive = tar::Builder::new(encoder);
    archive.mode(tar::HeaderMode::Deterministic);
    archive.follow_symlinks(false);
    archive
        .append_dir_all(name, dir)
        .with_context(|| format!("cannot archive {}", dir.display()))?;
    let encoder = archive.into_inner().context("cannot finish the archive")?;
    encoder.finish().context("cannot compress the archive")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_holds_the_files_under_the_service_folder_and_is_reproducible() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
        std::fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").expect("write");
        let first = package(dir.path(), "svc").expect("package");
        let second = package(dir.path(), "svc").expect("package");
        assert_eq!(first, second, "same files, same bytes");
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(first.as_slice()));
        let names: Vec<String> = archive
            .entries()
            .expect("entries")
            .map(|e| {
                e.expect("entry")
                    .path()
                    .expect("path")
                    .display()
                    .to_string()
            })
            .collect();
        assert!(names.contains(&"svc/src/main.rs".to_owned()), "{names:?}");
    }
}
