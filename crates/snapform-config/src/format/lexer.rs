//! The HCL tokenizer that every other pass of the formatter works on.
//!
//! It owns the token model: which kinds of token exist, where one token ends
//! and the next begins, and how much horizontal whitespace preceded each one.
//! The boundaries deliberately follow HCL's native scanner rather than a
//! "nicer" grammar, because the canonical layout is defined token by token:
//! for example a quoted template is split into many literal pieces at every
//! `$` and `%`, a `#` or `//` comment swallows its line ending, and a heredoc
//! body is a run of literal tokens that never counts as a line break.

use std::borrow::Cow;

/// The kind of one token, named after the construct it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TokenKind {
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    OpenParen,
    CloseParen,
    /// The `"` that opens a quoted template.
    OpenQuote,
    /// The `"` that closes a quoted template.
    CloseQuote,
    /// `<<ID` or `<<-ID` together with the line ending that follows it.
    OpenHeredoc,
    /// The line holding a heredoc's closing marker, without its line ending.
    CloseHeredoc,
    Star,
    Slash,
    Plus,
    Minus,
    Percent,
    /// The single `=` of an attribute or object item.
    Equal,
    /// `==`.
    EqualOp,
    NotEqual,
    LessThan,
    LessThanEq,
    GreaterThan,
    GreaterThanEq,
    And,
    Or,
    Bang,
    Dot,
    Comma,
    /// `...`.
    Ellipsis,
    /// `=>`.
    FatArrow,
    Question,
    Colon,
    /// `::`, used by newer HCL for namespaced function names.
    DoubleColon,
    /// `${` or `${~`.
    TemplateInterp,
    /// `%{` or `%{~`.
    TemplateControl,
    /// The `}` or `~}` that ends a template sequence.
    TemplateSeqEnd,
    /// A literal piece of a quoted template; may hold backslash escapes.
    QuotedLit,
    /// A literal piece of a heredoc template.
    StringLit,
    NumberLit,
    Ident,
    /// Any of the three comment forms; `#` and `//` comments include their line ending.
    Comment,
    /// `\n` or `\r\n` outside of templates.
    Newline,
    /// The empty token that closes every token sequence.
    Eof,
    /// Anything HCL rejects: unknown characters, a bare `\r`, a raw line break inside quotes.
    Invalid,
}

impl TokenKind {
    /// How the token changes bracket nesting: +1 for openers, -1 for closers.
    ///
    /// Template sequence delimiters count as brackets because the layout
    /// indents the body of a `${`/`%{` sequence that spans several lines.
    pub(crate) fn bracket_change(self) -> i32 {
        match self {
            TokenKind::OpenBrace
            | TokenKind::OpenBracket
            | TokenKind::OpenParen
            | TokenKind::TemplateInterp
            | TokenKind::TemplateControl => 1,
            TokenKind::CloseBrace
            | TokenKind::CloseBracket
            | TokenKind::CloseParen
            | TokenKind::TemplateSeqEnd => -1,
            _ => 0,
        }
    }
}

/// One token: its kind, its exact text, and the width of the whitespace before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token<'src> {
    pub(crate) kind: TokenKind,
    pub(crate) text: Cow<'src, str>,
    /// The number of spaces written before the token; on input, the number of
    /// whitespace bytes skipped before it (a tab counts as one).
    pub(crate) spaces_before: usize,
}

impl<'src> Token<'src> {
    /// Builds a token that does not come from the source, such as a re-quoted label.
    pub(crate) fn synthetic(kind: TokenKind, text: impl Into<Cow<'src, str>>) -> Self {
        Token {
            kind,
            text: text.into(),
            spaces_before: 0,
        }
    }

    /// Whether this is a `#` or `//` comment, which ends its line.
    pub(crate) fn ends_line(&self) -> bool {
        match self.kind {
            TokenKind::Newline => true,
            TokenKind::Comment => self.text.ends_with('\n'),
            _ => false,
        }
    }
}

/// The result of lexing: the tokens (always closed by one `Eof`) and whether
/// the source was lexically valid HCL.
pub(crate) struct Lexed<'src> {
    pub(crate) tokens: Vec<Token<'src>>,
    pub(crate) is_valid: bool,
}

