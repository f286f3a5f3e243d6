//! Source files and byte spans into them; line and column are computed only when rendering.

use std::ops::Range;

/// Identifies one file of a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(u32);

/// A byte range inside one source file.
///
/// Spans are small and `Copy` so that every node of the configuration model can keep one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range belongs to.
    pub file: FileId,
    /// Start byte offset (inclusive).
    pub start: u32,
    /// End byte offset (exclusive).
    pub end: u32,
}

impl Span {
    /// A span covering `range` of `file`.
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        let start = u32::try_from(range.start).unwrap_or(u32::MAX);
        let end = u32::try_from(range.end).unwrap_or(u32::MAX).max(start);
        Span { file, start, end }
    }

    /// The smallest span covering both `self` and `other`, which must be in the same file.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A 1-based line and column; columns count characters, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

struct SourceFile {
    name: String,
    text: String,
    /// Invariant: byte offsets of the start of every line, starting with 0, ascending.
    line_starts: Vec<u32>,
}

/// Owns the text of every file a command read, so diagnostics can quote them.
#[derive(Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty source map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file under the name diagnostics will show (usually a path relative to the
    /// working directory) and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, byte)| *byte == b'\n')
                .map(|(idx, _)| u32::try_from(idx + 1).unwrap_or(u32::MAX)),
        );
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 4 billion files"));
        self.files.push(SourceFile {
            name: name.into(),
            text,
            line_starts,
        });
        id
    }

    fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The name the file was added under.
    pub fn name(&self, id: FileId) -> &str {
        &self.file(id).name
    }

    /// The whole text of the file.
    pub fn text(&self, id: FileId) -> &str {
        &self.file(id).text
    }

    /// Every file id, in the order the files were added.
    pub fn file_ids(&self) -> impl Iterator<Item = FileId> + '_ {
        (0..self.files.len()).map(|idx| FileId(idx as u32))
    }

    /// The line and column of a byte offset. Offsets past the end clamp to the end, and offsets
    /// inside a multi-byte character count as that character.
    pub fn location(&self, id: FileId, offset: u32) -> Location {
        let file = self.file(id);
        let offset = offset.min(file.text.len() as u32);
        let line_idx = match file.line_starts.binary_search(&offset) {
            Ok(idx) => idx,
            Err(idx) => idx - 1,
        };
        let line_start = file.line_starts[line_idx] as usize;
        let mut end = offset as usize;
        while !file.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = file.text[line_start..end].chars().count() + 1;
        Location {
            line: line_idx as u32 + 1,
            column: column as u32,
        }
    }

    /// The byte offset at which a 1-based line starts (the file's end past the last line).
    pub fn line_start(&self, id: FileId, line: u32) -> u32 {
        let file = self.file(id);
        let idx = (line.max(1) - 1) as usize;
        file.line_starts
            .get(idx)
            .copied()
            .unwrap_or(file.text.len() as u32)
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, id: FileId, line: u32) -> &str {
        let file = self.file(id);
        let idx = (line.max(1) - 1) as usize;
        let Some(&start) = file.line_starts.get(idx) else {
            return "";
        };
        let end = file
            .line_starts
            .get(idx + 1)
            .map_or(file.text.len(), |next| *next as usize);
        file.text[start as usize..end].trim_end_matches(['\n', '\r'])
    }

    /// The text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        let text = self.text(span.file);
        text.get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_characters_from_one() {
        let mut sources = SourceMap::new();
        let id = sources.add("main.hcl", "a = 1\nимя = \"x\"\n");
        assert_eq!(sources.location(id, 0), Location { line: 1, column: 1 });
        let offset = "a = 1\nимя = ".len() as u32;
        assert_eq!(
            sources.location(id, offset),
            Location { line: 2, column: 7 }
        );
        assert_eq!(sources.line_text(id, 2), "имя = \"x\"");
        assert_eq!(
            sources.location(id, 10_000),
            Location { line: 3, column: 1 }
        );
    }
}
