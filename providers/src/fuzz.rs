//! Property tests of every offer parser: arbitrary and mutated answers, built from each
//! adapter's real fixtures, must give offers that are well formed or one clean error naming
//! the provider and the field, and never a panic. `GPU_FUZZ_CASES` sets the number of cases
//! per property (default 2000; CI runs the default).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

use crate::error::ProviderError;
use crate::offer::Offer;

type Parser = fn(&[u8]) -> Result<Vec<Offer>, ProviderError>;

fn parsers() -> Vec<(&'static str, Parser, &'static str)> {
    vec![
        (
            "aws",
            crate::aws::parse_offers as Parser,
            include_str!("aws/fixtures/products-page-1.json"),
        ),
        (
            "lambda",
            crate::lambda::parse_offers,
            include_str!("lambda/fixtures/instance-types.json"),
        ),
        (
            "vast",
            crate::vast::parse_offers,
            include_str!("vast/fixtures/bundles.json"),
        ),
        (
            "hyperbolic",
            crate::hyperbolic::parse_offers,
            include_str!("hyperbolic/fixtures/rental-options.json"),
        ),
        (
            "primeintellect",
            crate::primeintellect::parse_offers,
            include_str!("primeintellect/fixtures/availability-gpus.json"),
        ),
        (
            "shadeform",
            crate::shadeform::parse_offers,
            include_str!("shadeform/fixtures/instance-types.json"),
        ),
        (
            "azure",
            crate::azure::parse_offers,
            include_str!("azure/fixtures/page-1.json"),
        ),
        (
            "runpod",
            crate::runpod::parse_offers,
            include_str!("runpod/fixtures/gpus-secure.json"),
        ),
        (
            "runpod",
            crate::runpod::parse_offers,
            include_str!("runpod/fixtures/gpus-blackwell.json"),
        ),
        (
            "tensordock",
            crate::tensordock::parse_offers,
            include_str!("tensordock/fixtures/locations.json"),
        ),
        (
            "verda",
            crate::verda::parse_offers,
            include_str!("verda/fixtures/instance-types.json"),
        ),
        (
            "fluidstack",
            crate::fluidstack::parse_offers,
            include_str!("fluidstack/fixtures/configurations.json"),
        ),
        (
            "scaleway",
            crate::scaleway::parse_offers,
            include_str!("scaleway/fixtures/servers.json"),
        ),
        (
            "oci",
            crate::oci::parse_products,
            include_str!("oci/fixtures/products.json"),
        ),
        (
            "oci",
            crate::oci::parse_shapes,
            include_str!("oci/fixtures/shapes.json"),
        ),
        (
            "gcp",
            crate::gcp::parse_offers,
            include_str!("gcp/fixtures/skus-page-1.json"),
        ),
    ]
}