/// The scanner state that decides how the next characters are read.
#[derive(Clone, Copy, Debug)]
enum Mode<'src> {
    /// Expressions and structure: outside templates or inside `${ }`/`%{ }`.
    Expression,
    /// Inside `"..."`.
    QuotedTemplate,
    /// Inside a heredoc body whose closing marker is `marker`.
    Heredoc {
        marker: &'src str,
        at_line_start: bool,
    },
}

/// The UTF-8 byte order mark, which the scanner skips but counts as leading whitespace.
const BYTE_ORDER_MARK: &str = "\u{feff}";

/// Splits `src` into tokens.
pub(crate) fn lex(src: &str) -> Lexed<'_> {
    let mut lexer = Lexer::new(src);
    lexer.run();
    lexer.finish()
}

struct Lexer<'src> {
    src: &'src str,
    pos: usize,
    /// The byte offset where the previous token ended, to measure skipped whitespace.
    previous_end: usize,
    tokens: Vec<Token<'src>>,
    modes: Vec<Mode<'src>>,
    /// The current brace depth, counting template sequence openers too.
    brace_depth: i64,
    /// The brace depths at which an open template sequence will be closed by `}`.
    template_closing_depths: Vec<i64>,
    is_valid: bool,
    /// A position after which the source holds no `*/`, once a search has shown it.
    unclosed_block_comment_from: Option<usize>,
}

impl<'src> Lexer<'src> {
    fn new(src: &'src str) -> Self {
        let pos = if src.starts_with(BYTE_ORDER_MARK) {
            BYTE_ORDER_MARK.len()
        } else {
            0
        };
        Lexer {
            src,
            pos,
            previous_end: 0,
            tokens: Vec::new(),
            modes: vec![Mode::Expression],
            brace_depth: 0,
            template_closing_depths: Vec::new(),
            is_valid: true,
            unclosed_block_comment_from: None,
        }
    }

