use crate::support::GpuTest;

pub fn with_plugin_dir(t: GpuTest, scripts: &[(&str, &str)]) -> GpuTest {
    let dir = t.home().join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body) in scripts {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let path = format!("{}:/usr/bin:/bin", dir.display());
    t.env("PATH", &path)
}

const EXAMPLE: &str = include_str!("../../examples/gpu-provider-homelab");

#[test]
fn the_readme_example_plugin_joins_the_table() {
    let t = with_plugin_dir(GpuTest::new(), &[("gpu-provider-homelab", EXAMPLE)]);
    let out = t.run(&["find", "--gpu", "rtx4090", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    let o = v
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["provider"] == "homelab")
        .expect("plugin offer");
    assert_eq!(o["offer_id"], "homelab:box1");
    assert_eq!(o["source"], "live");
    assert_eq!(o["price_per_gpu_hour_usd"], 0.175);
    assert_eq!(o["gpu_memory_gb"], 24.0);
    let list = t.run(&["providers", "--json"]).json();
    let p = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "homelab")
        .unwrap();
    assert_eq!(p["status"], "plugin (PATH)");
    let out = t.run(&["find", "--provider", "homelab", "--gpu", "a100", "--json"]);
    assert_eq!(out.json()[0]["gpu_variant"], "SXM");
    // It cannot launch, and says so in its own words.
    let out = t.run(&["up", "homelab:box1", "--yes"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("booked by email"), "{}", out.stderr);
}

#[test]
fn configured_plugins_and_broken_ones() {
    let t = with_plugin_dir(
        GpuTest::new(),
        &[
            (
                "gpu-provider-crashy",
                "#!/bin/sh\necho 'boom' >&2\nexit 2\n",
            ),
            (
                "gpu-provider-chatty",
                "#!/bin/sh\necho 'Hello! Here are some GPUs.'\n",
            ),
            (
                "gpu-provider-future",
                "#!/bin/sh\necho '{\"version\": 9, \"offers\": []}'\n",
            ),
            ("gpu-provider-sleepy", "#!/bin/sh\nsleep 30\n"),
        ],
    );
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/gpu-provider-homelab");
    let t = t.config(&format!(
        "timeout = 1\n[providers.lab]\ncommand = [\"{}\"]\n",
        example.display()
    ));
    let out = t.run(&["find", "--gpu", "rtx4090", "--wide"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("skipped `crashy`: plugin failed: boom"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("skipped `chatty`: plugin printed something that is not the protocol"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("skipped `future`: plugin speaks protocol version 9"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("skipped `sleepy`: "), "{}", out.stderr);
    assert!(
        out.stdout.contains("lab:box1"),
        "the configured plugin still answers: {}",
        out.stdout
    );

    let out = t.run(&["find", "--provider", "crashy,lab", "--wide"]);
    assert!(out.stdout.contains("lab:box1"));
    let out = t.run(&["find", "--provider", "nosuch"]);
    assert_eq!(out.code, 2);
}