pub(crate) fn cases() -> u32 {
    #[allow(clippy::disallowed_methods)]
    std::env::var("GPU_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// What every parse must satisfy, whatever the input.
fn check(provider: &str, result: Result<Vec<Offer>, ProviderError>) -> Result<(), TestCaseError> {
    match result {
        Ok(offers) => {
            for o in offers {
                prop_assert_eq!(&o.provider, provider);
                prop_assert!(
                    o.price_per_hour_usd.is_finite() && o.price_per_hour_usd > 0.0,
                    "price {o:?}"
                );
                prop_assert!(
                    o.price_per_gpu_hour_usd.is_finite() && o.price_per_gpu_hour_usd > 0.0
                );
                prop_assert!(o.gpu_count >= 1, "gpu_count {o:?}");
                prop_assert!(!o.region.is_empty(), "region {o:?}");
                prop_assert!(!o.gpu.is_empty(), "gpu {o:?}");
                prop_assert!(o.offer_id.starts_with(provider));
                let per_gpu = o.price_per_hour_usd / f64::from(o.gpu_count);
                prop_assert!((per_gpu - o.price_per_gpu_hour_usd).abs() <= 1e-9 * per_gpu.max(1.0));
            }
        }
        Err(e) => {
            prop_assert_eq!(e.provider, provider);
            prop_assert!(!e.message.is_empty());
            prop_assert!(!e.message.contains('\n'), "one line: {}", e.message);
        }
    }
    Ok(())
}

/// Byte-level damage: flips, cuts, insertions and repeats anywhere in the fixture.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Cut(usize, usize),
    Insert(usize, Vec<u8>),
    Repeat(usize, usize),
    Truncate(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Edit::Cut(i, n)),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<usize>(), 1usize..256).prop_map(|(i, n)| Edit::Repeat(i, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ];
    proptest::collection::vec(edit, 1..6)
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        if bytes.is_empty() {
            break;
        }
        let at = |i: &usize| i % bytes.len();
        match e {
            Edit::Flip(i, b) => {
                let i = at(i);
                bytes[i] = *b;
            }
            Edit::Cut(i, n) => {
                let i = at(i);
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            Edit::Insert(i, b) => {
                let i = at(i);
                bytes.splice(i..i, b.iter().copied());
            }
            Edit::Repeat(i, n) => {
                let i = at(i);
                let end = (i + n).min(bytes.len());
                let chunk = bytes[i..end].to_vec();
                bytes.splice(end..end, chunk);
            }
            Edit::Truncate(i) => {
                let i = at(i);
                bytes.truncate(i);
            }
        }
    }
    bytes
}

/// Values that break naive code: wrong types, absurd and negative numbers, escapes, huge strings.
fn nasty() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!(0)),
        Just(serde_json::json!(1e308)),
        Just(serde_json::json!(-1e308)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!(i64::MIN)),
        Just(serde_json::json!(4_294_967_296u64)),
        any::<f64>()
            .prop_filter("JSON has no NaN", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        Just(serde_json::json!("\u{1b}[2J\u{1b}[31mpwned\u{7}")),
        Just(serde_json::json!("x".repeat(10_000))),
        Just(serde_json::json!("")),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        "[a-zA-Z0-9 _-]{0,20}".prop_map(Value::String),
    ]
}

/// Replace the n-th node of a JSON tree (depth-first) with `with`.
pub(crate) fn replace_nth(v: &mut Value, n: &mut usize, with: &Value) -> bool {
    if *n == 0 {
        *v = with.clone();
        return true;
    }
    *n -= 1;
    match v {
        Value::Array(a) => a.iter_mut().any(|x| replace_nth(x, n, with)),
        Value::Object(o) => o.values_mut().any(|x| replace_nth(x, n, with)),
        _ => false,
    }
}

fn run(name: &str, strategy: impl Strategy<Value = (usize, Vec<u8>)>) {
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let all = parsers();
    runner
        .run(&strategy, |(which, bytes)| {
            let (provider, parse, _) = all[which % all.len()];
            check(provider, parse(&bytes))
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
}

#[test]
fn mutated_bytes_never_panic() {
    let fixtures: Vec<Vec<u8>> = parsers()
        .iter()
        .map(|(_, _, f)| f.as_bytes().to_vec())
        .collect();
    let n = fixtures.len();
    run(
        "bytes",
        (0..n, edits()).prop_map(move |(i, e)| (i, apply(fixtures[i].clone(), &e))),
    );
}

/// AWS EC2 answers in XML: the same byte-level damage, on its spot price fixture.
#[test]
fn mutated_spot_xml_never_panics() {
    let fixture = include_bytes!("aws/fixtures/spot-us-east-1.xml").to_vec();
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&edits(), |e| {
            check(
                "aws",
                crate::aws::parse_spot_offers(&apply(fixture.clone(), &e)),
            )
        })
        .unwrap_or_else(|e| panic!("spot xml: {e}"));
}

#[test]
fn mutated_structure_never_panics() {
    let trees: Vec<Value> = parsers()
        .iter()
        .map(|(_, _, f)| serde_json::from_str(f).unwrap())
        .collect();
    let n = trees.len();
    run(
        "structure",
        (
            0..n,
            proptest::collection::vec((any::<usize>(), nasty()), 1..8),
        )
            .prop_map(move |(i, changes)| {
                let mut tree = trees[i].clone();
                for (at, with) in changes {
                    let mut k = at % 400;
                    replace_nth(&mut tree, &mut k, &with);
                }
                (i, serde_json::to_vec(&tree).unwrap())
            }),
    );
}

#[test]
fn arbitrary_json_never_panics() {
    let leaf = nasty();
    let tree = leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    run(
        "json",
        (0..64usize, tree).prop_map(|(i, v)| (i, serde_json::to_vec(&v).unwrap())),
    );
}

#[test]
fn duplicated_offers_are_kept_apart_by_id_only() {
    // A provider that lists the same offer twice gives two equal offers; the caller dedupes.
    let body = br#"{"offers": [
        {"id": 7, "gpu_name": "RTX 4090", "num_gpus": 1, "dph_total": 0.4},
        {"id": 7, "gpu_name": "RTX 4090", "num_gpus": 1, "dph_total": 0.4}]}"#;
    let offers = crate::vast::parse_offers(body).unwrap();
    assert_eq!(offers.len(), 2);
    assert_eq!(offers[0], offers[1]);
}