    fn rest(&self) -> &'src str {
        self.src.get(self.pos..).unwrap_or("")
    }

    /// Emits the token spanning `len` bytes from the current position.
    fn emit(&mut self, kind: TokenKind, len: usize) {
        let end = (self.pos + len).min(self.src.len());
        let text = self.src.get(self.pos..end).unwrap_or("");
        self.emit_text(kind, text, end);
    }

    /// Emits `text`, which starts at the current position and ends at byte `end`.
    fn emit_text(&mut self, kind: TokenKind, text: &'src str, end: usize) {
        if kind == TokenKind::Invalid {
            self.is_valid = false;
        }
        self.tokens.push(Token {
            kind,
            text: Cow::Borrowed(text),
            spaces_before: self.pos.saturating_sub(self.previous_end),
        });
        self.pos = end;
        self.previous_end = end;
    }

    fn run(&mut self) {
        while self.pos < self.src.len() {
            let before = self.pos;
            match self.modes.last().copied() {
                Some(Mode::QuotedTemplate) => self.scan_quoted_template(),
                Some(Mode::Heredoc { marker, .. }) => self.scan_heredoc(marker),
                Some(Mode::Expression) | None => self.scan_expression(),
            }
            if self.pos <= before {
                // Every branch consumes input; this guards the loop should one not.
                self.emit_invalid_char();
            }
        }
    }

    fn finish(mut self) -> Lexed<'src> {
        if self.modes.len() != 1 {
            // An unterminated string, heredoc or template sequence.
            self.is_valid = false;
        }
        let end = self.src.len();
        self.pos = end;
        self.tokens.push(Token {
            kind: TokenKind::Eof,
            text: Cow::Borrowed(""),
            spaces_before: end.saturating_sub(self.previous_end),
        });
        Lexed {
            tokens: self.tokens,
            is_valid: self.is_valid,
        }
    }

    fn emit_invalid_char(&mut self) {
        let len = self.rest().chars().next().map_or(1, char::len_utf8);
        self.emit(TokenKind::Invalid, len);
    }

    fn scan_expression(&mut self) {
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let Some(first) = rest.chars().next() else {
            return;
        };
        let second = bytes.get(1).copied();
        match first {
            ' ' | '\t' => {
                let run = bytes
                    .iter()
                    .take_while(|byte| **byte == b' ' || **byte == b'\t')
                    .count();
                self.pos += run;
            }
            '0'..='9' => self.emit(TokenKind::NumberLit, number_literal_len(bytes)),
            '#' => self.emit(TokenKind::Comment, line_comment_len(bytes)),
            '/' if second == Some(b'/') => self.emit(TokenKind::Comment, line_comment_len(bytes)),
            '/' if second == Some(b'*') => match self.block_comment_len() {
                Some(len) => self.emit(TokenKind::Comment, len),
                None => self.emit(TokenKind::Slash, 1),
            },
            '/' => self.emit(TokenKind::Slash, 1),
            '\n' => self.emit(TokenKind::Newline, 1),
            '\r' if second == Some(b'\n') => self.emit(TokenKind::Newline, 2),
            '=' => match second {
                Some(b'=') => self.emit(TokenKind::EqualOp, 2),
                Some(b'>') => self.emit(TokenKind::FatArrow, 2),
                _ => self.emit(TokenKind::Equal, 1),
            },
            '!' if second == Some(b'=') => self.emit(TokenKind::NotEqual, 2),
            '!' => self.emit(TokenKind::Bang, 1),
            '>' if second == Some(b'=') => self.emit(TokenKind::GreaterThanEq, 2),
            '>' => self.emit(TokenKind::GreaterThan, 1),
            '<' => self.scan_less_than(rest),
            '&' if second == Some(b'&') => self.emit(TokenKind::And, 2),
            '|' if second == Some(b'|') => self.emit(TokenKind::Or, 2),
            '.' if rest.starts_with("...") => self.emit(TokenKind::Ellipsis, 3),
            '.' => self.emit(TokenKind::Dot, 1),
            ':' if second == Some(b':') => self.emit(TokenKind::DoubleColon, 2),
            ':' => self.emit(TokenKind::Colon, 1),
            '[' => self.emit(TokenKind::OpenBracket, 1),
            ']' => self.emit(TokenKind::CloseBracket, 1),
            '(' => self.emit(TokenKind::OpenParen, 1),
            ')' => self.emit(TokenKind::CloseParen, 1),
            ',' => self.emit(TokenKind::Comma, 1),
            '*' => self.emit(TokenKind::Star, 1),
            '%' => self.emit(TokenKind::Percent, 1),
            '+' => self.emit(TokenKind::Plus, 1),
            '-' => self.emit(TokenKind::Minus, 1),
            '?' => self.emit(TokenKind::Question, 1),
            '{' => {
                self.brace_depth += 1;
                self.emit(TokenKind::OpenBrace, 1);
            }
            '}' => self.scan_close_brace(1),
            '~' if second == Some(b'}') => self.scan_close_brace(2),
            '"' => {
                self.emit(TokenKind::OpenQuote, 1);
                self.modes.push(Mode::QuotedTemplate);
            }
            c if is_ident_start(c) => self.emit(TokenKind::Ident, ident_len(rest)),
            _ => self.emit_invalid_char(),
        }
    }

    /// The length of the `/* ... */` comment starting at the current position,
    /// or `None` when no `*/` follows.
    fn block_comment_len(&mut self) -> Option<usize> {
        let search_from = self.pos + 2;
        if self
            .unclosed_block_comment_from
            .is_some_and(|unclosed_from| unclosed_from <= search_from)
        {
            // No `*/` exists after an earlier position, so none exists after this one.
            return None;
        }
        match self.src.get(search_from..).and_then(|tail| tail.find("*/")) {
            Some(close) => Some(close + 4),
            None => {
                self.unclosed_block_comment_from = Some(search_from);
                None
            }
        }
    }

    /// Reads `<`, `<=`, or the opener of a heredoc.
    fn scan_less_than(&mut self, rest: &'src str) {
        if let Some((opener_len, marker)) = heredoc_opener(rest) {
            self.emit(TokenKind::OpenHeredoc, opener_len);
            self.modes.push(Mode::Heredoc {
                marker,
                at_line_start: true,
            });
        } else if rest.as_bytes().get(1) == Some(&b'=') {
            self.emit(TokenKind::LessThanEq, 2);
        } else {
            self.emit(TokenKind::LessThan, 1);
        }
    }

    /// Reads `}` (len 1) or `~}` (len 2), which either closes a template
    /// sequence and returns to the template, or closes an ordinary brace.
    fn scan_close_brace(&mut self, len: usize) {
        let closes_template = self.template_closing_depths.last() == Some(&self.brace_depth);
        self.brace_depth -= 1;
        if closes_template {
            self.template_closing_depths.pop();
            self.emit(TokenKind::TemplateSeqEnd, len);
            if self.modes.len() > 1 {
                self.modes.pop();
            }
        } else if len == 2 {
            // HCL reports `~}` outside of a template as a syntax error.
            self.emit(TokenKind::TemplateSeqEnd, len);
            self.is_valid = false;
        } else {
            self.emit(TokenKind::CloseBrace, len);
        }
    }

    /// Reads `${`/`%{` (with an optional `~`) and enters expression mode.
    /// Returns false when the input does not start a template sequence.
    fn scan_template_sequence_start(&mut self) -> bool {
        let rest = self.rest();
        let kind = if rest.starts_with("${") {
            TokenKind::TemplateInterp
        } else if rest.starts_with("%{") {
            TokenKind::TemplateControl
        } else {
            return false;
        };
        let len = if rest.as_bytes().get(2) == Some(&b'~') {
            3
        } else {
            2
        };
        if let Some(Mode::Heredoc { at_line_start, .. }) = self.modes.last_mut() {
            *at_line_start = false;
        }
        self.brace_depth += 1;
        self.template_closing_depths.push(self.brace_depth);
        self.emit(kind, len);
        self.modes.push(Mode::Expression);
        true
    }

    fn scan_quoted_template(&mut self) {
        if self.scan_template_sequence_start() {
            return;
        }
        let rest = self.rest();
        let bytes = rest.as_bytes();
        match bytes.first() {
            None => {}
            Some(b'"') => {
                self.emit(TokenKind::CloseQuote, 1);
                self.modes.pop();
            }
            Some(b'$' | b'%') => match escaped_introducer_len(bytes) {
                Some(len) => self.emit(TokenKind::QuotedLit, len),
                None => self.emit_invalid_char(),
            },
            Some(b'\r' | b'\n') => {
                // A raw line break inside quotes is a syntax error in HCL.
                let run = bytes
                    .iter()
                    .take_while(|byte| **byte == b'\r' || **byte == b'\n')
                    .count();
                self.emit(TokenKind::Invalid, run);
            }
            Some(_) => {
                let len = quoted_literal_len(rest);
                if len == 0 {
                    self.emit_invalid_char();
                } else {
                    self.emit(TokenKind::QuotedLit, len);
                }
            }
        }
    }

    fn scan_heredoc(&mut self, marker: &'src str) {
        if self.scan_template_sequence_start() {
            return;
        }
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let literal_len = match bytes.first() {
            Some(b'$' | b'%') => match escaped_introducer_len(bytes) {
                // A lone `$` or `%` is a literal of its own and never ends the line.
                Some(1) => {
                    self.mark_heredoc_mid_line();
                    self.emit(TokenKind::StringLit, 1);
                    return;
                }
                Some(len) => len,
                None => {
                    self.emit_invalid_char();
                    return;
                }
            },
            _ => bytes
                .iter()
                .take_while(|byte| !matches!(byte, b'$' | b'%' | b'\r' | b'\n'))
                .count(),
        };
        let tail = bytes.get(literal_len..).unwrap_or(&[]);
        let line_ending_len = match tail {
            [b'\n', ..] => 1,
            [b'\r', b'\n', ..] => 2,
            _ => 0,
        };
        if line_ending_len == 0 {
            if literal_len == 0 {
                // A bare `\r` cannot appear in a heredoc.
                self.emit_invalid_char();
            } else {
                self.mark_heredoc_mid_line();
                self.emit(TokenKind::StringLit, literal_len);
            }
            return;
        }
        let line = rest.get(..literal_len).unwrap_or("");
        let at_line_start = matches!(
            self.modes.last(),
            Some(Mode::Heredoc {
                at_line_start: true,
                ..
            })
        );
        if at_line_start && line.trim() == marker {
            self.emit(TokenKind::CloseHeredoc, literal_len);
            self.emit(TokenKind::Newline, line_ending_len);
            self.modes.pop();
        } else {
            if let Some(Mode::Heredoc { at_line_start, .. }) = self.modes.last_mut() {
                *at_line_start = true;
            }
            self.emit(TokenKind::StringLit, literal_len + line_ending_len);
        }
    }

    fn mark_heredoc_mid_line(&mut self) {
        if let Some(Mode::Heredoc { at_line_start, .. }) = self.modes.last_mut() {
            *at_line_start = false;
        }
    }
}

