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

/// `gpu config init` as a script drives it (answers a line each on stdin): the key checked
/// with the provider, the file written with mode 600 beside what was there, the key never
/// printed; a refused key not written; `config check --live` asks again.
#[tokio::test]
async fn config_init_writes_checked_keys_with_mode_600_and_check_live_asks_again() {
    use std::io::Write;
    let (lambda, fake) = crate::fakes::LambdaFake::start().await;
    fake.with(|s| s.accept_only = Some("lk-right-key-0123456789".into()));
    let t = GpuTest::new().fake("lambda", &lambda);
    let path = t.home().join("conf/gpu.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "# mine\ntimeout = 7\n").unwrap();
    let init = |answers: &str| {
        let mut child = t
            .command(&["--config", path.to_str().unwrap(), "config", "init"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answers.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    // A wrong key: refused, exit 4, the file as it was.
    let (code, stdout, stderr) = init("lambda\nlk-wrong-key-0123456789\n");
    assert_eq!(code, 4, "{stdout}{stderr}");
    assert!(
        stdout.contains("lambda  prices refused the key"),
        "{stdout}"
    );
    assert!(stderr.contains("it is not written"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "# mine\ntimeout = 7\n"
    );

    // An unknown id from a script: a usage error naming it and the right ones.
    let (code, _, stderr) = init("lamda\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown provider `lamda`"), "{stderr}");
    assert!(stderr.contains("lambda"), "{stderr}");

    // The right key: checked, written under what was there, mode 600.
    let (code, stdout, stderr) = init("lambda\nlk-right-key-0123456789\n");
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("lambda  prices ok (3 offers); renting ok (0 instances)"),
        "{stdout}"
    );
    assert!(
        stderr.contains("LAMBDA_API_KEY"),
        "the prompt names the variable: {stderr}"
    );
    for text in [&stdout, &stderr] {
        assert!(
            !text.contains("lk-right-key"),
            "the key is never printed: {text}"
        );
    }
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        written,
        "# mine\ntimeout = 7\n\n[providers.lambda]\napi_key = \"lk-right-key-0123456789\"\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The written file works, and `check --live` asks with it.
    let t = t.env("GPU_CONFIG", path.to_str().unwrap());
    let check = t.run(&["config", "check", "--live"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert!(
        check
            .stdout
            .contains("  lambda  prices ok (3 offers); renting ok (0 instances)"),
        "{}",
        check.stdout
    );
    assert!(!check.stdout.contains("lk-right-key"), "{}", check.stdout);
    // Revoked since: exit 4 and the hint naming what to set.
    fake.with(|s| s.reject_key = true);
    let check = t.run(&["config", "check", "--live"]);
    assert_eq!(check.code, 4, "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains("lambda  prices refused the key"),
        "{}",
        check.stdout
    );
    assert!(
        check.stderr.contains("`LAMBDA_API_KEY`"),
        "{}",
        check.stderr
    );
    // Without `--live`, nothing is asked.
    let calls = lambda.received_requests().await.unwrap().len();
    let check = t.run(&["config", "check"]);
    assert_eq!(check.code, 0);
    assert_eq!(lambda.received_requests().await.unwrap().len(), calls);
}

/// At a terminal (a real pseudo-terminal, by util-linux's `script`), the key typed is not
/// echoed: it appears nowhere in what the terminal shows, yet it is what the file holds.
#[tokio::test]
async fn config_init_at_a_terminal_does_not_echo_the_key() {
    use std::io::Write;
    let (lambda, _fake) = crate::fakes::LambdaFake::start().await;
    let t = GpuTest::new().fake("lambda", &lambda);
    let path = t.home().join("gpu.toml");
    let line = format!(
        "{} --config {} config init",
        env!("CARGO_BIN_EXE_gpu"),
        path.display()
    );
    // `script` runs gpu at its own terminal, with the environment `command` gives gpu.
    let cmd = t.command(&[]);
    let mut script = std::process::Command::new("script");
    script.args(["-qec", &line, "/dev/null"]);
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            script.env(k, v);
        }
    }
    let mut child = script
        .env_remove("GPU_CONFIG")
        .current_dir(t.home())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // Each answer once its question is on the screen.
    let mut shown = Vec::new();
    let mut wait_for = |text: &str, shown: &mut Vec<u8>| {
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(shown).contains(text) {
            let n = std::io::Read::read(&mut stdout, &mut buf).unwrap();
            assert!(
                n > 0,
                "ended before `{text}`: {}",
                String::from_utf8_lossy(shown)
            );
            shown.extend_from_slice(&buf[..n]);
        }
    };
    wait_for("Set up which?", &mut shown);
    stdin.write_all(b"lambda\n").unwrap();
    wait_for("not shown as you type", &mut shown);
    std::thread::sleep(std::time::Duration::from_millis(300));
    stdin.write_all(b"lk-typed-at-a-terminal-42\n").unwrap();
    drop(stdin);
    std::io::Read::read_to_end(&mut stdout, &mut shown).unwrap();
    child.wait().unwrap();
    let shown = String::from_utf8_lossy(&shown);
    assert!(shown.contains("lambda  prices ok"), "{shown}");
    assert!(
        !shown.contains("lk-typed-at-a-terminal-42"),
        "echoed: {shown}"
    );
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        written.contains("api_key = \"lk-typed-at-a-terminal-42\""),
        "{written}"
    );
}
