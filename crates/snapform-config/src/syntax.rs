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
            if let Some(offset) = raw_newline_in_quoted_string(text) {
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

/// The offset of a raw line break inside a quoted string, which hcl-edit accepts but HCL (and
/// Terraform) reject. Skips comments, heredocs and nested interpolations.
pub(crate) fn raw_newline_in_quoted_string(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut idx = 0;
    // Each entry is the brace depth of an open `${`/`%{` inside a string; strings can nest
    // inside interpolations.
    let mut string_stack: Vec<usize> = Vec::new();
    let mut in_string = false;
    let mut depth = 0usize;
    while idx < bytes.len() {
        let byte = bytes[idx];
        if in_string {
            match byte {
                b'\\' => idx += 1,
                b'"' => in_string = false,
                b'\n' => return Some(idx),
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
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if string_stack.last() == Some(&depth) {
                    string_stack.pop();
                    in_string = true;
                }
            }
            _ => {}
        }
        idx += 1;
    }
    None
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
        assert_eq!(raw_newline_in_quoted_string("a = \"x\ny\"\n"), Some(6));
        assert_eq!(
            raw_newline_in_quoted_string("a = \"x\" # \"\nb = 1\n"),
            None
        );
        assert_eq!(
            raw_newline_in_quoted_string("a = <<EOT\n\"\nEOT\nb = \"\"\n"),
            None
        );
        assert_eq!(
            raw_newline_in_quoted_string("a = \"${ {b = \"c\"}.b }\"\n"),
            None
        );
        assert_eq!(raw_newline_in_quoted_string("a = \"${x}\n\"\n"), Some(9));
    }
}
