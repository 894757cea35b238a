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

/// `man/gpu.1` is generated the same way: `cargo run -q -- man > man/gpu.1`.
#[test]
fn the_man_page_is_up_to_date() {
    let out = GpuTest::new().run(&["man"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(".TH gpu 1"), "{}", out.stdout);
    assert!(out.stdout.contains("find"), "the subcommands are listed");
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man/gpu.1");
    let committed = std::fs::read_to_string(file).unwrap_or_default();
    assert!(
        committed == out.stdout,
        "man/gpu.1 is stale; regenerate it with `cargo run -q -- man > man/gpu.1`"
    );
}

#[test]
fn completions_offer_provider_ids_and_gpu_names() {
    for shell in ["bash", "zsh", "fish"] {
        let out = GpuTest::new().run(&["completions", shell]);
        for word in ["lambda", "runpod", "h100", "rtx4090", "mi300x"] {
            assert!(out.stdout.contains(word), "{shell} completes `{word}`");
        }
    }
    // The names are for completion only: help stays short and other values still parse.
    let help = GpuTest::new().run(&["find", "--help"]);
    assert!(!help.stdout.contains("rtx5070ti"), "{}", help.stdout);
    assert!(!help.stdout.contains("tensordock,"), "{}", help.stdout);
}
