//! Counts how many columns a piece of text occupies for alignment.
//!
//! Terraform aligns `=` signs and trailing comments by counting extended
//! grapheme clusters (Unicode UAX #29), not bytes or code points, so `é`
//! written as `e` plus a combining accent is one column and so is a flag
//! emoji. This module implements the common cases of those segmentation rules
//! with compact character tables: combining marks, zero-width joiner
//! sequences, regional-indicator pairs and Hangul syllables. It does not claim
//! full Unicode coverage; rare scripts may count differently (see NOTES.md).

/// The grapheme cluster property of one character, reduced to what the rules below need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClusterClass {
    CarriageReturn,
    LineFeed,
    Control,
    /// Combining marks, spacing marks, variation selectors and emoji modifiers: never start a cluster.
    Extend,
    ZeroWidthJoiner,
    RegionalIndicator,
    HangulLeading,
    HangulVowel,
    HangulTrailing,
    HangulSyllableLv,
    HangulSyllableLvt,
    Pictographic,
    Other,
}

/// Returns the number of extended grapheme clusters in `text`.
pub(crate) fn grapheme_count(text: &str) -> usize {
    if text.is_ascii() {
        // ASCII text only joins `\r\n` into one cluster.
        return text.len() - text.matches("\r\n").count();
    }
    let mut count = 0;
    let mut previous: Option<ClusterClass> = None;
    // Whether the current cluster so far is a pictograph followed by extenders.
    let mut in_emoji_sequence = false;
    // How many regional indicators the current run holds.
    let mut regional_indicator_run = 0usize;
    for c in text.chars() {
        let class = classify(c);
        let joins = match previous {
            None => false,
            Some(previous_class) => joins_previous(
                previous_class,
                class,
                in_emoji_sequence,
                regional_indicator_run,
            ),
        };
        if !joins {
            count += 1;
        }
        in_emoji_sequence = match class {
            ClusterClass::Pictographic => true,
            ClusterClass::Extend | ClusterClass::ZeroWidthJoiner => in_emoji_sequence && joins,
            _ => false,
        };
        regional_indicator_run = if class == ClusterClass::RegionalIndicator {
            regional_indicator_run + 1
        } else {
            0
        };
        previous = Some(class);
    }
    count
}

/// Whether a character of class `next` continues the cluster that ends with a `previous` character.
fn joins_previous(
    previous: ClusterClass,
    next: ClusterClass,
    in_emoji_sequence: bool,
    regional_indicator_run: usize,
) -> bool {
    use ClusterClass as C;
    match (previous, next) {
        (C::CarriageReturn, C::LineFeed) => true,
        (C::CarriageReturn | C::LineFeed | C::Control, _) => false,
        (_, C::CarriageReturn | C::LineFeed | C::Control) => false,
        (C::HangulLeading, C::HangulLeading | C::HangulVowel)
        | (C::HangulLeading, C::HangulSyllableLv | C::HangulSyllableLvt)
        | (C::HangulVowel | C::HangulSyllableLv, C::HangulVowel | C::HangulTrailing)
        | (C::HangulTrailing | C::HangulSyllableLvt, C::HangulTrailing) => true,
        (_, C::Extend | C::ZeroWidthJoiner) => true,
        (C::ZeroWidthJoiner, C::Pictographic) => in_emoji_sequence,
        (C::RegionalIndicator, C::RegionalIndicator) => regional_indicator_run % 2 == 1,
        _ => false,
    }
}

fn classify(c: char) -> ClusterClass {
    let code = u32::from(c);
    match code {
        0x0D => ClusterClass::CarriageReturn,
        0x0A => ClusterClass::LineFeed,
        0x200D => ClusterClass::ZeroWidthJoiner,
        0x1F1E6..=0x1F1FF => ClusterClass::RegionalIndicator,
        0x1100..=0x115F | 0xA960..=0xA97C => ClusterClass::HangulLeading,
        0x1160..=0x11A7 | 0xD7B0..=0xD7C6 => ClusterClass::HangulVowel,
        0x11A8..=0x11FF | 0xD7CB..=0xD7FB => ClusterClass::HangulTrailing,
        0xAC00..=0xD7A3 if (code - 0xAC00) % 28 == 0 => ClusterClass::HangulSyllableLv,
        0xAC00..=0xD7A3 => ClusterClass::HangulSyllableLvt,
        _ if is_grapheme_extender(c) => ClusterClass::Extend,
        _ if is_cluster_control(c) => ClusterClass::Control,
        _ if is_pictographic(code) => ClusterClass::Pictographic,
        _ => ClusterClass::Other,
    }
}

