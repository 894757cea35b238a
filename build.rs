//! Build facts for `gpu --version`: the commit built from (the catalog's date comes from
//! `gpu-providers`, whose package holds the catalog).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    // A package (crates.io, `cargo install gpu`) has no `.git`, but cargo wrote down the commit
    // it was packed from.
    if let Ok(info) = std::fs::read_to_string(".cargo_vcs_info.json") {
        if let Some(sha) = packed_commit(&info) {
            let dirty = info.contains("\"dirty\": true");
            println!(
                "cargo:rustc-env=GPU_BUILD_COMMIT={sha}{}",
                if dirty { "-modified" } else { "" }
            );
            return;
        }
    }
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .is_some_and(|o| !o.stdout.is_empty());
    println!(
        "cargo:rustc-env=GPU_BUILD_COMMIT={commit}{}",
        if dirty { "-modified" } else { "" }
    );
}

/// The first 12 hex digits of `"sha1": "..."` in `.cargo_vcs_info.json`.
fn packed_commit(text: &str) -> Option<String> {
    let after = text.split("\"sha1\"").nth(1)?;
    let sha: String = after
        .chars()
        .skip_while(|c| !c.is_ascii_hexdigit())
        .take_while(char::is_ascii_hexdigit)
        .take(12)
        .collect();
    (sha.len() == 12).then_some(sha)
}
