//! Terraform's structural rewrites, applied to the token sequence before layout.
//!
//! `terraform fmt` does more than re-space tokens. While walking the file's
//! bodies it:
//!
//! - re-writes every block label in quoted form (`resource aws_x foo {` becomes
//!   `resource "aws_x" "foo" {`), normalising escapes and dropping comments
//!   placed before or between labels;
//! - unwraps every attribute value that is a lone interpolation
//!   (`"${var.x}"` becomes `var.x`), adding parentheses when the unwrapped
//!   expression spans several lines;
//! - in a top-level `variable` block, replaces the legacy `type` spellings
//!   (`"string"`, `"list"`, `"map"`, bare `list`, `map`, `set`).
//!
//! Only attributes of block bodies are visited; items of object constructors
//! are left alone. This module finds bodies, attributes and blocks with a
//! small recursive walk that is just strict enough to tell them apart; when
//! the tokens do not have the shape of an HCL body it reports `None` so the
//! caller can return the source unchanged.

use std::borrow::Cow;

use super::lexer::{Token, TokenKind};

/// Deeper block nesting than this is treated as malformed rather than risking the stack.
const MAX_BLOCK_DEPTH: usize = 200;

/// Applies terraform's rewrites to a whole file's tokens (which end with `Eof`).
/// Returns `None` when the tokens are not a well-formed HCL body.
pub(crate) fn apply_terraform_rewrites(tokens: Vec<Token<'_>>) -> Option<Vec<Token<'_>>> {
    let mut walker = BodyWalker {
        output: Vec::with_capacity(tokens.len()),
        input: tokens,
        pos: 0,
        block_types: Vec::new(),
    };
    walker.walk_body(false)?;
    Some(walker.output)
}

struct BodyWalker<'src> {
    input: Vec<Token<'src>>,
    output: Vec<Token<'src>>,
    pos: usize,
    /// The types of the blocks enclosing the current body, outermost first.
    block_types: Vec<String>,
}

impl<'src> BodyWalker<'src> {
    fn peek_kind(&self) -> Option<TokenKind> {
        self.input.get(self.pos).map(|token| token.kind)
    }

    /// Moves the current token to the output.
    fn copy_token(&mut self) {
        if let Some(token) = self.input.get(self.pos) {
            self.output.push(token.clone());
            self.pos += 1;
        }
    }

    /// Whether the current token is a comment that does not end its line.
    fn at_inline_comment(&self) -> bool {
        self.input
            .get(self.pos)
            .is_some_and(|token| token.kind == TokenKind::Comment && !token.ends_line())
    }

    /// Walks the items of one body. A nested body stops before its closing
    /// `}`; the file body consumes everything, `Eof` included.
    fn walk_body(&mut self, nested: bool) -> Option<()> {
        loop {
            match self.peek_kind()? {
                TokenKind::Newline | TokenKind::Comment => self.copy_token(),
                TokenKind::Eof if !nested => {
                    self.copy_token();
                    return Some(());
                }
                TokenKind::CloseBrace if nested => return Some(()),
                TokenKind::Ident => self.walk_item()?,
                _ => return None,
            }
        }
    }

    /// Walks one attribute or block, starting at its name.
    fn walk_item(&mut self) -> Option<()> {
        let name = self.input.get(self.pos)?.text.to_string();
        self.copy_token();
        let mut skipped_comments = Vec::new();
        while self.at_inline_comment() {
            skipped_comments.push(self.input.get(self.pos)?.clone());
            self.pos += 1;
        }
        if self.peek_kind()? == TokenKind::Equal {
            self.output.extend(skipped_comments);
            self.copy_token();
            self.walk_attribute_value(&name)
        } else {
            self.walk_block(name, skipped_comments)
        }
    }

    /// Walks an attribute's value (after its `=`) and rewrites it.
    fn walk_attribute_value(&mut self, name: &str) -> Option<()> {
        while self.at_inline_comment() {
            self.copy_token();
        }
        let start = self.pos;
        let end = expression_end(&self.input, start)?;
        let expression = self.input.get(start..end)?;
        if expression.is_empty() {
            return None;
        }
        let is_variable_type =
            name == "type" && matches!(self.block_types.as_slice(), [only] if only == "variable");
        let rewritten = if is_variable_type {
            rewrite_type_expression(expression)
        } else {
            unwrap_interpolation(expression)
        };
        self.output.extend(rewritten);
        self.pos = end;
        Some(())
    }

