//! Embeds the commit the binary is built from, for `ectus --version` and the
//! `ectus_build_info{commit}` metric: `ECTUS_COMMIT` when the build sets it (the Dockerfile
//! passes it as a build argument), otherwise `git rev-parse` of the checkout, otherwise
//! `unknown` (a source tarball).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    // The checkout may belong to another user (a CI clone read by root): trust it for reading.
    let output = Command::new("git")
        .args(["-c", "safe.directory=*"])
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (output.status.success() && !text.is_empty()).then(|| text.to_owned())
}

fn main() {
    println!("cargo:rerun-if-env-changed=ECTUS_COMMIT");
    let commit = match std::env::var("ECTUS_COMMIT") {
        Ok(commit) if !commit.trim().is_empty() && commit != "unknown" => commit.trim().to_owned(),
        _ => {
            // Rebuild when HEAD moves: HEAD itself and the branch it points at.
            if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
                println!("cargo:rerun-if-changed={git_dir}/HEAD");
                if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
                    println!("cargo:rerun-if-changed={git_dir}/{reference}");
                }
                println!("cargo:rerun-if-changed={git_dir}/packed-refs");
            }
            git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".to_owned())
        }
    };
    println!("cargo:rustc-env=ECTUS_BUILD_COMMIT={commit}");
}
