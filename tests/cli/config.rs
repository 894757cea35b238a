use crate::support::GpuTest;

#[test]
fn config_path_follows_the_flag_env_and_default() {
    let t = GpuTest::new();
    let out = t.run(&["config", "path"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout.trim(),
        t.home()
            .join("config/gpu/config.toml")
            .display()
            .to_string()
    );
    assert!(out.stderr.contains("does not exist yet"));

    let t = GpuTest::new().config("");
    let out = t.run(&["config", "path"]);
    assert_eq!(out.stdout.trim(), t.config_path().display().to_string());
    let out = t.run(&["--config", "/elsewhere/gpu.toml", "config", "path"]);
    assert_eq!(out.code, 2, "an explicit file must exist: {}", out.stderr);
    assert!(out
        .stderr
        .contains("could not read the config file `/elsewhere/gpu.toml`"));
}

#[test]
fn broken_config_is_one_line_naming_file_and_line() {
    let t = GpuTest::new().config("[providers.lambda]\napi_key = \"k\"\ntimout = 3\n");
    let out = t.run(&["find"]);
    assert_eq!(out.code, 2);
    let first = out.stderr.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "error: {}:3: unknown key `timout` under `[providers.lambda]`",
            t.config_path().display()
        )
    );
    assert!(out.stderr.contains("did you mean `timeout`?"));
    assert!(out.stdout.is_empty());

    let out = GpuTest::new().config("[providers.vast\n").run(&["find"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("is not valid TOML at line 1"),
        "{}",
        out.stderr
    );
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let t = GpuTest::new().configured("vast", "http://api.example.com", "");
    let out = t.run(&["find"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("`base_url` under `[providers.vast]`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("unencrypted"), "{}", out.stderr);

    let out = GpuTest::new()
        .env("GPU_VAST_BASE_URL", "http://203.0.113.5")
        .run(&["find"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("`GPU_VAST_BASE_URL`"), "{}", out.stderr);
}

#[test]
fn check_lists_providers_with_masked_keys() {
    let t = GpuTest::new()
        .config("[providers.runpod]\napi_key = \"rp-abcdefghijklmnop-WXYZ\"\n")
        .env("LAMBDA_API_KEY", "lk-0123456789abcdef-TAIL");
    let out = t.run(&["config", "check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("***TAIL") && out.stdout.contains("env `LAMBDA_API_KEY`"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("***WXYZ"), "{}", out.stdout);
    assert!(!out.all().contains("0123456789abcdef"), "key leaked");
    assert!(!out.all().contains("abcdefghijklmnop"), "key leaked");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("vast") && l.contains("live")),
        "{}",
        out.stdout
    );
}

#[cfg(unix)]
#[test]
fn a_config_others_can_read_gets_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let t = GpuTest::new();
    let p = t.home().join("shared.toml");
    std::fs::write(&p, "[providers.lambda]\napi_key = \"k\"\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = t.run(&["--config", p.to_str().unwrap(), "find", "--offline"]);
    assert!(
        out.stderr
            .contains("can be read by other users; run `chmod 600"),
        "{}",
        out.stderr
    );
}

#[test]
fn unreadable_empty_and_mistyped_configs() {
    let t = GpuTest::new();
    let dir = t.home().to_str().unwrap().to_string();
    let out = t.run(&["--config", &dir, "find"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.lines().next().unwrap(),
        format!("error: could not read the config file `{dir}`")
    );

    let out = GpuTest::new()
        .config("")
        .run(&["find", "--offline", "--limit", "1"]);
    assert_eq!(
        out.code, 0,
        "an empty file is a valid config: {}",
        out.stderr
    );

    for (text, expect) in [
        ("timeout = -3\n", "`timeout` must be a number of seconds"),
        (
            "[providers.vast]\nlimit = \"many\"\n",
            "`limit` must be a whole number",
        ),
        (
            "[providers]\nlambda = 1\n",
            "`providers.lambda` must be a table",
        ),
        (
            "cache_ttl = true\n",
            "`cache_ttl` must be a number of seconds",
        ),
        ("verbose = true\n", "unknown key `verbose`"),
        (
            "[providers.aws]\nregions = \"us-east-1\"\n",
            ":2: `[providers.aws]`: `regions` must be a list of region codes",
        ),
        (
            "[providers.aws]\nregion = [\"us-east-1\"]\n",
            "did you mean `regions`",
        ),
    ] {
        let out = GpuTest::new().config(text).run(&["find", "--offline"]);
        assert_eq!(out.code, 2, "{text}: {}", out.stderr);
        assert!(out.stderr.contains(expect), "{text}: {}", out.stderr);
        assert_eq!(
            out.stderr
                .lines()
                .filter(|l| l.starts_with("error:"))
                .count(),
            1
        );
    }
}