    /// Walks a block from just after its type name: labels, then the body in braces.
    fn walk_block(
        &mut self,
        block_type: String,
        comments_after_type: Vec<Token<'src>>,
    ) -> Option<()> {
        let mut labels: Vec<Option<String>> = Vec::new();
        // Comments after the last label survive; those before or between labels do not.
        let mut comments_after_labels = comments_after_type;
        loop {
            match self.peek_kind()? {
                TokenKind::Comment if self.at_inline_comment() => {
                    comments_after_labels.push(self.input.get(self.pos)?.clone());
                    self.pos += 1;
                }
                TokenKind::Ident => {
                    labels.push(Some(self.input.get(self.pos)?.text.to_string()));
                    comments_after_labels.clear();
                    self.pos += 1;
                }
                TokenKind::OpenQuote => {
                    labels.push(self.read_quoted_label()?);
                    comments_after_labels.clear();
                }
                TokenKind::OpenBrace => break,
                _ => return None,
            }
        }
        for label in labels.into_iter().flatten() {
            self.output
                .push(Token::synthetic(TokenKind::OpenQuote, "\""));
            if !label.is_empty() {
                let escaped = escape_string_literal(&label);
                self.output
                    .push(Token::synthetic(TokenKind::QuotedLit, escaped));
            }
            self.output
                .push(Token::synthetic(TokenKind::CloseQuote, "\""));
        }
        self.output.extend(comments_after_labels);
        self.copy_token();

        if self.block_types.len() >= MAX_BLOCK_DEPTH {
            return None;
        }
        self.block_types.push(block_type);
        let body = self.walk_body(true);
        self.block_types.pop();
        body?;
        if self.peek_kind()? != TokenKind::CloseBrace {
            return None;
        }
        self.copy_token();
        Some(())
    }

    /// Reads a quoted label. The outer `None` means malformed input; the inner
    /// `None` means a valid label that terraform drops when it re-sets labels,
    /// because its text was split into several literal pieces (it holds `$` or `%`).
    fn read_quoted_label(&mut self) -> Option<Option<String>> {
        self.pos += 1;
        let mut pieces = Vec::new();
        loop {
            let token = self.input.get(self.pos)?;
            self.pos += 1;
            match token.kind {
                TokenKind::CloseQuote => break,
                TokenKind::QuotedLit => pieces.push(token.text.clone()),
                _ => return None,
            }
        }
        match pieces.as_slice() {
            [] => Some(Some(String::new())),
            [single] => Some(unescape_string_literal(single)),
            _ => Some(None),
        }
    }
}

/// Finds where the expression starting at `start` ends: before the line
/// break, line comment, `Eof` or unmatched `}` that follows it at bracket
/// depth zero, and before any inline comments that trail it.
/// Returns `None` for brackets that do not pair up.
fn expression_end(tokens: &[Token<'_>], start: usize) -> Option<usize> {
    let mut open: Vec<TokenKind> = Vec::new();
    let mut end = start;
    let mut index = start;
    loop {
        let token = tokens.get(index)?;
        match token.kind {
            TokenKind::Eof => {
                if !open.is_empty() {
                    return None;
                }
                break;
            }
            _ if token.ends_line() && open.is_empty() => break,
            TokenKind::OpenBrace
            | TokenKind::OpenBracket
            | TokenKind::OpenParen
            | TokenKind::TemplateInterp
            | TokenKind::TemplateControl => open.push(token.kind),
            TokenKind::CloseBrace
            | TokenKind::CloseBracket
            | TokenKind::CloseParen
            | TokenKind::TemplateSeqEnd => {
                let Some(opener) = open.pop() else {
                    if token.kind == TokenKind::CloseBrace {
                        break;
                    }
                    return None;
                };
                let pairs = matches!(
                    (opener, token.kind),
                    (TokenKind::OpenBrace, TokenKind::CloseBrace)
                        | (TokenKind::OpenBracket, TokenKind::CloseBracket)
                        | (TokenKind::OpenParen, TokenKind::CloseParen)
                        | (TokenKind::TemplateInterp, TokenKind::TemplateSeqEnd)
                        | (TokenKind::TemplateControl, TokenKind::TemplateSeqEnd)
                );
                if !pairs {
                    return None;
                }
            }
            _ => {}
        }
        if !(token.kind == TokenKind::Comment && open.is_empty()) {
            end = index + 1;
        }
        index += 1;
    }
    Some(end)
}

/// Unwraps an attribute value that is exactly one interpolation, `"${ expr }"`,
/// into `expr`. Anything else is returned unchanged: literal text around the
/// interpolation, a second interpolation, or a template directive.
fn unwrap_interpolation<'src>(tokens: &[Token<'src>]) -> Vec<Token<'src>> {
    let unchanged = || tokens.to_vec();
    let [first, second, inside @ .., second_last, last] = tokens else {
        return unchanged();
    };
    if first.kind != TokenKind::OpenQuote
        || second.kind != TokenKind::TemplateInterp
        || second_last.kind != TokenKind::TemplateSeqEnd
        || last.kind != TokenKind::CloseQuote
        || inside.is_empty()
    {
        return unchanged();
    }
    // Literal text or another sequence at the top level of the template means
    // this is not a lone interpolation; inside nested strings anything goes.
    let mut nested_quotes = 0i64;
    for token in inside {
        match token.kind {
            TokenKind::OpenQuote => nested_quotes += 1,
            TokenKind::CloseQuote => nested_quotes -= 1,
            _ if nested_quotes > 0 => {}
            TokenKind::TemplateInterp | TokenKind::TemplateSeqEnd | TokenKind::QuotedLit => {
                return unchanged();
            }
            _ => {}
        }
    }
    let first_kept = inside
        .iter()
        .position(|token| token.kind != TokenKind::Newline)
        .unwrap_or(inside.len());
    let last_kept = inside
        .iter()
        .rposition(|token| token.kind != TokenKind::Newline)
        .map_or(first_kept, |index| index + 1);
    let trimmed = inside.get(first_kept..last_kept).unwrap_or(&[]);

    let spans_lines = trimmed
        .iter()
        .enumerate()
        .any(|(index, token)| token.kind == TokenKind::Newline && index != 0);
    let already_parenthesised = trimmed.first().map(|token| token.kind)
        == Some(TokenKind::OpenParen)
        && trimmed.len() > 1
        && trimmed.last().map(|token| token.kind) == Some(TokenKind::CloseParen);
    if spans_lines && !already_parenthesised {
        // An unwrapped expression that spans lines must be parenthesised to stay valid.
        let mut wrapped = Vec::with_capacity(trimmed.len() + 2);
        wrapped.push(Token::synthetic(TokenKind::OpenParen, "("));
        wrapped.extend_from_slice(trimmed);
        wrapped.push(Token::synthetic(TokenKind::CloseParen, ")"));
        return wrapped;
    }
    trimmed.to_vec()
}

