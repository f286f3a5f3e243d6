//! Formats HCL files exactly the way `terraform fmt` does.
//!
//! The pipeline has three passes over one token sequence:
//!
//! 1. [`lexer`] splits the source into tokens with the same boundaries as
//!    HCL's native scanner and records the whitespace before each one;
//! 2. [`rewrite`] applies terraform's structural rewrites (quoted block
//!    labels, unwrapped `"${...}"` values, legacy variable types);
//! 3. [`layout`] recomputes every token's leading whitespace: indentation by
//!    bracket nesting, spacing by neighbouring token kinds, and alignment of
//!    `=` and trailing comments across consecutive lines ([`columns`] counts
//!    the columns that alignment needs).
//!
//! Input that is not lexically and structurally valid HCL is returned
//! unchanged, because terraform refuses to format it too.

mod columns;
mod layout;
mod lexer;
mod rewrite;

#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod tests;

/// Formats one HCL file in the canonical style of `terraform fmt`.
/// The caller has already checked that `src` is syntactically valid HCL; on invalid input this
/// still never panics and returns some string (best effort, usually `src` unchanged).
pub fn format_source(src: &str) -> String {
    let lexed = lexer::lex(src);
    if !lexed.is_valid {
        return src.to_owned();
    }
    let Some(mut tokens) = rewrite::apply_terraform_rewrites(lexed.tokens) else {
        return src.to_owned();
    };
    layout::apply_canonical_layout(&mut tokens);
    render(&tokens)
}

/// Writes the tokens back out, each preceded by its spaces.
fn render(tokens: &[lexer::Token<'_>]) -> String {
    let length = tokens
        .iter()
        .map(|token| token.spaces_before + token.text.len())
        .sum();
    let mut output = String::with_capacity(length);
    for token in tokens {
        output.extend(std::iter::repeat_n(' ', token.spaces_before));
        output.push_str(&token.text);
    }
    output
}
