//! Parsing files with hcl-edit, and turning its syntax errors into diagnostics.

use hcl::edit::structure::Body;
use snapform_core::{Diagnostic, FileId, SourceMap, Span};

/// One parsed file.
pub(crate) struct ParsedFile {
    pub file: FileId,
    pub body: Body,
}

/// Parses `file`; on a syntax error, returns a diagnostic at the error's position.
pub(crate) fn parse(sources: &SourceMap, file: FileId) -> Result<ParsedFile, Box<Diagnostic>> {
    let text = sources.text(file);
    match hcl::edit::parser::parse_body(text) {
        Ok(body) => {
            if let Some(offset) = scan(text).raw_newline {
                return Err(Box::new(
                    Diagnostic::error(
                        "syntax",
                        "invalid multi-line string: a quoted string cannot contain a line break",
                        Span::new(file, offset..offset + 1),
                    )
                    .with_help(
                        "write `\\n`, or use a heredoc (<<EOT ... EOT) for text over several lines",
                    ),
                ));
            }
            Ok(ParsedFile { file, body })
        }
        Err(error) => {
            // The parser's offset can fall inside a multi-byte character; step back to its start.
            let mut offset = error.location().offset().min(text.len());
            while !text.is_char_boundary(offset) {
                offset -= 1;
            }
            let end = text[offset..]
                .chars()
                .next()
                .map_or(offset, |ch| offset + ch.len_utf8());
            // At the end of the file, the mistake is usually a block left open far above:
            // point at that block rather than at the end.
            if text[offset..].trim().is_empty()
                && let Some(open) = scan(text).unclosed
            {
                let line_start = text[..open].rfind('\n').map_or(0, |newline| newline + 1);
                return Err(Box::new(
                    Diagnostic::error(
                        "syntax",
                        "syntax error: this block is not closed: there is no `}` for it before the end of the file",
                        Span::new(file, line_start..open + 1),
                    )
                    .with_help("add the missing `}`; a block inside it may be the one left open"),
                ));
            }
            let message = error.message().trim();
            Err(Box::new(Diagnostic::error(
                "syntax",
                format!("syntax error: {}", first_line_lowercase(message)),
                Span::new(file, offset..end),
            )))
        }
    }
}

fn first_line_lowercase(message: &str) -> String {
    let line = message.lines().next().unwrap_or("invalid syntax");
    let mut chars = line.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "invalid syntax".to_owned(),
    }
}

/// What a scan of a file's braces finds.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Scan {
    /// The offset of the first raw line break inside a quoted string, which hcl-edit accepts
    /// but HCL (and Terraform) reject.
    pub(crate) raw_newline: Option<usize>,
    /// The offset of the innermost block `{` that no `}` closes.
    pub(crate) unclosed: Option<usize>,
}

/// Scans the braces of `text`, skipping comments, heredocs and strings with their nested
/// interpolations.
pub(crate) fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut found = Scan::default();
    let mut idx = 0;
    // Each entry is the brace depth of an open `${`/`%{` inside a string; strings can nest
    // inside interpolations.
    let mut string_stack: Vec<usize> = Vec::new();
    // The offsets of the block and object braces open at this point.
    let mut open: Vec<usize> = Vec::new();
    let mut in_string = false;
    let mut depth = 0usize;
    while idx < bytes.len() {
        let byte = bytes[idx];
        if in_string {
            match byte {
                b'\\' => idx += 1,
                b'"' => in_string = false,
                b'\n' => {
                    found.raw_newline.get_or_insert(idx);
                    in_string = false;
                }
                b'$' | b'%'
                    if bytes.get(idx + 1) == Some(&b'{')
                        && bytes.get(idx.wrapping_sub(1)) != Some(&byte) =>
                {
                    string_stack.push(depth);
                    depth += 1;
                    in_string = false;
                    idx += 1;
                }
                _ => {}
            }
            idx += 1;
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'#' => idx = skip_line(bytes, idx),
            b'/' if bytes.get(idx + 1) == Some(&b'/') => idx = skip_line(bytes, idx),
            b'/' if bytes.get(idx + 1) == Some(&b'*') => {
                idx = text[idx + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |end| idx + 2 + end + 1);
            }
            b'<' if bytes.get(idx + 1) == Some(&b'<') => idx = skip_heredoc(text, idx),
            b'{' => {
                open.push(idx);
                depth += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                if string_stack.last() == Some(&depth) {
                    string_stack.pop();
                    in_string = true;
                } else {
                    open.pop();
                }
            }
            _ => {}
        }
        idx += 1;
    }
    found.unclosed = open.last().copied();
    found
}

fn skip_line(bytes: &[u8], idx: usize) -> usize {
    bytes[idx..]
        .iter()
        .position(|byte| *byte == b'\n')
        .map_or(bytes.len(), |end| idx + end)
}

/// Skips a heredoc starting at `<<`; returns the index of its last byte.
fn skip_heredoc(text: &str, idx: usize) -> usize {
    let rest = &text[idx + 2..];
    let rest_trimmed = rest.strip_prefix('-').unwrap_or(rest);
    let name_len = rest_trimmed
        .find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '-'))
        .unwrap_or(rest_trimmed.len());
    let name = &rest_trimmed[..name_len];
    if name.is_empty() {
        return idx + 1;
    }
    let body_start = match text[idx..].find('\n') {
        Some(newline) => idx + newline + 1,
        None => return text.len(),
    };
    let mut line_start = body_start;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |end| line_start + end);
        if text[line_start..line_end].trim() == name {
            return line_end.saturating_sub(1);
        }
        line_start = line_end + 1;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the loader's fuzz target: a syntax error inside a multi-byte character.
    #[test]
    fn a_syntax_error_inside_a_multibyte_character_is_a_diagnostic() {
        let mut sources = SourceMap::new();
        let file = sources.add("fuzz.hcl", "xZZZZZZZZZZZzZJx=x?n-\u{4f9f}");
        let error = parse(&sources, file).err().expect("invalid");
        assert_eq!(error.code, "syntax");
    }

    #[test]
    fn finds_line_breaks_inside_quotes_only() {
        assert_eq!(scan("a = \"x\ny\"\n").raw_newline, Some(6));
        assert_eq!(scan("a = \"x\" # \"\nb = 1\n").raw_newline, None);
        assert_eq!(scan("a = <<EOT\n\"\nEOT\nb = \"\"\n").raw_newline, None);
        assert_eq!(scan("a = \"${ {b = \"c\"}.b }\"\n").raw_newline, None);
        assert_eq!(scan("a = \"${x}\n\"\n").raw_newline, Some(9));
    }

    #[test]
    fn finds_the_block_left_open() {
        let text = "resource \"a\" \"b\" {\n  name = \"{\"\n  # {\n  d = <<EOT\n{\nEOT\n  t = \"${ {x = 1}.x }\"\n\nresource \"a\" \"c\" {\n}\n";
        assert_eq!(scan(text).unclosed, Some(text.find('{').expect("a brace")));
        assert_eq!(scan("a {\n  b {\n  }\n}\n").unclosed, None);
    }
}
