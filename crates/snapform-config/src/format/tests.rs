//! Golden-file tests and focused unit tests for the formatter.
//!
//! Every pair `testdata/fmt/<case>.in.hcl` / `<case>.out.hcl` is one case:
//! formatting the input must give the output byte for byte, and formatting
//! the output must leave it unchanged. The outputs were produced by
//! `terraform fmt`'s own algorithm, so adding a case means adding two files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::columns::grapheme_count;
use super::format_source;
use super::lexer::{TokenKind, lex};

const GOLDEN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/fmt");
const INPUT_SUFFIX: &str = ".in.hcl";
const OUTPUT_SUFFIX: &str = ".out.hcl";

/// Lists the golden cases as (name, input path, output path), sorted by name.
fn golden_cases() -> Vec<(String, PathBuf, PathBuf)> {
    let entries = std::fs::read_dir(GOLDEN_DIR)
        .unwrap_or_else(|error| panic!("cannot read {GOLDEN_DIR}: {error}"));
    let mut cases: Vec<(String, PathBuf, PathBuf)> = entries
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let file_name = path.file_name()?.to_str()?;
            let name = file_name.strip_suffix(INPUT_SUFFIX)?.to_owned();
            let output = Path::new(GOLDEN_DIR).join(format!("{name}{OUTPUT_SUFFIX}"));
            Some((name, path, output))
        })
        .collect();
    cases.sort();
    cases
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// Makes invisible characters visible so that a diff of whitespace is readable.
fn visible(line: &str) -> String {
    line.replace('\t', "→").replace('\r', "␍").replace(' ', "·")
}

/// A line diff (longest common subsequence) of `expected` against `actual`.
fn line_diff(expected: &str, actual: &str) -> String {
    let old: Vec<&str> = expected.split_inclusive('\n').collect();
    let new: Vec<&str> = actual.split_inclusive('\n').collect();
    let mut common = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let mut diff = String::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            let _ = writeln!(diff, "  {}", visible(old[i].trim_end_matches('\n')));
            i += 1;
            j += 1;
        } else if j < new.len() && (i == old.len() || common[i][j + 1] >= common[i + 1][j]) {
            let _ = writeln!(diff, "+ {}", visible(new[j].trim_end_matches('\n')));
            j += 1;
        } else {
            let _ = writeln!(diff, "- {}", visible(old[i].trim_end_matches('\n')));
            i += 1;
        }
    }
    let _ = writeln!(
        diff,
        "(expected ends with newline: {}, actual: {})",
        expected.ends_with('\n'),
        actual.ends_with('\n')
    );
    diff
}

