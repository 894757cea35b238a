use crate::support::GpuTest;

#[test]
fn top_level_help_documents_exit_codes() {
    let out = GpuTest::new().run(&["--help"]);
    assert_eq!(out.code, 0);
    for line in [
        "find",
        "providers",
        "config",
        "completions",
        "Exit codes:",
        "5    no offer matched",
    ] {
        assert!(
            out.stdout.contains(line),
            "missing {line:?} in:\n{}",
            out.stdout
        );
    }
}

#[test]
fn find_help_says_prices_are_per_gpu_hour() {
    let out = GpuTest::new().run(&["find", "--help"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("Highest price per GPU-hour"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("--max-total"));
    assert!(out.stdout.contains("--offline"));
    assert!(out.stdout.contains("3    partial results"));
}

#[test]
fn usage_errors_exit_2() {
    let out = GpuTest::new().run(&["find", "--max-price", "abc"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--max-price"), "{}", out.stderr);
    assert!(out.stdout.is_empty());

    let out = GpuTest::new().run(&["find", "--spot", "--on-demand"]);
    assert_eq!(out.code, 2);
}

#[test]
fn version() {
    let out = GpuTest::new().run(&["--version"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("gpu "), "{}", out.stdout);
}
