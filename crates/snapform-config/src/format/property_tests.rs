//! Property tests: formatting is idempotent, changes nothing but whitespace
//! (outside the documented rewrites), and never panics.
//!
//! Inputs come from a small HCL grammar with deliberately odd spacing:
//! attributes, nested blocks, one-line blocks, objects, lists, calls,
//! operators, for-expressions, templates, heredocs, comments and blank lines.

use proptest::prelude::*;

use super::format_source;
use super::lexer::{TokenKind, lex};

/// Which optional constructs a generated document may contain.
#[derive(Clone, Copy, Debug)]
struct Features {
    /// Values like `"${var.x}"`, which terraform unwraps.
    interpolation_only_strings: bool,
    /// `type = ...` attributes, which terraform rewrites inside `variable` blocks.
    type_attributes: bool,
}

const ALL_FEATURES: Features = Features {
    interpolation_only_strings: true,
    type_attributes: true,
};

const WHITESPACE_ONLY_FEATURES: Features = Features {
    interpolation_only_strings: false,
    type_attributes: false,
};

fn gap() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(String::new()),
        3 => Just(" ".to_owned()),
        1 => Just("   ".to_owned()),
        1 => Just("\t".to_owned()),
    ]
}

/// A gap that may also break the line, for use inside brackets.
fn bracket_gap() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => gap(),
        1 => gap().prop_map(|space| format!("\n{space}")),
        1 => Just(" # note\n".to_owned()),
        1 => Just(" /* note */ ".to_owned()),
    ]
}

fn identifier() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_owned()),
        Just("name".to_owned()),
        Just("a_much_longer_name".to_owned()),
        Just("count".to_owned()),
        Just("ключ".to_owned()),
        Just("日本".to_owned()),
        "[a-z][a-z0-9_-]{0,6}",
    ]
}

fn attribute_name(features: Features) -> impl Strategy<Value = String> {
    identifier().prop_map(move |name| {
        if !features.type_attributes && name == "type" {
            "kind".to_owned()
        } else {
            name
        }
    })
}

fn leaf_expression() -> impl Strategy<Value = String> {
    prop_oneof![
        prop_oneof![Just("0"), Just("42"), Just("1.5"), Just("2e3")].prop_map(str::to_owned),
        prop_oneof![
            Just("true"),
            Just("null"),
            Just("var.x"),
            Just("each.value")
        ]
        .prop_map(str::to_owned),
        (identifier(), gap(), identifier()).prop_map(|(a, space, b)| format!("{a}{space}.{b}")),
        (identifier(), gap()).prop_map(|(a, space)| format!("var.{a}{space}[0]")),
        identifier().prop_map(|a| format!("var.list[*].{a}")),
        prop_oneof![
            Just("\"\""),
            Just("\"text\""),
            Just("\"a  b\""),
            Just("\"é \\\" $ %\"")
        ]
        .prop_map(str::to_owned),
    ]
}

fn expression() -> impl Strategy<Value = String> {
    leaf_expression().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (
                prop::collection::vec((bracket_gap(), inner.clone()), 0..4),
                bracket_gap()
            )
                .prop_map(|(items, close)| {
                    let body: Vec<String> = items
                        .into_iter()
                        .map(|(space, item)| format!("{space}{item}"))
                        .collect();
                    format!("[{}{close}]", body.join(","))
                }),
            prop::collection::vec((identifier(), gap(), inner.clone()), 0..3).prop_map(|items| {
                let body: Vec<String> = items
                    .into_iter()
                    .map(|(key, space, value)| format!("{key}{space}={space}{value}"))
                    .collect();
                format!("{{{}}}", body.join(", "))
            }),
            prop::collection::vec((identifier(), inner.clone()), 1..3).prop_map(|items| {
                let body: String = items
                    .into_iter()
                    .map(|(key, value)| format!("{key} = {value}\n"))
                    .collect();
                format!("{{\n{body}}}")
            }),
            (
                identifier(),
                prop::collection::vec((bracket_gap(), inner.clone()), 0..3),
                gap()
            )
                .prop_map(|(name, args, space)| {
                    let body: Vec<String> = args
                        .into_iter()
                        .map(|(gap, arg)| format!("{gap}{arg}"))
                        .collect();
                    format!("{name}{space}({})", body.join(","))
                }),
            (
                inner.clone(),
                gap(),
                prop_oneof![
                    Just("+"),
                    Just("-"),
                    Just("*"),
                    Just("=="),
                    Just("&&"),
                    Just("<=")
                ],
                gap(),
                inner.clone()
            )
                .prop_map(|(left, a, op, b, right)| format!("{left}{a}{op}{b}{right}")),
            (prop_oneof![Just("-"), Just("!")], gap(), inner.clone())
                .prop_map(|(op, space, operand)| format!("{op}{space}{operand}")),
            (inner.clone(), gap(), inner.clone(), gap(), inner.clone())
                .prop_map(|(c, a, t, b, f)| format!("{c}{a}?{b}{t}{a}:{b}{f}")),
            (identifier(), inner.clone(), gap()).prop_map(|(name, source, space)| format!(
                "[for {name} in {source}{space}:{space}{name}]"
            )),
            (inner.clone(), gap())
                .prop_map(|(source, space)| format!("{{for k, v in {source}:k{space}=>{space}v}}")),
            (gap(), inner.clone())
                .prop_map(|(space, operand)| format!("({space}{operand}{space})")),
            (gap(), inner.clone())
                .prop_map(|(space, value)| format!("\"text ${{{space}{value}{space}}} more\"")),
            (gap(), inner).prop_map(|(space, value)| format!(
                "\"%{{{space}if {value}{space}}}yes%{{ endif }}\""
            )),
        ]
    })
}

