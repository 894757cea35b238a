//! Every instance list, read one instance at a time: an instance whose record cannot be read
//! whole stays in the list (as `unknown`, with its id and name) instead of failing the list or
//! vanishing, and one whose id cannot be read makes the list an error. Tried on each adapter's
//! recorded list, broken on purpose and fuzzed.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

use crate::error::{ErrorKind, ProviderError};
use crate::fuzz::replace_nth;
use crate::instance::{Instance, State};

type Parser = fn(&[u8]) -> Result<Vec<Instance>, ProviderError>;

/// Each adapter's list parser, its recorded list, and where the list's items are.
fn lists() -> Vec<(&'static str, Parser, String, &'static str)> {
    let runpod: Parser = crate::runpod::parse_pods;
    vec![
        (
            "lambda",
            crate::lambda::parse_instances as Parser,
            include_str!("lambda/fixtures/instances.json").into(),
            "/data",
        ),
        (
            "runpod",
            runpod,
            format!(
                r#"{{"pods": [{}]}}"#,
                include_str!("runpod/fixtures/pod.json")
            ),
            "/pods",
        ),
        (
            "primeintellect",
            |b| crate::primeintellect::parse_pods(b).map(|(pods, _)| pods),
            include_str!("primeintellect/fixtures/pods.json").into(),
            "/data",
        ),
        (
            "hyperbolic",
            crate::hyperbolic::parse_instances,
            include_str!("hyperbolic/fixtures/rentals.json").into(),
            "",
        ),
        (
            "verda",
            crate::verda::parse_instances,
            include_str!("verda/fixtures/instances.json").into(),
            "",
        ),
        (
            "shadeform",
            crate::shadeform::parse_instances,
            include_str!("shadeform/fixtures/instances.json").into(),
            "/instances",
        ),
        (
            "vast",
            |b| crate::vast::parse_instances(b).map(|(list, _)| list),
            include_str!("vast/fixtures/instances.json").into(),
            "/instances",
        ),
    ]
}

/// The fields an unreadable record is still known by.
const KEPT: &[&str] = &["id", "name", "label", "description", "hostname"];

/// The first listed item with every field but its id and name made unreadable (`[[]]`), and,
/// with `id_too`, its id as well.
fn break_first(body: &str, at: &str, id_too: bool) -> String {
    let mut tree: Value = serde_json::from_str(body).unwrap();
    let first = tree.pointer_mut(at).unwrap().as_array_mut().unwrap()[0]
        .as_object_mut()
        .unwrap();
    for (k, v) in first.iter_mut() {
        if id_too || !KEPT.contains(&k.as_str()) {
            *v = serde_json::json!([[]]);
        }
    }
    tree.to_string()
}

#[test]
fn every_adapter_that_lists_instances_is_here() {
    let here: Vec<&str> = lists().iter().map(|(id, ..)| *id).collect();
    for e in crate::REGISTRY.iter().filter(|e| e.capabilities.launch) {
        // AWS answers in XML, read element by element in its own tests.
        if e.id != "aws" {
            assert!(here.contains(&e.id), "`{}` is missing from lists()", e.id);
        }
    }
}

#[test]
fn an_unreadable_instance_stays_listed_as_unknown_and_the_others_stay_whole() {
    for (id, parse, body, at) in lists() {
        let whole = parse(body.as_bytes()).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(!whole.is_empty(), "{id}: the recorded list is empty");
        assert!(
            whole.iter().all(|i| i.unreadable.is_none()),
            "{id}: the recorded list reads whole"
        );
        let kept = parse(break_first(&body, at, false).as_bytes())
            .unwrap_or_else(|e| panic!("{id}: one bad instance failed the list: {e}"));
        assert_eq!(kept.len(), whole.len(), "{id}: an instance went missing");
        let bad = &kept[0];
        assert_eq!(bad.id, whole[0].id, "{id}");
        assert_eq!(bad.provider, id);
        assert_eq!(bad.name, whole[0].name, "{id}: the name is still decoded");
        assert_eq!(
            bad.state,
            State::Unknown,
            "{id}: still billing, for all we know"
        );
        assert!(bad.state.is_live());
        assert_eq!(bad.status, "unreadable");
        let why = bad.unreadable.as_deref().unwrap();
        assert!(why.contains(" at `"), "{id}: names the field: {why}");
        assert_eq!(&kept[1..], &whole[1..], "{id}: the others are untouched");
    }
}

#[test]
fn an_instance_without_a_readable_id_fails_the_whole_list() {
    for (id, parse, body, at) in lists() {
        let err = parse(break_first(&body, at, true).as_bytes()).unwrap_err();
        assert_eq!(err.provider, id);
        assert_eq!(err.kind, ErrorKind::BadResponse, "{id}");
        assert!(
            err.message.contains("without a readable `id`"),
            "{id}: {}",
            err.message
        );
    }
}

/// Values that break naive code, anywhere in a recorded list.
fn nasty() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!(2.5)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!("\u{1b}[2Jgpu-x\u{7}")),
        Just(serde_json::json!("")),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        "[a-zA-Z0-9 ._-]{0,20}".prop_map(Value::String),
    ]
}

/// Whatever is damaged: a list of instances that each have an id, or one clean error.
#[test]
fn damaged_lists_give_instances_with_ids_or_one_clean_error() {
    let all = lists();
    let trees: Vec<Value> = all
        .iter()
        .map(|(_, _, b, _)| serde_json::from_str(b).unwrap())
        .collect();
    let cases = crate::fuzz::cases() / 4;
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let n = trees.len();
    let strategy = (
        0..n,
        proptest::collection::vec((any::<usize>(), nasty()), 1..6),
    );
    runner
        .run(&strategy, |(which, changes)| {
            let (id, parse, _, _) = &all[which];
            let mut tree = trees[which].clone();
            for (at, with) in changes {
                let mut k = at % 200;
                replace_nth(&mut tree, &mut k, &with);
            }
            match parse(tree.to_string().as_bytes()) {
                Ok(list) => {
                    for i in list {
                        prop_assert_eq!(&i.provider, id);
                        prop_assert!(!i.id.is_empty());
                        prop_assert!(!i.id.chars().any(char::is_control));
                        if i.unreadable.is_some() {
                            prop_assert_eq!(i.state, State::Unknown);
                        }
                    }
                }
                Err(e) => {
                    prop_assert_eq!(e.provider, *id);
                    prop_assert!(!e.message.contains('\n'), "one line: {}", e.message);
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("instance lists: {e}"));
}