#[test]
fn every_registered_adapter_is_fuzzed() {
    let fuzzed: Vec<&str> = parsers().iter().map(|(id, _, _)| *id).collect();
    for e in crate::REGISTRY {
        assert!(
            fuzzed.contains(&e.id),
            "`{}` has no parser in fuzz.rs `parsers()`",
            e.id
        );
    }
}

/// Every GPU a recorded answer lists can be asked for by a name: the offer's model (with
/// `:mig` for a slice) is a known `--gpu` name, and that filter picks the offer.
#[test]
fn every_gpu_in_every_fixture_can_be_asked_for() {
    let mut unknown = Vec::new();
    for (id, parse, fixture) in parsers() {
        for o in parse(fixture.as_bytes()).unwrap() {
            let name = if crate::gpu::is_partition(o.gpu_variant.as_deref()) {
                format!("{}:mig", o.gpu)
            } else {
                o.gpu.clone()
            };
            let f = crate::gpu::GpuFilter::parse(&name);
            if !f.known || !f.matches(&o.gpu, o.gpu_variant.as_deref(), o.gpu_memory_gb) {
                unknown.push(format!("{id}: `{name}` ({})", o.instance_type));
            }
        }
    }
    unknown.sort();
    unknown.dedup();
    assert!(
        unknown.is_empty(),
        "GPUs no `--gpu` name reaches: {unknown:#?}"
    );
}

/// One item of a list that cannot be read (here: its last item's every field made an array)
/// costs that item only: the adapter's other offers from the same answer stay.
#[test]
fn one_unreadable_item_keeps_the_others() {
    // The adapters whose answers are read item by item, and where their items are (TensorDock
    // at two levels: a location, and one GPU entry of a location).
    let lists: &[(&str, &str)] = &[
        ("lambda", "/data"),
        ("primeintellect", "/items"),
        ("shadeform", "/instance_types"),
        ("runpod", "/gpus"),
        ("verda", ""),
        ("fluidstack", ""),
        ("vast", "/offers"),
        ("hyperbolic", ""),
        ("azure", "/Items"),
        ("gcp", "/skus"),
        ("oci", "/items"),
        ("tensordock", "/data/locations"),
        ("tensordock", "/data/locations/0/gpus"),
        ("scaleway", "/servers"),
    ];
    let mut tried = std::collections::BTreeSet::new();
    for (id, parse, fixture) in parsers() {
        for (_, at) in lists.iter().filter(|(p, _)| *p == id) {
            tried.insert((id, *at));
            let whole = parse(fixture.as_bytes()).unwrap();
            let mut body: Value = serde_json::from_str(fixture).unwrap();
            let list = body.pointer_mut(at).unwrap();
            let item = match list {
                Value::Array(items) => items.last_mut().unwrap(),
                Value::Object(map) => map.values_mut().next_back().unwrap(),
                _ => panic!("{id}: no list at `{at}`"),
            };
            let broken: serde_json::Map<String, Value> = item
                .as_object()
                .unwrap()
                .keys()
                .map(|k| (k.clone(), serde_json::json!([[]])))
                .collect();
            *item = Value::Object(broken);
            let kept = parse(body.to_string().as_bytes())
                .unwrap_or_else(|e| panic!("{id}: one bad item failed the answer: {e}"));
            assert!(!kept.is_empty(), "{id}: nothing kept");
            // The bad item makes no offer (an item without a GPU made none to begin with).
            assert!(kept.len() <= whole.len(), "{id}: the bad item made offers");
        }
    }
    assert_eq!(tried.len(), lists.len(), "every list was tried");
}