/// Control characters and invisible format characters that stand alone.
fn is_cluster_control(c: char) -> bool {
    c.is_control()
        || matches!(
            u32::from(c),
            0x00AD
                | 0x061C
                | 0x180E
                | 0x200B
                | 0x200E
                | 0x200F
                | 0x2028..=0x202E
                | 0x2060..=0x206F
                | 0xFEFF
                | 0xFFF0..=0xFFFB
                | 0xE0000..=0xE001F
        )
}

/// Emoji and other pictographs that can be joined by a zero-width joiner.
fn is_pictographic(code: u32) -> bool {
    matches!(
        code,
        0x00A9
            | 0x00AE
            | 0x203C
            | 0x2049
            | 0x2122
            | 0x2139
            | 0x2194..=0x2199
            | 0x21A9..=0x21AA
            | 0x231A..=0x231B
            | 0x2328
            | 0x23CF
            | 0x23E9..=0x23F3
            | 0x23F8..=0x23FA
            | 0x24C2
            | 0x25AA..=0x25AB
            | 0x25B6
            | 0x25C0
            | 0x25FB..=0x25FE
            | 0x2600..=0x27BF
            | 0x2934..=0x2935
            | 0x2B05..=0x2B07
            | 0x2B1B..=0x2B1C
            | 0x2B50
            | 0x2B55
            | 0x3030
            | 0x303D
            | 0x3297
            | 0x3299
            | 0x1F000..=0x1F1E5
            | 0x1F200..=0x1F3FA
            | 0x1F400..=0x1FAFF
            | 0x1FC00..=0x1FFFD
    )
}