/// Rewrites the legacy spellings of a `variable` block's `type`.
fn rewrite_type_expression<'src>(tokens: &[Token<'src>]) -> Vec<Token<'src>> {
    let collection_of = |collection: &'static str, element: &'static str| {
        vec![
            Token::synthetic(TokenKind::Ident, collection),
            Token::synthetic(TokenKind::OpenParen, "("),
            Token::synthetic(TokenKind::Ident, element),
            Token::synthetic(TokenKind::CloseParen, ")"),
        ]
    };
    match tokens {
        [keyword] if keyword.kind == TokenKind::Ident => match keyword.text.as_ref() {
            // A bare collection keyword means a collection of `any`.
            "list" => collection_of("list", "any"),
            "map" => collection_of("map", "any"),
            "set" => collection_of("set", "any"),
            _ => tokens.to_vec(),
        },
        [open, literal, close]
            if open.kind == TokenKind::OpenQuote
                && literal.kind == TokenKind::QuotedLit
                && close.kind == TokenKind::CloseQuote =>
        {
            // Terraform 0.11 quoted types; their collections held strings.
            match literal.text.as_ref() {
                "string" => vec![Token::synthetic(TokenKind::Ident, "string")],
                "list" => collection_of("list", "string"),
                "map" => collection_of("map", "string"),
                _ => tokens.to_vec(),
            }
        }
        _ => tokens.to_vec(),
    }
}

/// Resolves the escape sequences of one quoted-template literal piece.
/// Returns `None` for an invalid escape, as HCL would reject the label.
fn unescape_string_literal(text: &str) -> Option<String> {
    let mut result = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            result.push(c);
            continue;
        }
        match chars.next()? {
            'n' => result.push('\n'),
            'r' => result.push('\r'),
            't' => result.push('\t'),
            '"' => result.push('"'),
            '\\' => result.push('\\'),
            selector @ ('u' | 'U') => {
                let digits = if selector == 'u' { 4 } else { 8 };
                let mut code = 0u32;
                for _ in 0..digits {
                    let digit = chars.next()?.to_digit(16)?;
                    code = code.checked_mul(16)?.checked_add(digit)?;
                }
                result.push(char::from_u32(code)?);
            }
            _ => return None,
        }
    }
    Some(result)
}

/// Writes `text` as the inside of a quoted string, the way hclwrite renders a
/// string value: standard escapes, doubled `$`/`%` before `{`, and `\u` escapes
/// for characters that are not printable.
fn escape_string_literal(text: &str) -> Cow<'static, str> {
    let mut escaped = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            '"' => escaped.push_str("\\\""),
            '\\' => escaped.push_str("\\\\"),
            '$' | '%' => {
                escaped.push(c);
                if chars.peek() == Some(&'{') {
                    escaped.push(c);
                }
            }
            _ if !is_printable(c) => {
                let code = u32::from(c);
                if code < 0x10000 {
                    escaped.push_str(&format!("\\u{code:04x}"));
                } else {
                    escaped.push_str(&format!("\\U{code:08x}"));
                }
            }
            _ => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

/// Approximates Go's `unicode.IsPrint`: letters, marks, numbers, punctuation,
/// symbols and the ASCII space are printable; controls, other spaces, format
/// characters and private-use characters are not.
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(
        u32::from(c),
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x13438
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
            | 0xE000..=0xF8FF
            | 0xF0000..=0x10FFFF
    )
}
