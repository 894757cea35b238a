//! Scripting and terminal details: variables checked like the config file, negative numbers
//! told apart from flags, contradictory filters refused, `--quiet`, `TERM=dumb`.

use crate::support::GpuTest;

#[test]
fn number_variables_that_cannot_be_used_are_errors_naming_them() {
    for (var, value) in [
        ("GPU_TIMEOUT", "abc"),
        ("GPU_TIMEOUT", "0"),
        ("GPU_CACHE_TTL", "-1"),
        ("GPU_POLL_INTERVAL", "abc"),
        ("GPU_ABSENCE_GRACE", "1e9"),
    ] {
        let out = GpuTest::new().env(var, value).run(&["find", "--h100"]);
        assert_eq!(out.code, 2, "{var}={value}: {}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("`{var}={value}` cannot be used")),
            "{}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
    let ok = GpuTest::new()
        .env("GPU_TIMEOUT", "2.5")
        .run(&["find", "--h100"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
}

#[test]
fn negative_values_get_our_message_not_an_unknown_flag() {
    let out = GpuTest::new().run(&["find", "--max-price", "-1"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("`-1` must be a number greater than 0"),
        "{}",
        out.stderr
    );
    let out = GpuTest::new().run(&["up", "--ttl", "-1h", "--dry-run"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("a duration cannot be negative"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("tip:"), "{}", out.stderr);
}

#[test]
fn contradictory_gpu_counts_are_a_usage_error() {
    let out = GpuTest::new().run(&["find", "--gpus", "2", "--min-gpus", "4"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
}

#[test]
fn quiet_keeps_the_data_and_drops_the_notes() {
    let loud = GpuTest::new().run(&["find", "--h100"]);
    assert!(loud.stderr.contains("note:"), "{}", loud.stderr);
    let quiet = GpuTest::new().run(&["find", "--h100", "-q"]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!(quiet.stdout, loud.stdout);
    assert!(!quiet.stderr.contains("note:"), "{}", quiet.stderr);
}

#[test]
fn one_more_offer_is_singular() {
    let all = GpuTest::new().run(&["find", "--json", "--all"]).json();
    let n = all.as_array().unwrap().len();
    assert!(n > 2);
    let limit = (n - 1).to_string();
    let out = GpuTest::new().run(&["find", "-o", "table", "--limit", &limit, "-v"]);
    assert!(
        out.stderr.contains("1 more offer not shown"),
        "{}",
        out.stderr
    );
}

#[test]
fn ls_csv_has_its_header_even_with_nothing_running() {
    let out = GpuTest::new().run(&["ls", "--csv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "id,name,state,gpu,region,price_per_hour_usd,cost_so_far_usd,deadline,ledger,owner\n"
    );
}

#[test]
fn an_offer_id_with_an_unknown_provider_names_the_offer_id() {
    let out = GpuTest::new().run(&["up", "foo:bar", "--dry-run"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`foo:bar` names the unknown provider `foo`"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("--provider"), "{}", out.stderr);
}

#[test]
fn a_config_typo_does_not_block_listing_releasing_or_config_path() {
    let t = GpuTest::new().config("timout = 5\n");
    let out = t.run(&["find", "--h100"]);
    assert_eq!(
        out.code, 2,
        "commands that read the key still refuse: {}",
        out.stderr
    );
    for args in [
        &["ls"][..],
        &["config", "path"][..],
        &["down", "gpu-none", "--yes", "--missing-ok"][..],
    ] {
        let out = t.run(args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("unknown key `timout`; it is left out"),
            "{args:?}: {}",
            out.stderr
        );
    }
    // Not TOML at all is still an error: nothing can be read from it.
    let broken = GpuTest::new().config("[providers.lambda\n");
    assert_eq!(broken.run(&["ls"]).code, 2);
}

#[test]
fn help_of_the_main_commands_ends_with_examples_then_exit_codes() {
    for cmd in ["find", "up", "run", "ls", "down"] {
        let out = GpuTest::new().run(&[cmd, "--help"]);
        assert_eq!(out.code, 0);
        let examples = out
            .stdout
            .find("Examples:")
            .unwrap_or_else(|| panic!("{cmd}"));
        let codes = out.stdout.find("Exit codes:").unwrap();
        assert!(examples < codes, "{cmd}");
        assert!(
            out.stdout[examples..].contains(&format!("  gpu {cmd} ")),
            "{cmd}"
        );
    }
}

#[test]
fn an_80_column_table_fits_80_columns() {
    let out = GpuTest::new()
        .env("COLUMNS", "80")
        .env("GPU_FORCE_TTY", "1")
        .run(&["find", "--h100"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.lines().count() > 5, "{}", out.stdout);
    for line in out.stdout.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} chars: {line}",
            line.chars().count()
        );
    }
    let header = out.stdout.lines().next().unwrap();
    for kept in [
        "PROVIDER", "GPU", "N", "$/GPU-H", "$/H", "REGION", "TYPE", "SOURCE",
    ] {
        assert!(header.contains(kept), "{header}");
    }
    // Every offer of the whole catalog, and the value sorts with their extra column, too.
    let mut lines = Vec::new();
    for args in [
        vec!["find", "--all"],
        vec!["find", "--all", "--sort", "value"],
        vec!["find", "--all", "--sort", "bandwidth-value"],
    ] {
        let out = GpuTest::new()
            .env("COLUMNS", "80")
            .env("GPU_FORCE_TTY", "1")
            .run(&args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        lines.extend(out.stdout.lines().map(str::to_string));
    }
    assert!(lines.iter().any(|l| l.contains("$/PFLOP-H")));
    for line in &lines {
        assert!(
            line.chars().count() <= 80,
            "{} chars: {line}",
            line.chars().count()
        );
    }
    // The offer id, for `gpu up`, is in `--wide`, never cut.
    let wide = GpuTest::new()
        .env("COLUMNS", "80")
        .run(&["find", "--h100", "--wide"]);
    assert!(wide.stdout.contains("OFFER ID"), "{}", wide.stdout);
    assert!(
        wide.stdout.contains("lambda:gpu_1x_h100_pcie"),
        "{}",
        wide.stdout
    );
}

#[test]
fn columns_tsv_and_no_header_for_scripts() {
    let t = GpuTest::new();
    let tsv = t.run(&[
        "find",
        "--h100",
        "-o",
        "tsv",
        "--no-header",
        "--columns",
        "provider,offer_id,price_per_hour_usd",
    ]);
    assert_eq!(tsv.code, 0, "{}", tsv.stderr);
    let first = tsv.stdout.lines().next().unwrap();
    let cells: Vec<&str> = first.split('\t').collect();
    assert_eq!(cells.len(), 3, "{first}");
    assert!(cells[1].starts_with(&format!("{}:", cells[0])), "{first}");
    assert!(cells[2].parse::<f64>().is_ok(), "{first}");
    // The same columns as a table and as CSV, with their headers.
    let table = t.run(&[
        "find",
        "--h100",
        "-o",
        "table",
        "--columns",
        "provider,gpu_count",
    ]);
    let header: Vec<&str> = table
        .stdout
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(header, ["PROVIDER", "GPU_COUNT"], "{}", table.stdout);
    let csv = t.run(&["find", "--h100", "--csv", "--columns", "gpu,provider"]);
    assert!(csv.stdout.starts_with("gpu,provider\n"), "{}", csv.stdout);
    // A table without its header.
    let bare = t.run(&["find", "--h100", "--no-header"]);
    assert!(!bare.stdout.contains("PROVIDER"), "{}", bare.stdout);
    // An unknown field is a usage error naming it.
    let bad = t.run(&["find", "--columns", "provider,prize"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("unknown field `prize` given to `--columns`"),
        "{}",
        bad.stderr
    );
    assert!(bad.stderr.contains("price_per_hour_usd"), "{}", bad.stderr);
    // `ls --csv --no-header` prints nothing at all when nothing runs.
    let ls = t.run(&["ls", "--csv", "--no-header"]);
    assert_eq!(ls.stdout, "", "{}", ls.stderr);
}

/// The README's example outputs are the program's real output: every line a `console` block
/// shows (other than `...`) is a line of what its command prints here (from the catalog, and
/// the example plugin on `PATH`).
#[test]
fn the_readme_examples_are_real_output() {
    let readme = include_str!("../../README.md");
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let path = format!("{}:/usr/bin:/bin", examples.display());
    let mut checked = 0;
    for block in readme.split("```console\n").skip(1) {
        let block = &block[..block.find("```").unwrap()];
        let mut lines = block.lines();
        let command = lines.next().unwrap().trim_start_matches("$ ");
        // `cp examples/x ~/.local/bin/ && gpu ...`: the copy is what PATH does here.
        let command = command.rsplit("&& ").next().unwrap();
        let args: Vec<&str> = command
            .split_whitespace()
            .skip_while(|w| *w == "gpu")
            .collect();
        // What a person sees at a terminal.
        let out = GpuTest::new()
            .env("PATH", &path)
            .env("GPU_FORCE_TTY", "1")
            .run(&args);
        let printed: Vec<&str> = out.stdout.lines().chain(out.stderr.lines()).collect();
        let shown: Vec<&str> = lines.filter(|l| *l != "...").collect();
        assert!(shown.len() >= 2, "{block}");
        for line in shown {
            assert!(
                printed.contains(&line),
                "README line not in the output of `{command}`:\n{line}\n--- output:\n{}",
                printed.join("\n")
            );
        }
        checked += 1;
    }
    assert!(checked >= 2, "the README's examples were found");
}

#[test]
fn gpu_names_must_be_known() {
    let t = GpuTest::new();
    for (name, suggestion) in [
        ("h10", "did you mean `H100`?"),
        ("100", "did you mean `H100`?"),
        ("Н100", "non-ASCII letters; did you mean `H100`?"),
    ] {
        let out = t.run(&["find", "--gpu", name]);
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("unknown GPU `{name}` given to `--gpu`")),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(suggestion), "{name}: {}", out.stderr);
        assert_eq!(out.stdout, "");
    }
    // One unknown name in a list is not dropped quietly.
    let out = t.run(&["find", "--gpu", "h100,foo"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("unknown GPU `foo`"), "{}", out.stderr);
    // The same check guards up, watch and history.
    for cmd in [
        &["up", "--gpu", "foo", "--dry-run"][..],
        &["history", "--gpu", "foo"],
    ] {
        let out = t.run(cmd);
        assert_eq!(out.code, 2, "{cmd:?}: {}", out.stderr);
    }
    // `gpu gpus` lists the names, with memory and data-sheet figures.
    let gpus = t.run(&["gpus", "--json"]).json();
    let h100 = gpus
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gpu"] == "H100" && g["variant"] == "SXM")
        .expect("H100 SXM listed");
    assert_eq!(h100["memory_gb"], 80.0);
    assert!(h100["bf16_tflops"].as_f64().unwrap() > 900.0);
}

#[test]
fn version_names_the_commit_and_the_catalog_date() {
    let out = GpuTest::new().run(&["--version"]);
    assert_eq!(out.code, 0);
    let line = out.stdout.trim();
    assert!(line.starts_with("gpu 0."), "{line}");
    assert!(line.contains("(commit "), "{line}");
    assert!(line.contains(", embedded catalog of 20"), "{line}");
}

#[test]
fn jq_filters_json_output_in_process() {
    let t = GpuTest::new();
    let all = t.run(&["find", "--h100", "--json"]).json();
    let first = all[0]["provider"].as_str().unwrap().to_string();
    let out = t.run(&["find", "--h100", "--jq", ".[0].provider"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, format!("{first}\n"), "strings print raw");
    let n = t.run(&["find", "--h100", "--jq", "length"]);
    assert_eq!(n.stdout.trim(), all.as_array().unwrap().len().to_string());
    // Other commands' JSON too.
    let status = t.run(&["providers", "--jq", ".[] | select(.id == \"lambda\") | .id"]);
    assert_eq!(status.stdout, "lambda\n", "{}", status.stderr);
    // A filter that does not parse is a usage error, before anything is asked.
    let bad = t.run(&["find", "--jq", ".[0"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("`--jq .[0`"), "{}", bad.stderr);
    assert_eq!(bad.stdout, "");
}

#[test]
fn regions_mean_places() {
    let t = GpuTest::new();
    let rows = |args: &[&str]| -> Vec<serde_json::Value> {
        let mut a = vec!["find", "--all", "--json"];
        a.extend_from_slice(args);
        t.run(&a).json().as_array().unwrap().clone()
    };
    // Every row has a country and continent, or null for rows priced everywhere.
    for o in rows(&[]) {
        if o["region"] == "any" {
            assert!(o["country"].is_null(), "{o}");
        } else {
            assert!(
                o["country"].is_string() && o["continent"].is_string(),
                "{o}"
            );
        }
    }
    // `eu`: Finland, Germany, Sweden, France and Bulgaria, never Texas or Australia.
    let eu = rows(&["--region", "eu", "--strict-region"]);
    assert!(!eu.is_empty());
    assert!(eu.iter().all(|o| o["continent"] == "EU"), "{eu:?}");
    for place in ["FIN-01", "Germany, DE", "eu-north-1"] {
        assert!(eu.iter().any(|o| o["region"] == place), "eu has {place}");
    }
    // `us`: the country, whatever the provider calls the region; `Australia, AU` is not in it.
    let us = rows(&["--region", "us", "--strict-region"]);
    assert!(us.iter().all(|o| o["country"] == "US"), "{us:?}");
    assert!(us.iter().any(|o| o["region"] == "Texas, US"));
    assert!(us.iter().any(|o| o["region"] == "us-east-1"));
    // A country by name, and a provider's region by prefix.
    let de = rows(&["--region", "germany", "--strict-region"]);
    assert!(
        !de.is_empty() && de.iter().all(|o| o["country"] == "DE"),
        "{de:?}"
    );
    let east = rows(&["--region", "us-east"]);
    assert!(east.iter().any(|o| o["region"] == "us-east-1"));
    // Rows priced everywhere match any place, unless --strict-region.
    assert!(east.iter().any(|o| o["region"] == "any"));
    let strict = rows(&["--region", "us-east", "--strict-region"]);
    assert!(strict.iter().all(|o| o["region"] != "any"));
    // The table shows the country.
    let table = t.run(&["find", "-o", "table", "--region", "eu", "--strict-region"]);
    assert!(
        table.stdout.lines().next().unwrap().contains(" CC "),
        "{}",
        table.stdout
    );
}

#[test]
fn providers_and_config_check_fit_80_columns() {
    let t = GpuTest::new()
        .env("COLUMNS", "80")
        .env("GPU_FORCE_TTY", "1");
    for cmd in [&["providers"][..], &["config", "check"]] {
        let out = t.run(cmd);
        assert!(out.stdout.lines().count() > 5, "{cmd:?}: {}", out.stdout);
        for line in out.stdout.lines() {
            assert!(line.chars().count() <= 80, "{cmd:?}: {line}");
        }
    }
    // A wide terminal still shows everything.
    let wide = GpuTest::new()
        .env("COLUMNS", "200")
        .run(&["providers", "-o", "table"]);
    assert!(
        wide.stdout.contains("NAME") && wide.stdout.contains("CATALOG"),
        "{}",
        wide.stdout
    );
}

#[test]
fn summary_is_one_row_per_gpu_model() {
    let t = GpuTest::new();
    let all = t.run(&["find", "--json"]).json();
    let models = t.run(&["find", "--summary", "--json"]).json();
    let models = models.as_array().unwrap();
    let labels: std::collections::BTreeSet<&str> =
        models.iter().map(|m| m["gpu"].as_str().unwrap()).collect();
    assert_eq!(labels.len(), models.len(), "one row per model");
    let counted: u64 = models.iter().map(|m| m["offers"].as_u64().unwrap()).sum();
    assert_eq!(
        counted as usize,
        all.as_array().unwrap().len(),
        "every offer counted"
    );
    // A model is one row: every memory size and form factor of it together, the range shown.
    let all = all.as_array().unwrap();
    for model in ["H100", "H200", "B200", "B300", "GB200", "A100"] {
        let rows: Vec<_> = models.iter().filter(|m| m["gpu"] == model).collect();
        assert_eq!(rows.len(), 1, "{model}: {models:#?}");
        let of: Vec<_> = all.iter().filter(|o| o["gpu"] == model).collect();
        assert_eq!(rows[0]["offers"].as_u64().unwrap() as usize, of.len());
        let mem: Vec<f64> = of
            .iter()
            .filter_map(|o| o["gpu_memory_gb"].as_f64())
            .collect();
        let (lo, hi) = (
            mem.iter().copied().fold(f64::INFINITY, f64::min),
            mem.iter().copied().fold(0.0, f64::max),
        );
        let label = rows[0]["label"].as_str().unwrap();
        if lo.round() == hi.round() {
            assert_eq!(label, format!("{model} {}GB", lo.round()));
        } else {
            assert_eq!(label, format!("{model} {}-{}GB", lo.round(), hi.round()));
        }
        // Its best on-demand price is the lowest of its on-demand offers.
        let lowest = of
            .iter()
            .filter(|o| o["spot"] == false)
            .map(|o| o["price_per_gpu_hour_usd"].as_f64().unwrap())
            .fold(f64::INFINITY, f64::min);
        if lowest.is_finite() {
            assert_eq!(
                rows[0]["on_demand"]["price_per_gpu_hour_usd"]
                    .as_f64()
                    .unwrap(),
                lowest,
                "{model}"
            );
        }
    }
    let h100 = models.iter().find(|m| m["gpu"] == "H100").unwrap();
    assert!(h100["label"].as_str().unwrap().contains('-'), "{h100}");
    // Rows come in the order of the first price column (on-demand), models sold only as spot
    // after them.
    let keys: Vec<(bool, f64)> = models
        .iter()
        .map(
            |m| match m["on_demand"]["price_per_gpu_hour_usd"].as_f64() {
                Some(p) => (false, p),
                None => (true, m["spot"]["price_per_gpu_hour_usd"].as_f64().unwrap()),
            },
        )
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    assert_eq!(keys, sorted);
    // The table fits 80 columns.
    let table = GpuTest::new()
        .env("COLUMNS", "80")
        .env("GPU_FORCE_TTY", "1")
        .run(&["find", "--summary"])
        .stdout;
    assert!(table.starts_with("GPU"), "{table}");
    for line in table.lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
}

#[test]
fn format_id_prints_what_up_takes() {
    let t = GpuTest::new();
    let json = t.run(&["find", "--h100", "--json"]).json();
    let ids = t.run(&["find", "--h100", "-o", "id"]);
    assert_eq!(ids.code, 0, "{}", ids.stderr);
    let lines: Vec<&str> = ids.stdout.lines().collect();
    assert_eq!(lines.len(), json.as_array().unwrap().len());
    assert_eq!(lines[0], json[0]["offer_id"].as_str().unwrap());
    let providers = t.run(&["providers", "-o", "id"]);
    assert!(
        providers.stdout.lines().any(|l| l == "lambda"),
        "{}",
        providers.stdout
    );
}

#[test]
fn every_listed_gpu_is_accepted_and_countries_are_countries() {
    let t = GpuTest::new();
    let gpus = t.run(&["gpus", "--json"]).json();
    for g in gpus.as_array().unwrap() {
        let name = g["gpu"].as_str().unwrap();
        let out = t.run(&["find", "--gpu", name, "--json"]);
        assert_ne!(
            out.code, 2,
            "`gpu gpus` lists {name}, --gpu takes it: {}",
            out.stderr
        );
    }
    for name in [
        "P40",
        "RTX 4000 Ada",
        "4080",
        "A4500",
        "L20",
        "A100-80GB",
        "H100 SXM",
        "gh200",
    ] {
        let out = t.run(&["find", "--gpu", name, "--json"]);
        assert_ne!(out.code, 2, "{name}: {}", out.stderr);
    }
    // `ca` is Canada: not "California, US" and not a region that starts with "ca".
    let ca = t
        .run(&[
            "find",
            "--all",
            "--json",
            "--region",
            "ca",
            "--strict-region",
        ])
        .json();
    assert!(
        ca.as_array().unwrap().iter().all(|o| o["country"] == "CA"),
        "{ca}"
    );
}

/// In a pipe, `find` (and every listing) prints tab-separated lines with the JSON field names
/// as header: nothing cut to a width, nothing folded into footnotes, `cut -f` works.
/// `-o table` keeps the table; `GPU_FORCE_TTY=1` prints what a terminal shows.
#[test]
fn a_pipe_gets_tab_separated_lines() {
    let t = GpuTest::new();
    let piped = t.run(&["find", "--h100"]);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    let json = t.run(&["find", "--h100", "--json"]).json();
    let mut lines = piped.stdout.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(&header[..3], ["provider", "offer_id", "instance_type"]);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    // Every offer, not the table's first 30, each as the JSON has it.
    assert_eq!(rows.len(), json.as_array().unwrap().len());
    for (row, offer) in rows.iter().zip(json.as_array().unwrap()) {
        assert_eq!(row.len(), header.len(), "{row:?}");
        assert_eq!(row[1], offer["offer_id"].as_str().unwrap());
    }
    // The same in other listings.
    for cmd in [&["ls"][..], &["providers"], &["gpus"], &["history"]] {
        let out = t.run(cmd);
        let first = out.stdout.lines().next().unwrap_or("");
        assert!(
            first.contains('\t') && first == first.to_lowercase(),
            "{cmd:?}: {}",
            out.stdout
        );
    }
    // Asked for, the table stays a table in a pipe; forced, a pipe is treated as a terminal.
    let table = t.run(&["find", "--h100", "-o", "table"]);
    assert!(table.stdout.starts_with("PROVIDER "), "{}", table.stdout);
    assert!(!table.stdout.contains('\t'));
    let forced = GpuTest::new()
        .env("GPU_FORCE_TTY", "1")
        .run(&["find", "--h100"]);
    assert_eq!(forced.stdout, table.stdout);
    let wide = t.run(&["find", "--h100", "--wide"]);
    assert!(wide.stdout.contains("OFFER ID"), "{}", wide.stdout);
}

#[test]
fn an_alias_can_be_refined_the_later_flag_wins() {
    // alias h100='gpu find --h100 --max-price 3 --sort price --limit 5'
    let t = GpuTest::new();
    let alias = [
        "find",
        "--h100",
        "--max-price",
        "3",
        "--sort",
        "price",
        "--limit",
        "5",
    ];
    let mut args: Vec<&str> = alias.to_vec();
    args.extend([
        "--max-price",
        "2",
        "--sort",
        "total",
        "--limit",
        "2",
        "--offline",
        "--json",
    ]);
    let out = t.run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = out.json();
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty() && rows.len() <= 2, "{rows:#?}");
    assert!(rows
        .iter()
        .all(|r| r["price_per_gpu_hour_usd"].as_f64().unwrap() <= 2.0));
    let totals: Vec<f64> = rows
        .iter()
        .map(|r| r["price_per_hour_usd"].as_f64().unwrap())
        .collect();
    assert!(
        totals.windows(2).all(|w| w[0] <= w[1]),
        "sorted by total: {totals:?}"
    );
    // Repeatable flags still add up.
    let both = t.run(&[
        "find",
        "--gpu",
        "h100",
        "--gpu",
        "a100",
        "--offline",
        "--json",
    ]);
    let gpus: std::collections::BTreeSet<String> = both
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["gpu"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(gpus.into_iter().collect::<Vec<_>>(), ["A100", "H100"]);
}

#[test]
fn renting_without_a_key_is_exit_4_naming_the_variables() {
    let t = GpuTest::new();
    let named = t.run(&["up", "--dry-run", "--h100", "--provider", "lambda"]);
    assert_eq!(named.code, 4, "{}", named.stderr);
    assert!(named.stderr.contains("LAMBDA_API_KEY"), "{}", named.stderr);
    let any = t.run(&["up", "--dry-run", "--h100"]);
    assert_eq!(any.code, 4, "{}", any.stderr);
    for var in [
        "LAMBDA_API_KEY",
        "RUNPOD_API_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "VERDA_CLIENT_ID",
    ] {
        assert!(any.stderr.contains(var), "{var}: {}", any.stderr);
    }
}

#[tokio::test]
async fn a_gpu_count_in_gpu_is_honoured_by_find_and_up() {
    let t = GpuTest::new();
    for spelled in ["h100:8", "8xh100", "h100x8", "H100:80GB:8"] {
        let out = t.run(&["find", "--gpu", spelled, "--offline", "--json"]);
        assert_eq!(out.code, 0, "{spelled}: {}", out.stderr);
        let rows = out.json();
        let rows = rows.as_array().unwrap();
        assert!(!rows.is_empty(), "{spelled}");
        assert!(
            rows.iter()
                .all(|r| r["gpu"] == "H100" && r["gpu_count"] == 8),
            "{spelled}: {rows:#?}"
        );
    }
    let contradiction = t.run(&["find", "--gpu", "h100:8", "--gpus", "4", "--offline"]);
    assert_eq!(contradiction.code, 2, "{}", contradiction.stderr);
    // `up` rents what `find` shows: the 8x box, not the cheaper 1x.
    let (server, _fake) = crate::fakes::LambdaFake::start().await;
    let t = crate::lifecycle::lambda_test(&server);
    let plan = t.run(&["up", "--gpu", "h100:8", "--dry-run", "--json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let attempts = plan.json()["attempts"].as_array().unwrap().clone();
    assert!(!attempts.is_empty());
    assert!(
        attempts.iter().all(|a| a["offer"]["gpu_count"] == 8),
        "{attempts:#?}"
    );
}

#[test]
fn a_region_that_names_no_place_is_a_usage_error_with_the_nearest_name() {
    let t = GpuTest::new();
    let typo = t.run(&["find", "--h100", "--region", "germnay", "--offline"]);
    assert_eq!(typo.code, 2, "{}", typo.stderr);
    assert!(
        typo.stderr.contains("did you mean `germany`"),
        "{}",
        typo.stderr
    );
    let nowhere = t.run(&["find", "--h100", "--region", "narnia", "--offline"]);
    assert_eq!(nowhere.code, 2, "{}", nowhere.stderr);
    for place in ["germany", "eu", "us-east", "de"] {
        let ok = t.run(&["find", "--h100", "--region", place, "--offline", "--json"]);
        assert_eq!(ok.code, 0, "{place}: {}", ok.stderr);
        // Rows priced everywhere only: one note says the place itself has none.
        let rows = ok.json();
        let everywhere = rows
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["region"] == "any");
        let table = t.run(&["find", "--h100", "--region", place, "--offline", "--all"]);
        assert_eq!(
            table.stderr.matches("rows priced `any`").count(),
            usize::from(everywhere && !rows.as_array().unwrap().is_empty()),
            "{place}: {}",
            table.stderr
        );
    }
}

#[test]
fn gpus_may_be_named_without_a_flag_as_sky_show_gpus_takes_them() {
    let t = GpuTest::new();
    let positional = t.run(&["find", "h100:8", "a100", "--offline", "--json"]);
    let flagged = t.run(&[
        "find",
        "--gpu",
        "h100:8",
        "--gpu",
        "a100",
        "--offline",
        "--json",
    ]);
    assert_eq!(positional.code, 0, "{}", positional.stderr);
    assert_eq!(positional.json(), flagged.json());
    let typo = t.run(&["find", "hundred", "--offline"]);
    assert_eq!(typo.code, 2, "{}", typo.stderr);
}

#[test]
fn gpu_mcp_at_a_terminal_says_what_it_is_and_how_a_client_starts_it() {
    if !std::path::Path::new("/usr/bin/script").exists() {
        return; // util-linux's `script` gives the server a terminal
    }
    let t = GpuTest::new();
    let line = format!("{} mcp", env!("CARGO_BIN_EXE_gpu"));
    // The sealed test environment, for `gpu` under `script`.
    let sealed = t.command(&[]);
    let run = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_clear()
        .envs(
            sealed
                .get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .current_dir(t.home())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("Model Context Protocol server"), "{text}");
    assert!(text.contains("\"command\": \"gpu\""), "{text}");
    // A client's pipe gets no such line: the protocol stays clean.
    let piped = t.run(&["mcp"]);
    assert!(
        !piped.all().contains("Model Context Protocol server"),
        "{}",
        piped.all()
    );
}

#[test]
fn catalog_show_fits_80_columns_and_json_keeps_the_sources_whole() {
    let t = GpuTest::new()
        .env("COLUMNS", "80")
        .env("GPU_FORCE_TTY", "1");
    let out = t.run(&["catalog", "show"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("SOURCE"), "{}", out.stdout);
    for line in out.stdout.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} chars: {line}",
            line.chars().count()
        );
    }
    let json = t.run(&["catalog", "show", "--json"]).stdout;
    assert!(json.contains("https://"), "{json}");
    assert!(!json.contains('…'), "{json}");
}

/// Under a listing at an 80-column terminal, the notes are one line of at most 80 columns;
/// with `--json` there are none; `-v` prints each note whole, on its own line.
#[test]
fn notes_are_one_short_line_and_none_under_json() {
    let t = GpuTest::new()
        .env("GPU_FORCE_TTY", "1")
        .env("COLUMNS", "80");
    let listings: [&[&str]; 6] = [
        &["find"],
        &["find", "--h100"],
        &["find", "--h100", "--region", "germany"],
        &["find", "--h100", "--max-price", "0.01"],
        &["find", "--sort", "value", "--all"],
        &["ls"],
    ];
    let notes_of = |stderr: &str| -> Vec<String> {
        stderr
            .lines()
            .filter(|l| l.starts_with("note:"))
            .map(str::to_string)
            .collect()
    };
    for args in listings {
        let out = t.run(args);
        let notes = notes_of(&out.stderr);
        assert_eq!(notes.len(), 1, "{args:?}: {}", out.stderr);
        assert!(notes[0].chars().count() <= 80, "{args:?}: {}", notes[0]);
        let json = t.run(&[args, &["--json"]].concat());
        assert_eq!(notes_of(&json.stderr), Vec::<String>::new(), "{args:?}");
    }
    // What the one line shortens is there whole with `-v`, with JSON too.
    let verbose = t.run(&["find", "--h100", "--json", "-v"]);
    let notes = notes_of(&verbose.stderr);
    assert!(notes.len() >= 2, "{}", verbose.stderr);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("`gpu providers` shows how to get live prices")),
        "{notes:?}"
    );
    // Warnings are not notes: a named provider without a key still warns under JSON.
    let named = t.run(&["find", "--h100", "--provider", "lambda", "--json"]);
    assert!(
        named.stderr.contains("warning: `lambda` has no API key"),
        "{}",
        named.stderr
    );
}

/// `--H100`, as a data sheet spells it, is a usage error that names `--h100` (clap alone would
/// suggest `--a100`, its nearest other flag).
#[test]
fn a_flag_in_capitals_points_at_its_lower_case_self() {
    let t = GpuTest::new();
    for (typed, right) in [("--H100", "--h100"), ("--Max-Price=3", "--max-price")] {
        let out = t.run(&["find", typed]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("tip: a similar argument exists: '{right}'")),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("--a100"), "{}", out.stderr);
    }
    // A capitalised word that is no flag keeps clap's own answer.
    let out = t.run(&["find", "--Hundred"]);
    assert_eq!(out.code, 2);
    assert!(!out.stderr.contains("'--hundred'"), "{}", out.stderr);
}

/// The README a newcomer scans: at most ~350 lines; install, a first live query with the key
/// it needs, and `gpu run` in its first 40; every link to `docs/` resolves; and its shell lines
/// for completions and man pages work in a fresh home, creating the directories they write.
#[test]
fn the_readme_is_short_links_resolve_and_its_install_lines_work() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines: Vec<&str> = readme.lines().collect();
    assert!(lines.len() <= 350, "README is {} lines", lines.len());
    let head = lines[..40].join("\n");
    for needed in [
        "cargo install",
        "_API_KEY",
        "gpu find --h100",
        "gpu run ",
        "gpu config init",
    ] {
        assert!(
            head.contains(needed),
            "not in the README's first 40 lines: {needed}"
        );
    }
    // Every relative link of the README and the docs names a file that exists.
    let mut pages = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        pages.push(e.unwrap().path());
    }
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for link in text.split("](").skip(1) {
            let target = link.split(')').next().unwrap().split('#').next().unwrap();
            if target.is_empty() || target.contains("://") {
                continue;
            }
            let file = page.parent().unwrap().join(target);
            assert!(
                file.exists(),
                "{}: link to `{target}` is broken",
                page.display()
            );
        }
    }
    // The install lines, as a user pastes them into sh.
    let t = GpuTest::new();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_gpu"))
        .parent()
        .unwrap();
    let install: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("mkdir -p ~/") && l.contains("&& gpu "))
        .collect();
    assert!(install.len() >= 4, "{install:?}");
    for line in &install {
        let out = std::process::Command::new("sh")
            .args(["-c", line])
            .env("HOME", t.home())
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let home = t.home();
    for file in [
        ".local/share/bash-completion/completions/gpu",
        ".zfunc/_gpu",
        ".config/fish/completions/gpu.fish",
        ".local/share/man/man1/gpu-find.1",
    ] {
        let written = std::fs::read_to_string(home.join(file)).unwrap_or_default();
        assert!(written.len() > 100, "{file} was not written");
    }
}