/// The length of a number literal: digits, dots and exponents, never ending in a dot.
fn number_literal_len(bytes: &[u8]) -> usize {
    let mut pos = 0;
    let mut accepted = 0;
    loop {
        match bytes.get(pos) {
            Some(b'0'..=b'9') => {
                pos += 1;
                accepted = pos;
            }
            Some(b'.') => pos += 1,
            Some(b'e' | b'E') => {
                let sign = usize::from(matches!(bytes.get(pos + 1), Some(b'+' | b'-')));
                if matches!(bytes.get(pos + 1 + sign), Some(b'0'..=b'9')) {
                    pos += 2 + sign;
                    accepted = pos;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    accepted.max(1)
}

/// The length of a `#` or `//` comment, including its line ending if any.
fn line_comment_len(bytes: &[u8]) -> usize {
    match bytes.iter().position(|byte| *byte == b'\n') {
        Some(newline) => newline + 1,
        None => bytes.len(),
    }
}

/// Recognises `<<ID` or `<<-ID` followed by a line ending, returning the
/// opener's length (line ending included) and the marker `ID`.
fn heredoc_opener(rest: &str) -> Option<(usize, &str)> {
    let after_arrows = rest.strip_prefix("<<")?;
    let (dash_len, name_part) = match after_arrows.strip_prefix('-') {
        Some(tail) => (1, tail),
        None => (0, after_arrows),
    };
    if !name_part.chars().next().is_some_and(is_ident_start) {
        return None;
    }
    let name_len = ident_len(name_part);
    let marker = name_part.get(..name_len)?;
    let after_name = name_part.get(name_len..)?;
    let line_ending_len = if after_name.starts_with('\n') {
        1
    } else if after_name.starts_with("\r\n") {
        2
    } else {
        return None;
    };
    Some((2 + dash_len + name_len + line_ending_len, marker))
}

/// For text starting with `$` or `%` inside a template, the length of the
/// literal token it begins: 1 for a lone sign, 3 or 4 for the escapes `$${`,
/// `$${~`, `%%{`, `%%{~`. `None` when the sign ends the input.
fn escaped_introducer_len(bytes: &[u8]) -> Option<usize> {
    let sign = *bytes.first()?;
    match bytes.get(1) {
        None => None,
        Some(next) if *next == sign && bytes.get(2) == Some(&b'{') => {
            Some(if bytes.get(3) == Some(&b'~') { 4 } else { 3 })
        }
        Some(_) => Some(1),
    }
}

/// The length of a run of quoted-template text: plain characters and
/// backslash escapes, stopping before `$`, `%`, `"`, a line break, or a
/// backslash that escapes nothing.
fn quoted_literal_len(rest: &str) -> usize {
    let mut chars = rest.char_indices().peekable();
    let mut len = 0;
    while let Some((index, c)) = chars.next() {
        match c {
            '$' | '%' | '"' | '\r' | '\n' => break,
            '\\' => match chars.peek() {
                Some((next_index, next)) if *next != '\r' && *next != '\n' => {
                    len = next_index + next.len_utf8();
                    chars.next();
                }
                _ => break,
            },
            _ => len = index + c.len_utf8(),
        }
    }
    len
}

/// The length of the identifier at the start of `text`, which must start with an identifier character.
fn ident_len(text: &str) -> usize {
    let mut chars = text.char_indices();
    let Some((_, first)) = chars.next() else {
        return 0;
    };
    let mut len = first.len_utf8();
    for (index, c) in chars {
        if is_ident_continue(c) {
            len = index + c.len_utf8();
        } else {
            break;
        }
    }
    len
}

/// Whether `c` may start an identifier (Unicode `ID_Start`, approximated, or `_`).
pub(crate) fn is_ident_start(c: char) -> bool {
    c == '_' || (c.is_alphabetic() && !is_combining_mark(c))
}

/// Whether `c` may continue an identifier (Unicode `ID_Continue`, approximated, or `-`).
pub(crate) fn is_ident_continue(c: char) -> bool {
    c == '_'
        || c == '-'
        || c.is_alphanumeric()
        || is_combining_mark(c)
        || matches!(
            c,
            '\u{203f}' | '\u{2040}' | '\u{2054}' | '\u{fe33}' | '\u{fe34}'
        )
        || matches!(
            c,
            '\u{fe4d}'..='\u{fe4f}' | '\u{ff3f}' | '\u{00b7}' | '\u{0387}'
        )
}

/// Whether `c` is a combining mark, using the ranges shared with column counting.
fn is_combining_mark(c: char) -> bool {
    super::columns::is_grapheme_extender(c)
}
