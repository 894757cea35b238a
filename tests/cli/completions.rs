use crate::support::GpuTest;

/// `completions/` is generated from the clap definition; a change to the CLI must regenerate
/// it: `for s in bash zsh fish powershell; do cargo run -q -- completions $s > ...; done`
/// (see README).
#[test]
fn completion_files_are_up_to_date() {
    let files = [
        ("bash", "gpu.bash"),
        ("zsh", "_gpu"),
        ("fish", "gpu.fish"),
        ("powershell", "_gpu.ps1"),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in files {
        let out = GpuTest::new().run(&["completions", shell]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let committed = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(
            committed == out.stdout,
            "completions/{file} is stale; regenerate it with `cargo run -q -- completions {shell} > completions/{file}`"
        );
    }
}

#[test]
fn completions_know_the_subcommands() {
    let out = GpuTest::new().run(&["completions", "bash"]);
    assert!(out.stdout.contains("find") && out.stdout.contains("--max-price"));
}