/// Ranges of characters that never begin a grapheme cluster: combining and
/// spacing marks of the major scripts, joiners, variation selectors, emoji
/// modifiers and tag characters.
const EXTENDER_RANGES: &[(u32, u32)] = &[
    (0x0300, 0x036F),
    (0x0483, 0x0489),
    (0x0591, 0x05BD),
    (0x05BF, 0x05BF),
    (0x05C1, 0x05C2),
    (0x05C4, 0x05C5),
    (0x05C7, 0x05C7),
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0670, 0x0670),
    (0x06D6, 0x06DC),
    (0x06DF, 0x06E4),
    (0x06E7, 0x06E8),
    (0x06EA, 0x06ED),
    (0x0711, 0x0711),
    (0x0730, 0x074A),
    (0x07A6, 0x07B0),
    (0x07EB, 0x07F3),
    (0x0816, 0x082D),
    (0x0859, 0x085B),
    (0x08D3, 0x08E1),
    (0x08E3, 0x0903),
    (0x093A, 0x093C),
    (0x093E, 0x094F),
    (0x0951, 0x0957),
    (0x0962, 0x0963),
    (0x0981, 0x0983),
    (0x09BC, 0x09BC),
    (0x09BE, 0x09CD),
    (0x09D7, 0x09D7),
    (0x09E2, 0x09E3),
    (0x0A01, 0x0A03),
    (0x0A3C, 0x0A51),
    (0x0A70, 0x0A71),
    (0x0A75, 0x0A75),
    (0x0A81, 0x0A83),
    (0x0ABC, 0x0ABC),
    (0x0ABE, 0x0ACD),
    (0x0AE2, 0x0AE3),
    (0x0B01, 0x0B03),
    (0x0B3C, 0x0B3C),
    (0x0B3E, 0x0B57),
    (0x0B62, 0x0B63),
    (0x0B82, 0x0B82),
    (0x0BBE, 0x0BCD),
    (0x0BD7, 0x0BD7),
    (0x0C00, 0x0C04),
    (0x0C3E, 0x0C56),
    (0x0C62, 0x0C63),
    (0x0C81, 0x0C83),
    (0x0CBC, 0x0CBC),
    (0x0CBE, 0x0CD6),
    (0x0CE2, 0x0CE3),
    (0x0D00, 0x0D03),
    (0x0D3B, 0x0D3C),
    (0x0D3E, 0x0D4D),
    (0x0D57, 0x0D57),
    (0x0D62, 0x0D63),
    (0x0D81, 0x0D83),
    (0x0DCA, 0x0DDF),
    (0x0DF2, 0x0DF3),
    (0x0E31, 0x0E31),
    (0x0E33, 0x0E3A),
    (0x0E47, 0x0E4E),
    (0x0EB1, 0x0EB1),
    (0x0EB3, 0x0EBC),
    (0x0EC8, 0x0ECD),
    (0x0F18, 0x0F19),
    (0x0F35, 0x0F35),
    (0x0F37, 0x0F37),
    (0x0F39, 0x0F39),
    (0x0F3E, 0x0F3F),
    (0x0F71, 0x0F84),
    (0x0F86, 0x0F87),
    (0x0F8D, 0x0FBC),
    (0x0FC6, 0x0FC6),
    (0x102B, 0x103E),
    (0x1056, 0x1059),
    (0x105E, 0x1060),
    (0x1062, 0x1064),
    (0x1067, 0x106D),
    (0x1071, 0x1074),
    (0x1082, 0x108D),
    (0x108F, 0x108F),
    (0x109A, 0x109D),
    (0x135D, 0x135F),
    (0x1712, 0x1714),
    (0x1732, 0x1734),
    (0x1752, 0x1753),
    (0x1772, 0x1773),
    (0x17B4, 0x17D3),
    (0x17DD, 0x17DD),
    (0x180B, 0x180D),
    (0x1885, 0x1886),
    (0x18A9, 0x18A9),
    (0x1920, 0x193B),
    (0x1A17, 0x1A1B),
    (0x1A55, 0x1A7F),
    (0x1AB0, 0x1AFF),
    (0x1B00, 0x1B04),
    (0x1B34, 0x1B44),
    (0x1B6B, 0x1B73),
    (0x1B80, 0x1B82),
    (0x1BA1, 0x1BAD),
    (0x1BE6, 0x1BF3),
    (0x1C24, 0x1C37),
    (0x1CD0, 0x1CD2),
    (0x1CD4, 0x1CE8),
    (0x1CED, 0x1CED),
    (0x1CF4, 0x1CF4),
    (0x1CF7, 0x1CF9),
    (0x1DC0, 0x1DFF),
    (0x200C, 0x200C),
    (0x20D0, 0x20F0),
    (0x2CEF, 0x2CF1),
    (0x2D7F, 0x2D7F),
    (0x2DE0, 0x2DFF),
    (0x302A, 0x302F),
    (0x3099, 0x309A),
    (0xA66F, 0xA672),
    (0xA674, 0xA67D),
    (0xA69E, 0xA69F),
    (0xA6F0, 0xA6F1),
    (0xA802, 0xA802),
    (0xA806, 0xA806),
    (0xA80B, 0xA80B),
    (0xA823, 0xA827),
    (0xA880, 0xA881),
    (0xA8B4, 0xA8C5),
    (0xA8E0, 0xA8F1),
    (0xA926, 0xA92D),
    (0xA947, 0xA953),
    (0xA980, 0xA983),
    (0xA9B3, 0xA9C0),
    (0xAA29, 0xAA36),
    (0xAA43, 0xAA43),
    (0xAA4C, 0xAA4D),
    (0xAAEB, 0xAAEF),
    (0xAAF5, 0xAAF6),
    (0xABE3, 0xABED),
    (0xFB1E, 0xFB1E),
    (0xFE00, 0xFE0F),
    (0xFE20, 0xFE2F),
    (0xFF9E, 0xFF9F),
    (0x1D165, 0x1D169),
    (0x1D16D, 0x1D172),
    (0x1D17B, 0x1D182),
    (0x1F3FB, 0x1F3FF),
    (0xE0020, 0xE007F),
    (0xE0100, 0xE01EF),
];

/// Whether `c` attaches to the character before it instead of starting a new cluster.
pub(crate) fn is_grapheme_extender(c: char) -> bool {
    let code = u32::from(c);
    if code < 0x0300 {
        return false;
    }
    EXTENDER_RANGES
        .binary_search_by(|(low, high)| {
            if *high < code {
                std::cmp::Ordering::Less
            } else if *low > code {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}
