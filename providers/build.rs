//! The date of the newest price in the embedded catalog, for `gpu --version`: computed here,
//! where the catalog is part of the package, so that a build from crates.io says it too.

fn main() {
    println!("cargo:rerun-if-changed=catalog/catalog.csv");
    let catalog = std::fs::read_to_string("catalog/catalog.csv").unwrap_or_default();
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
    println!("cargo:rustc-env=GPU_CATALOG_NEWEST={newest}");
}
