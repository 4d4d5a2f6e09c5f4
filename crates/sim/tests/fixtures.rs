//! Scenario validation: every broken scenario under `fixtures/invalid/` must give exactly
//! the messages its `# expect:` header lines list (line:column, field path, bad value,
//! what is allowed), and no input may panic.
//!
//! After an intentional message change, `TL_BLESS=1 cargo test -p tl-sim --test fixtures`
//! rewrites the headers; review the diff.

use std::path::{Path, PathBuf};
use tl_sim::builtin;
use tl_sim::scenario::{Source, load};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn expectations(text: &str) -> Vec<String> {
    text.lines().filter_map(|l| l.strip_prefix("# expect: ")).map(str::to_string).collect()
}

#[test]
fn invalid_fixtures_give_their_messages() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir().join("invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "fixtures missing: {}", files.len());
    let bless = std::env::var_os("TL_BLESS").is_some();
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let want = expectations(&text);
        let source = Source::from_file(&path).unwrap();
        let got: Vec<String> = match load(&source) {
            Ok(_) => vec!["(no error)".to_string()],
            Err(e) => {
                // Every line of the rendered error starts with the file name.
                for line in e.to_string().lines() {
                    assert!(line.starts_with(&source.display), "{line}");
                }
                e.diagnostics.iter().map(|d| d.to_string()).collect()
            }
        };
        if got != want {
            if bless {
                let body: Vec<&str> = text.lines().filter(|l| !l.starts_with("# expect: ")).collect();
                let body = body.join("\n");
                let head: String = got.iter().map(|g| format!("# expect: {g}\n")).collect();
                std::fs::write(&path, format!("{head}\n{}\n", body.trim_start_matches('\n'))).unwrap();
            }
            failures.push(format!("{}:\n  want {want:#?}\n  got  {got:#?}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn valid_fixtures_and_builtins_load() {
    let p = load(&Source::from_file(&fixture_dir().join("valid/tle_scenario.toml")).unwrap()).unwrap();
    assert_eq!(p.satellites.len(), 1);
    assert_eq!(p.satellites[0].sat.name, "SAT-6251");
    assert_eq!(p.input_files.len(), 1);
    for b in builtin::BUILTINS {
        let p = load(&b.source()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.scenario.name, b.name, "a built-in's name matches its file");
        assert!(!b.description().is_empty());
        // The resolved scenario parses back to the same scenario (launch groups are
        // written as groups and expand to the same launches again).
        let text = p.scenario.to_toml();
        let again = tl_sim::scenario::parse(&Source::builtin("again", &text)).unwrap();
        assert_eq!(again.launches.len(), p.scenario.launches.len() - p.scenario.generated_launches);
        let again = load(&Source::builtin("again", &text)).unwrap();
        assert_eq!(again.scenario, p.scenario);
    }
    let d = load(&builtin::get(builtin::DEFAULT).unwrap().source()).unwrap();
    let leo = d
        .satellites
        .iter()
        .filter(|s| d.scenario.constellations[s.constellation].name == "tracking-t1")
        .count();
    assert!((28..=40).contains(&leo), "{leo}");
    assert!((3..=4).contains(&(d.satellites.len() - leo)));
    assert!((2..=3).contains(&d.scenario.launches.len()));
    assert_eq!(d.steps, 2001);
}

#[test]
fn a_missing_scenario_file_is_an_error_not_a_panic() {
    let e = Source::from_file(Path::new("/no/such/scenario.toml")).unwrap_err().to_string();
    assert!(e.starts_with("/no/such/scenario.toml:") && e.contains("cannot read"), "{e}");
}

/// Replace each value of the default scenario by troublesome ones: every result must be
/// an `Ok` or an error with a position, never a panic.
#[test]
fn mutated_scenarios_never_panic() {
    let text = builtin::get(builtin::DEFAULT).unwrap().text;
    let bad = [
        "nan",
        "-inf",
        "inf",
        "-1",
        "0",
        "1e300",
        "\"\"",
        "\"x\"",
        "[]",
        "{}",
        "true",
        "9223372036854775807",
        "-9223372036854775808",
    ];
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let Some((key, _)) = line.split_once(" = ") else { continue };
        if key.starts_with('#') {
            continue;
        }
        for b in bad {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines[i] = format!("{key} = {b}");
            let src = Source::builtin("mutant", &lines.join("\n"));
            if let Err(e) = load(&src) {
                assert!(!e.diagnostics.is_empty());
                n += 1;
            }
        }
    }
    assert!(n > 100, "only {n} mutants were rejected");
}

#[test]
fn unknown_output_table_lists_the_known_ones() {
    let text =
        builtin::get("tranche0-quick").unwrap().text.to_string() + "\n[output]\ntables = [\"sattelites\"]\n";
    let e = load(&Source::builtin("t", &text)).unwrap_err().to_string();
    assert!(e.contains("output.tables[0] = \"sattelites\": must be one of satellites"), "{e}");
    let e = load(&Source::builtin("t", &text.replace("\"sattelites\"", "\"satellites\", \"satellites\"")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("output.tables[1] = \"satellites\": must be listed once"), "{e}");
}

#[test]
fn the_epoch_may_be_a_toml_datetime() {
    let text = builtin::get("tranche0-quick").unwrap().text;
    let bare = text.replace("epoch = \"2026-03-01T12:00:00Z\"", "epoch = 2026-03-01T12:00:00Z");
    assert_ne!(bare, text);
    let a = load(&Source::builtin("a", text)).unwrap();
    let b = load(&Source::builtin("b", &bare)).unwrap();
    assert_eq!(a.epoch, b.epoch);
    let e = load(&Source::builtin("c", &text.replace("epoch = \"2026-03-01T12:00:00Z\"", "epoch = 5")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("epoch: invalid type: integer `5`, expected an ISO 8601 UTC time"), "{e}");
}
