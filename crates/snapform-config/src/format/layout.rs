//! Canonical whitespace: indentation, spacing between tokens, and alignment.
//!
//! This pass only ever changes `spaces_before` on tokens; it never adds,
//! removes or edits a token, so it cannot change what the file means. It
//! works line by line and splits every line into up to three cells:
//!
//! - `lead`: everything up to the `=` of an attribute (or the whole line);
//! - `assign`: from that `=` to the end of the line, but only when the value
//!   is complete on this line (its brackets balance);
//! - `comment`: a `#` or `//` comment ending a line that has other tokens.
//!
//! Then, in this order: each line is indented by two spaces per open bracket
//! level; the tokens inside each cell are spaced by [`space_after`]; and runs
//! of consecutive lines that have an `assign` cell (or a `comment` cell) get
//! that cell's start aligned one column past the longest preceding text.

use std::ops::Range;

use super::columns::grapheme_count;
use super::lexer::{Token, TokenKind};

/// The cells of one line, as index ranges into the token sequence.
#[derive(Clone, Debug, Default)]
struct Line {
    lead: Range<usize>,
    assign: Option<Range<usize>>,
    comment: Option<usize>,
}

/// Rewrites the whitespace before every token (except the final `Eof`,
/// which keeps any whitespace that ended the file) into canonical form.
pub(crate) fn apply_canonical_layout(tokens: &mut [Token<'_>]) {
    let lines = split_lines(tokens);
    indent_lines(tokens, &lines);
    space_cells(tokens, &lines);
    align_cells(tokens, &lines);
}

/// Splits the tokens into lines and each line into its cells.
fn split_lines(tokens: &[Token<'_>]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut line_start = 0;
    for (index, token) in tokens.iter().enumerate() {
        if token.kind == TokenKind::Eof {
            break;
        }
        if token.ends_line() {
            lines.push(line_start..index + 1);
            line_start = index + 1;
        }
    }
    let content_end = tokens
        .iter()
        .position(|token| token.kind == TokenKind::Eof)
        .unwrap_or(tokens.len());
    lines.push(line_start..content_end.max(line_start));

    lines
        .into_iter()
        .map(|lead| split_cells(tokens, lead))
        .collect()
}

fn split_cells(tokens: &[Token<'_>], mut lead: Range<usize>) -> Line {
    let mut comment = None;
    if lead.len() > 1
        && tokens.get(lead.end - 1).map(|token| token.kind) == Some(TokenKind::Comment)
    {
        comment = Some(lead.end - 1);
        lead.end -= 1;
    }
    let mut assign = None;
    let equals = (lead.start + 1..lead.end)
        .find(|index| tokens.get(*index).map(|token| token.kind) == Some(TokenKind::Equal));
    if let Some(equals) = equals {
        // Only a value that is complete on this line joins an alignment run;
        // one that opens a multi-line bracket does not.
        if net_brackets(tokens, equals..lead.end) == 0 {
            assign = Some(equals..lead.end);
            lead.end = equals;
        }
    }
    Line {
        lead,
        assign,
        comment,
    }
}

fn net_brackets(tokens: &[Token<'_>], range: Range<usize>) -> i32 {
    tokens
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|token| token.kind.bracket_change())
        .sum()
}

/// Sets each line's indentation from the bracket nesting of the lines before it.
///
/// A line that opens more brackets than it closes pushes one indentation
/// level, remembering how many brackets it opened; a line that closes
/// brackets pops levels until that many openers are accounted for. This keeps
/// lines like `}, {` or `foo({` from drifting when brackets do not pair up
/// one line at a time.
fn indent_lines(tokens: &mut [Token<'_>], lines: &[Line]) {
    let mut open_levels: Vec<i32> = Vec::new();
    for line in lines {
        let Some(first) = tokens.get(line.lead.start).map(|token| token.kind) else {
            continue;
        };
        if line.lead.is_empty() {
            continue;
        }
        if first == TokenKind::Newline {
            set_spaces(tokens, line.lead.start, 0);
            continue;
        }
        let mut net = 0;
        for token in tokens.get(line.lead.clone()).unwrap_or(&[]) {
            net += token.kind.bracket_change();
            // A heredoc's body belongs to this line but its brackets do not count.
            if token.kind == TokenKind::OpenHeredoc {
                break;
            }
        }
        if let Some(assign) = &line.assign {
            net += net_brackets(tokens, assign.clone());
        }
        if net > 0 {
            set_spaces(tokens, line.lead.start, 2 * open_levels.len());
            open_levels.push(net);
            continue;
        }
        let mut closed = -net;
        while closed > 0 {
            let Some(top) = open_levels.last_mut() else {
                break;
            };
            if closed >= *top {
                closed -= *top;
                open_levels.pop();
            } else {
                *top -= closed;
                closed = 0;
            }
        }
        set_spaces(tokens, line.lead.start, 2 * open_levels.len());
    }
}

fn set_spaces(tokens: &mut [Token<'_>], index: usize, spaces: usize) {
    if let Some(token) = tokens.get_mut(index) {
        token.spaces_before = spaces;
    }
}

/// Sets the spacing between neighbouring tokens inside each cell.
fn space_cells(tokens: &mut [Token<'_>], lines: &[Line]) {
    for line in lines {
        space_run(tokens, line.lead.clone());
        if let Some(assign) = &line.assign {
            // The `=` always has exactly one space before it until alignment says otherwise.
            set_spaces(tokens, assign.start, 1);
            space_run(tokens, assign.clone());
        }
    }
}

fn space_run(tokens: &mut [Token<'_>], range: Range<usize>) {
    for index in range.start..range.end.saturating_sub(1) {
        let previous = index
            .checked_sub(1)
            .filter(|previous| *previous >= range.start)
            .and_then(|previous| tokens.get(previous))
            .map(|token| token.kind);
        let (Some(subject), Some(next)) = (tokens.get(index), tokens.get(index + 1)) else {
            continue;
        };
        let spaces = usize::from(space_after(previous, subject, next));
        set_spaces(tokens, index + 1, spaces);
    }
}

/// Decides whether one space separates `subject` from the `next` token.
/// `previous` is the token before `subject` in the same cell, if any.
///
/// The rules are checked in order and the first that applies wins, so their
/// order is part of the contract.
fn space_after(previous: Option<TokenKind>, subject: &Token<'_>, next: &Token<'_>) -> bool {
    use TokenKind as K;
    let (this, after) = (subject.kind, next.kind);
    if after == K::Newline {
        return false;
    }
    if this == K::Ident && after == K::OpenParen {
        // A function name stays attached to its argument list.
        return false;
    }
    if (this == K::Ident && after == K::DoubleColon)
        || (this == K::DoubleColon && after == K::Ident)
    {
        // Namespaced function names such as `provider::aws::arn_parse` stay together.
        return false;
    }
    if this == K::Dot || after == K::Dot {
        return false;
    }
    if after == K::Comma || after == K::Ellipsis {
        return false;
    }
    if this == K::Comma {
        return true;
    }
    if matches!(
        this,
        K::QuotedLit | K::StringLit | K::OpenQuote | K::OpenHeredoc
    ) || matches!(
        after,
        K::QuotedLit | K::StringLit | K::CloseQuote | K::CloseHeredoc
    ) {
        // Template text is never re-spaced.
        return false;
    }
    if this == K::Ident && subject.text == "in" && previous == Some(K::Ident) {
        // The `in` of a for-expression keeps a space before a tuple: `in [a, b]`.
        return true;
    }
    if after == K::OpenBracket
        && (this == K::Ident || this == K::NumberLit || this.bracket_change() < 0)
    {
        // An index or splat stays attached to what it indexes.
        return false;
    }
    if this == K::Bang {
        return false;
    }
    if this == K::Minus {
        // A minus that cannot follow the end of an operand is a negation.
        return !matches!(
            previous,
            None | Some(
                K::OpenParen
                    | K::OpenBrace
                    | K::OpenBracket
                    | K::Equal
                    | K::Colon
                    | K::Comma
                    | K::Question
                    | K::Plus
                    | K::Star
                    | K::Slash
                    | K::Percent
                    | K::Minus
                    | K::EqualOp
                    | K::NotEqual
                    | K::GreaterThan
                    | K::GreaterThanEq
                    | K::LessThan
                    | K::LessThanEq
                    | K::And
                    | K::Or
                    | K::Bang
            )
        );
    }
    if this == K::OpenBrace || after == K::CloseBrace {
        // Braces are padded, `{ a = 1 }`, except when empty: `{}`.
        return !(this == K::OpenBrace && after == K::CloseBrace);
    }
    if matches!(this, K::TemplateInterp | K::TemplateControl) && after == K::OpenBrace {
        return true;
    }
    if this == K::CloseBrace && after == K::TemplateSeqEnd {
        return true;
    }
    if this == K::TemplateSeqEnd && matches!(after, K::TemplateInterp | K::TemplateControl) {
        return false;
    }
    if this.bracket_change() > 0 || after.bracket_change() < 0 {
        // Nothing pads the inside of `(`, `[` or a template sequence.
        return false;
    }
    true
}

/// Aligns the `assign` cells, then the `comment` cells, of consecutive lines.
fn align_cells(tokens: &mut [Token<'_>], lines: &[Line]) {
    for run in runs(lines, |line| line.assign.is_some()) {
        let widths: Vec<usize> = run
            .iter()
            .map(|line| cell_columns(tokens, line.lead.clone()))
            .collect();
        let widest = widths.iter().copied().max().unwrap_or(0);
        for (line, width) in run.iter().zip(widths) {
            if let Some(assign) = &line.assign {
                set_spaces(tokens, assign.start, widest - width + 1);
            }
        }
    }
    for run in runs(lines, |line| line.comment.is_some()) {
        let widths: Vec<usize> = run
            .iter()
            .map(|line| {
                let assign_columns = line
                    .assign
                    .clone()
                    .map_or(0, |assign| cell_columns(tokens, assign));
                cell_columns(tokens, line.lead.clone()) + assign_columns
            })
            .collect();
        let widest = widths.iter().copied().max().unwrap_or(0);
        for (line, width) in run.iter().zip(widths) {
            if let Some(comment) = line.comment {
                set_spaces(tokens, comment, widest - width + 1);
            }
        }
    }
}

/// Splits `lines` into maximal runs of consecutive lines that satisfy `member`.
fn runs(lines: &[Line], member: impl Fn(&Line) -> bool) -> Vec<&[Line]> {
    lines
        .split(|line| !member(line))
        .filter(|run| !run.is_empty())
        .collect()
}

/// The number of columns a cell occupies, counting the spaces before each token.
fn cell_columns(tokens: &[Token<'_>], range: Range<usize>) -> usize {
    tokens
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|token| token.spaces_before + grapheme_count(&token.text))
        .sum()
}
