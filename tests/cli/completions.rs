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

/// `man/` is generated the same way: `cargo run -q -- man --dir man`. `gpu man` alone prints
/// `gpu.1`; `--dir` writes one page per subcommand, and every page another one names exists.
#[test]
fn the_man_pages_are_up_to_date_and_complete() {
    let out = GpuTest::new().run(&["man"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(".TH gpu 1"), "{}", out.stdout);
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let stale = "man/ is stale; regenerate it with `rm -r man && cargo run -q -- man --dir man`";
    assert_eq!(
        std::fs::read_to_string(shipped.join("gpu.1")).unwrap_or_default(),
        out.stdout,
        "{stale}"
    );
    let t = GpuTest::new();
    let dir = t.home().join("share/man/man1");
    let wrote = t.run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    let names = |d: &std::path::Path| -> std::collections::BTreeSet<String> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let generated = names(&dir);
    for page in [
        "gpu.1",
        "gpu-find.1",
        "gpu-up.1",
        "gpu-catalog-refresh.1",
        "gpu-config-check.1",
    ] {
        assert!(generated.contains(page), "{page}: {generated:?}");
    }
    assert_eq!(names(&shipped), generated, "{stale}");
    for name in &generated {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert_eq!(
            std::fs::read_to_string(shipped.join(name)).unwrap_or_default(),
            text,
            "{name}: {stale}"
        );
        // Each page another one refers to (`gpu\-find(1)`) is there.
        for part in text.split("gpu\\-").skip(1) {
            let Some(end) = part.find("(1)") else {
                continue;
            };
            let page = format!("gpu-{}.1", part[..end].replace("\\-", "-"));
            if !page.contains(' ') {
                assert!(generated.contains(&page), "{name} names {page}");
            }
        }
    }
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