#[test]
fn golden_files_format_to_their_expected_output_and_are_stable() {
    let cases = golden_cases();
    assert!(
        cases.len() >= 30,
        "expected at least 30 golden cases in {GOLDEN_DIR}, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for (name, input_path, output_path) in &cases {
        let input = read(input_path);
        let expected = read(output_path);
        let formatted = format_source(&input);
        if formatted != expected {
            failures.push(format!(
                "case {name}: format(in) differs from out (- expected, + actual):\n{}",
                line_diff(&expected, &formatted)
            ));
        }
        let reformatted = format_source(&expected);
        if reformatted != expected {
            failures.push(format!(
                "case {name}: format(out) is not out (- expected, + actual):\n{}",
                line_diff(&expected, &reformatted)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden failure(s):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_golden_input_has_an_output() {
    for (name, _, output_path) in golden_cases() {
        assert!(
            output_path.exists(),
            "case {name} has no {OUTPUT_SUFFIX} file"
        );
    }
}

#[test]
fn the_sample_from_the_brief_is_formatted_like_terraform() {
    let input = "resource \"x\" \"y\" {\na=1 # c1\n   bbb   =   \"two\"   # c2\ncc=[1,2]\n\n\n\
                 multi=<<EOT\n  keep   this\nEOT\nf=upper( \"x\" )\nt=var.list[0] . name\n\
                 cond=var.a?\"y\":\"n\"\nneg=- 1\nobj={a=1,b=2}\n}\n";
    let expected = "resource \"x\" \"y\" {\n  a   = 1     # c1\n  bbb = \"two\" # c2\n  cc  = [1, 2]\n\n\n\
                    \x20 multi = <<EOT\n  keep   this\nEOT\n  f     = upper(\"x\")\n\
                    \x20 t     = var.list[0].name\n  cond  = var.a ? \"y\" : \"n\"\n\
                    \x20 neg   = -1\n  obj   = { a = 1, b = 2 }\n}\n";
    assert_eq!(format_source(input), expected);
}

#[test]
fn invalid_input_is_returned_unchanged() {
    for input in [
        "a = \"unterminated\n",
        "a = [1, 2\n",
        "a = 1]\n",
        "block {\n",
        "}\n",
        "a = b & c\n",
        "x = <<EOT\nnever closed\n",
        "a = (1]\n",
        "\"quoted\" = 1\n",
    ] {
        assert_eq!(format_source(input), input, "input {input:?}");
    }
}

#[test]
fn namespaced_function_names_stay_together() {
    // Newer HCL versions accept `provider::name::function()`; keep it tight.
    assert_eq!(
        format_source("a = provider :: aws :: arn_parse( var.arn )\n"),
        "a = provider::aws::arn_parse(var.arn)\n"
    );
}

#[test]
fn lexer_splits_quoted_templates_at_dollar_and_percent() {
    let lexed = lex("x = \"a$b$${c}%\"");
    assert!(lexed.is_valid);
    let literals: Vec<&str> = lexed
        .tokens
        .iter()
        .filter(|token| token.kind == TokenKind::QuotedLit)
        .map(|token| token.text.as_ref())
        .collect();
    assert_eq!(literals, ["a", "$", "b", "$${", "c}", "%"]);
}

#[test]
fn lexer_keeps_heredoc_lines_as_literals_and_finds_the_marker() {
    let lexed = lex("x = <<-EOT\n  a ${b}\n  EOT\ny = 1\n");
    assert!(lexed.is_valid);
    let kinds: Vec<TokenKind> = lexed.tokens.iter().map(|token| token.kind).collect();
    assert_eq!(
        kinds,
        [
            TokenKind::Ident,
            TokenKind::Equal,
            TokenKind::OpenHeredoc,
            TokenKind::StringLit,
            TokenKind::TemplateInterp,
            TokenKind::Ident,
            TokenKind::TemplateSeqEnd,
            TokenKind::StringLit,
            TokenKind::CloseHeredoc,
            TokenKind::Newline,
            TokenKind::Ident,
            TokenKind::Equal,
            TokenKind::NumberLit,
            TokenKind::Newline,
            TokenKind::Eof,
        ]
    );
    let close = lexed
        .tokens
        .iter()
        .find(|token| token.kind == TokenKind::CloseHeredoc)
        .map(|token| token.text.as_ref());
    assert_eq!(close, Some("  EOT"));
}

#[test]
fn lexer_line_comments_include_their_line_ending() {
    let lexed = lex("a = 1 # note\r\nb = 2 // end");
    let comments: Vec<&str> = lexed
        .tokens
        .iter()
        .filter(|token| token.kind == TokenKind::Comment)
        .map(|token| token.text.as_ref())
        .collect();
    assert_eq!(comments, ["# note\r\n", "// end"]);
}

#[test]
fn lexer_number_literals_never_end_with_a_dot() {
    let lexed = lex("a = 1.5e+3 + 2.");
    let texts: Vec<&str> = lexed
        .tokens
        .iter()
        .map(|token| token.text.as_ref())
        .collect();
    assert_eq!(texts, ["a", "=", "1.5e+3", "+", "2", ".", ""]);
}

#[test]
fn grapheme_count_joins_combining_marks_emoji_and_crlf() {
    assert_eq!(grapheme_count("abc"), 3);
    assert_eq!(grapheme_count("a\r\nb"), 3);
    assert_eq!(grapheme_count("e\u{301}"), 1);
    assert_eq!(grapheme_count("日本語"), 3);
    assert_eq!(grapheme_count("👩\u{200d}💻"), 1);
    assert_eq!(grapheme_count("🇩🇪🇫🇷"), 2);
    assert_eq!(grapheme_count("\u{1100}\u{1161}\u{11a8}"), 1);
}
