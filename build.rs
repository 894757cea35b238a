//! Build facts for `gpu --version`: the commit built from and the date of the newest price in
//! the embedded catalog.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    println!("cargo:rerun-if-changed=providers/catalog/catalog.csv");
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
    let catalog = std::fs::read_to_string("providers/catalog/catalog.csv").unwrap_or_default();
    let newest = catalog
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("provider,"))
        .filter_map(|l| l.split(',').nth(11))
        .map(|d| {
            d.trim_start_matches('~')
                .get(..10)
                .unwrap_or("")
                .to_string()
        })
        .filter(|d| d.len() == 10)
        .max()
        .unwrap_or_else(|| "unknown".to_string());
    println!(
        "cargo:rustc-env=GPU_BUILD_INFO=commit {commit}{}, embedded catalog of {newest}",
        if dirty { "-modified" } else { "" }
    );
}