fn attribute_value(features: Features) -> impl Strategy<Value = String> {
    let heredoc = prop_oneof![
        Just("<<EOT\n  keep   this\n${var.x}\nEOT".to_owned()),
        Just("<<-EOT\n    indented\n    EOT".to_owned()),
    ];
    let interpolation = expression().prop_map(|inner| format!("\"${{{inner}}}\""));
    let interpolation_weight = if features.interpolation_only_strings {
        1
    } else {
        0
    };
    prop_oneof![
        8 => expression(),
        1 => heredoc,
        interpolation_weight => interpolation,
    ]
}

fn trailing_comment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(String::new()),
        1 => Just(" # trailing".to_owned()),
        1 => Just("   // trailing".to_owned()),
        1 => Just(" /* trailing */".to_owned()),
    ]
}

fn attribute(features: Features) -> impl Strategy<Value = String> {
    (
        gap(),
        attribute_name(features),
        gap(),
        gap(),
        attribute_value(features),
        trailing_comment(),
    )
        .prop_map(|(indent, name, before, after, value, comment)| {
            format!("{indent}{name}{before}={after}{value}{comment}\n")
        })
}

fn block_header(features: Features) -> impl Strategy<Value = String> {
    let block_type = prop_oneof![
        Just("resource"),
        Just("locals"),
        Just("dynamic"),
        Just("variable")
    ]
    .prop_map(move |block_type| {
        if !features.type_attributes && block_type == "variable" {
            "output"
        } else {
            block_type
        }
    });
    let label = prop_oneof![Just("\"aws_x\""), Just("\"web\""), Just("\"é\"")];
    (block_type, prop::collection::vec(label, 0..3)).prop_map(|(block_type, labels)| {
        let mut header = block_type.to_owned();
        for label in labels {
            header.push(' ');
            header.push_str(label);
        }
        header
    })
}

fn body(features: Features) -> impl Strategy<Value = String> {
    let simple_item = prop_oneof![
        6 => attribute(features),
        1 => Just("# comment line\n".to_owned()),
        1 => Just("  // another\n".to_owned()),
        1 => Just("/* block\n   comment */\n".to_owned()),
        2 => Just("\n".to_owned()),
        1 => (block_header(features), gap()).prop_map(|(header, space)| format!("{header}{space}{{}}\n")),
        1 => (block_header(features), attribute_name(features), expression())
            .prop_map(|(header, name, value)| format!("{header} {{ {name} = {value} }}\n")),
    ];
    let items = prop::collection::vec(simple_item, 0..6).prop_map(|items| items.concat());
    items.prop_recursive(3, 30, 5, move |inner| {
        prop::collection::vec(
            prop_oneof![
                3 => attribute(features),
                1 => Just("\n".to_owned()),
                2 => (block_header(features), gap(), inner)
                    .prop_map(|(header, space, body)| format!("{header}{space}{{\n{body}}}\n")),
            ],
            0..6,
        )
        .prop_map(|items| items.concat())
    })
}

fn document(features: Features) -> impl Strategy<Value = String> {
    (body(features), any::<bool>(), any::<bool>()).prop_map(|(text, crlf, trim_end)| {
        let text = if crlf {
            text.replace('\n', "\r\n")
        } else {
            text
        };
        if trim_end {
            text.trim_end_matches(['\r', '\n']).to_owned()
        } else {
            text
        }
    })
}

/// The tokens of `text` with their whitespace stripped away.
fn token_texts(text: &str) -> Vec<(TokenKind, String)> {
    lex(text)
        .tokens
        .into_iter()
        .map(|token| (token.kind, token.text.into_owned()))
        .collect()
}

/// Characters that exercise the lexer's corner cases more often than random text would.
fn hcl_flavoured_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\""),
        Just("${"),
        Just("%{"),
        Just("}"),
        Just("{"),
        Just("~}"),
        Just("<<EOT\n"),
        Just("<<-X\r\n"),
        Just("EOT\n"),
        Just("\n"),
        Just("\r"),
        Just("#"),
        Just("/*"),
        Just("*/"),
        Just("\\"),
        Just("$"),
        Just("%"),
        Just("="),
        Just("a"),
        Just(" "),
        Just("\t"),
        Just("["),
        Just("]"),
        Just("("),
        Just(")"),
        Just("é"),
        Just("\u{feff}"),
        Just("1.e"),
        Just("-"),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn formatting_is_idempotent(source in document(ALL_FEATURES)) {
        let once = format_source(&source);
        let twice = format_source(&once);
        prop_assert_eq!(twice, once);
    }

    #[test]
    fn formatting_changes_only_whitespace(source in document(WHITESPACE_ONLY_FEATURES)) {
        let formatted = format_source(&source);
        prop_assert_eq!(token_texts(&formatted), token_texts(&source));
    }

    #[test]
    fn formatting_never_panics_on_arbitrary_text(source in any::<String>()) {
        let _ = format_source(&source);
    }

    #[test]
    fn formatting_never_panics_on_hcl_flavoured_text(source in hcl_flavoured_text()) {
        let once = format_source(&source);
        let _ = format_source(&once);
    }
}
