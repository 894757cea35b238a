//! `--jq EXPR`: a jq filter over the JSON output, run in process by jaq (no `jq` needed).

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, RcIter};
use jaq_json::Val;

/// Compile `expr` once (a syntax error is the user's to fix: a usage error naming `--jq`).
pub struct Jq {
    filter: jaq_core::Filter<jaq_core::Native<Val>>,
}

impl Jq {
    pub fn new(expr: &str) -> Result<Jq, String> {
        let program = File {
            code: expr,
            path: (),
        };
        let loader = Loader::new(jaq_std::defs().chain(jaq_json::defs()));
        let arena = Arena::default();
        let modules = loader
            .load(&arena, program)
            .map_err(|_| format!("`--jq {expr}` is not a jq expression that parses"))?;
        let filter = Compiler::default()
            .with_funs(jaq_std::funs().chain(jaq_json::funs()))
            .compile(modules)
            .map_err(|errs| {
                let names: Vec<String> = errs
                    .into_iter()
                    .flat_map(|(_, e)| e.into_iter().map(|(name, _)| name.to_string()))
                    .collect();
                format!(
                    "`--jq {expr}` names what jq does not know: {}",
                    names.join(", ")
                )
            })?;
        Ok(Jq { filter })
    }

    /// Each output of the filter on `input`, as jq prints it: strings raw (as `jq -r`), the
    /// rest as compact JSON, one per line.
    pub fn run(&self, input: serde_json::Value) -> Result<String, String> {
        let inputs = RcIter::new(core::iter::empty());
        let mut out = String::new();
        for v in self.filter.run((Ctx::new([], &inputs), Val::from(input))) {
            let v = v.map_err(|e| format!("the `--jq` filter failed: {e}"))?;
            match serde_json::Value::from(v) {
                serde_json::Value::String(s) => out.push_str(&s),
                other => out.push_str(&other.to_string()),
            }
            out.push('\n');
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_pick_fields_and_strings_come_raw() {
        let jq = Jq::new(".[0].provider").unwrap();
        let out = jq
            .run(serde_json::json!([{"provider": "lambda"}, {"provider": "vast"}]))
            .unwrap();
        assert_eq!(out, "lambda\n");
        let jq = Jq::new("map(.price) | add").unwrap();
        assert_eq!(
            jq.run(serde_json::json!([{"price": 1.5}, {"price": 2}]))
                .unwrap(),
            "3.5\n"
        );
        assert!(Jq::new(".[0").is_err());
        assert!(Jq::new("nosuchfunction").is_err());
    }
}
