//! The standard library of functions: the Terraform functions a snapshot configuration needs,
//! with Terraform's names, arguments and results.
//!
//! Every function returns an unknown value when an argument is unknown, and reports a problem
//! as a diagnostic at the call (or at the offending argument).
//!
//! Its length (about 800 lines of code, then the tests) is one short function per Terraform
//! function behind one dispatch table; they share only argument readers.

use std::collections::BTreeMap;

use snapform_core::value::format_number;
use snapform_core::{Diagnostic, Span, Value};

/// The result of evaluating an expression or calling a function: the value, or the first
/// problem found.
pub(crate) type EvalResult = Result<Value, Box<Diagnostic>>;

/// Every function name, sorted, for help and suggestions.
pub(crate) const FUNCTION_NAMES: &[&str] = &[
    "abs",
    "ceil",
    "coalesce",
    "compact",
    "concat",
    "contains",
    "distinct",
    "element",
    "endswith",
    "flatten",
    "floor",
    "format",
    "formatdate",
    "join",
    "jsonencode",
    "keys",
    "length",
    "lookup",
    "lower",
    "max",
    "merge",
    "min",
    "range",
    "replace",
    "reverse",
    "sort",
    "split",
    "startswith",
    "substr",
    "title",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "upper",
    "values",
    "zipmap",
];

type Args<'a> = &'a [(Value, Span)];

fn fail(message: impl Into<String>, span: Span) -> Box<Diagnostic> {
    Box::new(Diagnostic::error("function-arguments", message, span))
}

/// Calls function `name` with evaluated arguments and their spans; `span` covers the call.
pub(crate) fn call(name: &str, args: Args<'_>, span: Span) -> EvalResult {
    let Some(arity) = arity(name) else {
        let help = match crate::suggest::closest(name, FUNCTION_NAMES.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("available functions: {}", FUNCTION_NAMES.join(", ")),
        };
        return Err(Box::new(
            Diagnostic::error(
                "unknown-function",
                format!("unknown function `{name}`"),
                span,
            )
            .with_help(help),
        ));
    };
    let (min, max) = arity;
    if args.len() < min || max.is_some_and(|max| args.len() > max) {
        let expected = match max {
            Some(max) if max == min => format!("{min}"),
            Some(max) => format!("{min} to {max}"),
            None => format!("at least {min}"),
        };
        return Err(fail(
            format!(
                "`{name}` takes {expected} argument{}, got {}",
                if expected == "1" { "" } else { "s" },
                args.len()
            ),
            span,
        ));
    }
    // `coalesce` and `lookup` look at values one by one; everything else is unknown as soon
    // as one argument is.
    if args.iter().any(|(value, _)| value.contains_unknown()) && name != "coalesce" {
        return Ok(Value::Unknown);
    }
    let arg = |idx: usize| &args[idx];
    match name {
        "abs" => num(arg(0)).map(|n| Value::Number(n.abs())),
        "ceil" => num(arg(0)).map(|n| Value::Number(n.ceil())),
        "floor" => num(arg(0)).map(|n| Value::Number(n.floor())),
        "min" | "max" => {
            let mut numbers = Vec::with_capacity(args.len());
            for value in args {
                numbers.push(num(value)?);
            }
            let pick = if name == "min" { f64::min } else { f64::max };
            Ok(Value::Number(
                numbers.into_iter().reduce(pick).unwrap_or(0.0),
            ))
        }
        "coalesce" => {
            for (value, _) in args {
                match value {
                    Value::Unknown => return Ok(Value::Unknown),
                    Value::Null => {}
                    Value::String(text) if text.is_empty() => {}
                    other => return Ok(other.clone()),
                }
            }
            Err(fail(
                "`coalesce` found no non-null, non-empty argument",
                span,
            ))
        }
        "compact" => Ok(Value::List(
            list(arg(0))?
                .into_iter()
                .filter(|item| !matches!(item, Value::Null) && item.as_str() != Some(""))
                .collect(),
        )),
        "concat" => {
            let mut res = Vec::new();
            for value in args {
                res.extend(list(value)?);
            }
            Ok(Value::List(res))
        }
        "contains" => Ok(Value::Bool(list(arg(0))?.contains(&arg(1).0))),
        "distinct" => {
            let mut res: Vec<Value> = Vec::new();
            for item in list(arg(0))? {
                if !res.contains(&item) {
                    res.push(item);
                }
            }
            Ok(Value::List(res))
        }
        "element" => {
            let items = list(arg(0))?;
            let index = whole(arg(1))?;
            if items.is_empty() {
                return Err(fail("`element` cannot pick from an empty list", arg(0).1));
            }
            Ok(items[(index as usize) % items.len()].clone())
        }
        "flatten" => {
            fn flatten_into(items: Vec<Value>, out: &mut Vec<Value>) {
                for item in items {
                    match item {
                        Value::List(inner) | Value::Set(inner) => flatten_into(inner, out),
                        other => out.push(other),
                    }
                }
            }
            let mut res = Vec::new();
            flatten_into(list(arg(0))?, &mut res);
            Ok(Value::List(res))
        }
        "format" => format(&string(arg(0))?, &args[1..], arg(0).1),
        "formatdate" => formatdate(&string(arg(0))?, &string(arg(1))?, arg(0).1, arg(1).1),
        "join" => {
            let separator = string(arg(0))?;
            let mut parts = Vec::new();
            for value in &args[1..] {
                for item in list(value)? {
                    parts.push(item.to_template_string().ok_or_else(|| {
                        fail(
                            format!("`join` needs strings, got a {}", item.type_name()),
                            value.1,
                        )
                    })?);
                }
            }
            Ok(Value::String(parts.join(&separator)))
        }
        "jsonencode" => Ok(Value::String(arg(0).0.to_json().to_string())),
        "keys" => Ok(Value::List(
            map(arg(0))?.into_keys().map(Value::String).collect(),
        )),
        "values" => Ok(Value::List(map(arg(0))?.into_values().collect())),
        "length" => match &arg(0).0 {
            Value::String(text) => Ok(Value::Number(text.chars().count() as f64)),
            Value::List(items) | Value::Set(items) => Ok(Value::Number(items.len() as f64)),
            Value::Map(entries) => Ok(Value::Number(entries.len() as f64)),
            other => Err(fail(
                format!(
                    "`length` needs a string, list, set or map, got a {}",
                    other.type_name()
                ),
                arg(0).1,
            )),
        },
        "lookup" => {
            let entries = map(arg(0))?;
            let key = string(arg(1))?;
            match entries.get(&key) {
                Some(value) => Ok(value.clone()),
                None if args.len() == 3 => Ok(arg(2).0.clone()),
                None => Err(fail(format!("the map has no key {key:?}"), arg(1).1)),
            }
        }
        "lower" => Ok(Value::String(string(arg(0))?.to_lowercase())),
        "upper" => Ok(Value::String(string(arg(0))?.to_uppercase())),
        "title" => Ok(Value::String(title(&string(arg(0))?))),
        "merge" => {
            let mut res = BTreeMap::new();
            for value in args {
                if value.0 == Value::Null {
                    continue;
                }
                res.extend(map(value)?);
            }
            Ok(Value::Map(res))
        }
        "range" => range(args, span),
        "replace" => replace(
            &string(arg(0))?,
            &string(arg(1))?,
            &string(arg(2))?,
            arg(1).1,
        ),
        "reverse" => {
            let mut items = list(arg(0))?;
            items.reverse();
            Ok(Value::List(items))
        }
        "sort" => {
            let mut texts = Vec::new();
            for item in list(arg(0))? {
                texts.push(item.to_template_string().ok_or_else(|| {
                    fail(
                        format!("`sort` needs strings, got a {}", item.type_name()),
                        arg(0).1,
                    )
                })?);
            }
            texts.sort();
            Ok(Value::List(texts.into_iter().map(Value::String).collect()))
        }
        "split" => {
            let separator = string(arg(0))?;
            let text = string(arg(1))?;
            if separator.is_empty() {
                return Err(fail("`split` needs a non-empty separator", arg(0).1));
            }
            Ok(Value::List(
                text.split(separator.as_str()).map(Value::string).collect(),
            ))
        }
        "startswith" => Ok(Value::Bool(string(arg(0))?.starts_with(&string(arg(1))?))),
        "endswith" => Ok(Value::Bool(string(arg(0))?.ends_with(&string(arg(1))?))),
        "substr" => substr(
            &string(arg(0))?,
            whole_signed(arg(1))?,
            whole_signed(arg(2))?,
        ),
        "tobool" => match &arg(0).0 {
            Value::Bool(flag) => Ok(Value::Bool(*flag)),
            Value::String(text) if text == "true" || text == "false" => {
                Ok(Value::Bool(text == "true"))
            }
            Value::Null => Ok(Value::Null),
            other => Err(fail(format!("cannot convert {other} to a bool"), arg(0).1)),
        },
        "tonumber" => match &arg(0).0 {
            Value::Null => Ok(Value::Null),
            other => other
                .to_number()
                .map(Value::Number)
                .ok_or_else(|| fail(format!("cannot convert {other} to a number"), arg(0).1)),
        },
        "tostring" => match &arg(0).0 {
            Value::Null => Ok(Value::Null),
            other => other
                .to_template_string()
                .map(Value::String)
                .ok_or_else(|| {
                    fail(
                        format!("cannot convert a {} to a string", other.type_name()),
                        arg(0).1,
                    )
                }),
        },
        "tolist" => Ok(Value::List(list(arg(0))?)),
        "toset" => Ok(Value::set(list(arg(0))?)),
        "tomap" => Ok(Value::Map(map(arg(0))?)),
        "trim" => {
            let cutset = string(arg(1))?;
            Ok(Value::String(
                string(arg(0))?
                    .trim_matches(|ch| cutset.contains(ch))
                    .to_owned(),
            ))
        }
        "trimprefix" => {
            let text = string(arg(0))?;
            let prefix = string(arg(1))?;
            Ok(Value::String(
                text.strip_prefix(prefix.as_str())
                    .unwrap_or(&text)
                    .to_owned(),
            ))
        }
        "trimsuffix" => {
            let text = string(arg(0))?;
            let suffix = string(arg(1))?;
            Ok(Value::String(
                text.strip_suffix(suffix.as_str())
                    .unwrap_or(&text)
                    .to_owned(),
            ))
        }
        "trimspace" => Ok(Value::String(string(arg(0))?.trim().to_owned())),
        "zipmap" => {
            let keys = list(arg(0))?;
            let values = list(arg(1))?;
            if keys.len() != values.len() {
                return Err(fail(
                    format!(
                        "`zipmap` needs as many keys ({}) as values ({})",
                        keys.len(),
                        values.len()
                    ),
                    span,
                ));
            }
            let mut res = BTreeMap::new();
            for (key, value) in keys.into_iter().zip(values) {
                let key = key
                    .to_template_string()
                    .ok_or_else(|| fail("`zipmap` keys must be strings", arg(0).1))?;
                res.insert(key, value);
            }
            Ok(Value::Map(res))
        }
        _ => unreachable!("arity() knows every function"),
    }
}

/// (fewest, most) arguments; `None` for an unknown function.
fn arity(name: &str) -> Option<(usize, Option<usize>)> {
    let one = (1, Some(1));
    let two = (2, Some(2));
    Some(match name {
        "abs" | "ceil" | "floor" | "compact" | "distinct" | "flatten" | "jsonencode" | "keys"
        | "values" | "length" | "lower" | "upper" | "title" | "reverse" | "sort" | "tobool"
        | "tonumber" | "tostring" | "tolist" | "toset" | "tomap" | "trimspace" => one,
        "contains" | "element" | "formatdate" | "split" | "startswith" | "endswith" | "trim"
        | "trimprefix" | "trimsuffix" | "zipmap" => two,
        "replace" | "substr" => (3, Some(3)),
        "lookup" => (2, Some(3)),
        "range" => (1, Some(3)),
        "min" | "max" | "coalesce" | "format" | "join" => (1, None),
        "concat" | "merge" => (0, None),
        _ => return None,
    })
}

fn string((value, span): &(Value, Span)) -> Result<String, Box<Diagnostic>> {
    value.to_template_string().ok_or_else(|| {
        fail(
            format!("expected a string, got a {}", value.type_name()),
            *span,
        )
    })
}

fn num((value, span): &(Value, Span)) -> Result<f64, Box<Diagnostic>> {
    value.to_number().ok_or_else(|| {
        fail(
            format!("expected a number, got a {}", value.type_name()),
            *span,
        )
    })
}

fn whole_signed(arg: &(Value, Span)) -> Result<i64, Box<Diagnostic>> {
    let number = num(arg)?;
    if number.fract() != 0.0 {
        return Err(fail(
            format!("expected a whole number, got {number}"),
            arg.1,
        ));
    }
    Ok(number as i64)
}

fn whole(arg: &(Value, Span)) -> Result<u64, Box<Diagnostic>> {
    let number = whole_signed(arg)?;
    u64::try_from(number).map_err(|_| {
        fail(
            format!("expected a number of zero or more, got {number}"),
            arg.1,
        )
    })
}

fn list((value, span): &(Value, Span)) -> Result<Vec<Value>, Box<Diagnostic>> {
    match value {
        Value::List(items) | Value::Set(items) => Ok(items.clone()),
        other => Err(fail(
            format!("expected a list or set, got a {}", other.type_name()),
            *span,
        )),
    }
}

fn map((value, span): &(Value, Span)) -> Result<BTreeMap<String, Value>, Box<Diagnostic>> {
    match value {
        Value::Map(entries) => Ok(entries.clone()),
        other => Err(fail(
            format!("expected a map, got a {}", other.type_name()),
            *span,
        )),
    }
}

fn title(text: &str) -> String {
    let mut res = String::with_capacity(text.len());
    let mut at_word_start = true;
    for ch in text.chars() {
        if at_word_start {
            res.extend(ch.to_uppercase());
        } else {
            res.push(ch);
        }
        at_word_start = !ch.is_alphanumeric();
    }
    res
}

fn range(args: Args<'_>, span: Span) -> EvalResult {
    let mut numbers = Vec::with_capacity(args.len());
    for arg in args {
        numbers.push(num(arg)?);
    }
    let (start, limit, step) = match numbers.as_slice() {
        [limit] => (0.0, *limit, 1.0),
        [start, limit] => (*start, *limit, if limit >= start { 1.0 } else { -1.0 }),
        [start, limit, step] => (*start, *limit, *step),
        _ => unreachable!("arity is 1 to 3"),
    };
    if step == 0.0 {
        return Err(fail("`range` step must not be zero", span));
    }
    if (limit - start) / step > 100_000.0 {
        return Err(fail("`range` would produce more than 100000 numbers", span));
    }
    let mut res = Vec::new();
    let mut current = start;
    while (step > 0.0 && current < limit) || (step < 0.0 && current > limit) {
        res.push(Value::Number(current));
        current += step;
    }
    Ok(Value::List(res))
}

fn replace(text: &str, search: &str, replacement: &str, search_span: Span) -> EvalResult {
    if search.len() >= 2 && search.starts_with('/') && search.ends_with('/') {
        let pattern = &search[1..search.len() - 1];
        let regex = regex_lite::Regex::new(pattern)
            .map_err(|error| fail(format!("invalid regular expression: {error}"), search_span))?;
        return Ok(Value::String(
            regex.replace_all(text, replacement).into_owned(),
        ));
    }
    if search.is_empty() {
        return Ok(Value::String(text.to_owned()));
    }
    Ok(Value::String(text.replace(search, replacement)))
}

fn substr(text: &str, offset: i64, length: i64) -> EvalResult {
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len() as i64;
    let start = if offset < 0 {
        (len + offset).max(0)
    } else {
        offset.min(len)
    };
    let end = if length < 0 {
        len
    } else {
        (start + length).min(len)
    };
    Ok(Value::String(
        chars[start as usize..end.max(start) as usize]
            .iter()
            .collect(),
    ))
}

/// Terraform's `format`: `%s %d %f %.Nf %q %v %t %%`, with widths and `-`/`0` flags.
fn format(spec: &str, args: Args<'_>, spec_span: Span) -> EvalResult {
    let mut res = String::new();
    let mut chars = spec.chars().peekable();
    let mut next_arg = 0;
    while let Some(ch) = chars.next() {
        if ch != '%' {
            res.push(ch);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            res.push('%');
            continue;
        }
        let mut left = false;
        let mut zero = false;
        while let Some(&flag) = chars.peek() {
            match flag {
                '-' => left = true,
                '0' => zero = true,
                '+' | ' ' | '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&digit) = chars.peek().filter(|ch| ch.is_ascii_digit()) {
            width.push(digit);
            chars.next();
        }
        let mut precision = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut digits = String::new();
            while let Some(&digit) = chars.peek().filter(|ch| ch.is_ascii_digit()) {
                digits.push(digit);
                chars.next();
            }
            precision = Some(digits.parse::<usize>().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            return Err(fail(
                "the format string ends in the middle of a `%` verb",
                spec_span,
            ));
        };
        let Some(arg) = args.get(next_arg) else {
            return Err(fail(
                format!(
                    "the format string needs more than {} argument(s)",
                    args.len()
                ),
                spec_span,
            ));
        };
        next_arg += 1;
        let text = match verb {
            's' | 'v' => match &arg.0 {
                Value::String(text) => text.clone(),
                other => other
                    .to_template_string()
                    .unwrap_or_else(|| other.to_string()),
            },
            'q' => snapform_core::value::quote(&string(arg)?),
            't' => match &arg.0 {
                Value::Bool(flag) => flag.to_string(),
                other => {
                    return Err(fail(
                        format!("%t needs a bool, got a {}", other.type_name()),
                        arg.1,
                    ));
                }
            },
            'd' => {
                let number = num(arg)?;
                if number.fract() != 0.0 {
                    return Err(fail(
                        format!("%d needs a whole number, got {number}"),
                        arg.1,
                    ));
                }
                format_number(number)
            }
            'f' | 'e' | 'g' => format!("{:.*}", precision.unwrap_or(6), num(arg)?),
            other => {
                return Err(fail(
                    format!("unsupported format verb `%{other}`"),
                    spec_span,
                ));
            }
        };
        let width: usize = width.parse().unwrap_or(0);
        let n_chars = text.chars().count();
        if n_chars >= width {
            res.push_str(&text);
        } else if left {
            res.push_str(&text);
            res.extend(std::iter::repeat_n(' ', width - n_chars));
        } else {
            let pad = if zero && matches!(verb, 'd' | 'f') {
                '0'
            } else {
                ' '
            };
            if pad == '0' && text.starts_with('-') {
                res.push('-');
                res.extend(std::iter::repeat_n('0', width - n_chars));
                res.push_str(&text[1..]);
            } else {
                res.extend(std::iter::repeat_n(pad, width - n_chars));
                res.push_str(&text);
            }
        }
    }
    if next_arg < args.len() {
        return Err(fail(
            format!(
                "the format string uses {next_arg} of {} arguments",
                args.len()
            ),
            spec_span,
        ));
    }
    Ok(Value::String(res))
}

/// An RFC 3339 timestamp with its offset kept, as `formatdate` prints it.
struct Timestamp {
    /// The date and time at the timestamp's own offset.
    civil: jiff::civil::DateTime,
    /// Offset from UTC in minutes.
    offset_minutes: i32,
}

/// Reads an RFC 3339 timestamp (`2026-11-22T03:04:05Z`, `...+08:00`) with jiff, keeping the
/// offset it was written with, which `formatdate` prints.
fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    use jiff::fmt::temporal::{Pieces, PiecesOffset};
    let instant: jiff::Timestamp = text.parse().ok()?;
    let offset = match Pieces::parse(text).ok()?.offset()? {
        PiecesOffset::Zulu => jiff::tz::Offset::UTC,
        PiecesOffset::Numeric(numeric) => numeric.offset(),
        _ => return None,
    };
    Some(Timestamp {
        civil: offset.to_datetime(instant),
        offset_minutes: offset.seconds() / 60,
    })
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Terraform's `formatdate(spec, timestamp)`.
fn formatdate(spec: &str, timestamp: &str, spec_span: Span, time_span: Span) -> EvalResult {
    let Some(ts) = parse_rfc3339(timestamp) else {
        return Err(fail(
            format!("{timestamp:?} is not an RFC 3339 timestamp"),
            time_span,
        )
        .with_help_boxed("write it like \"2026-11-22T03:00:00Z\""));
    };
    let chars: Vec<char> = spec.chars().collect();
    let mut res = String::new();
    let mut idx = 0;
    while idx < chars.len() {
        let ch = chars[idx];
        if ch == '\'' {
            // Quoted literal; '' inside is one quote.
            idx += 1;
            loop {
                match chars.get(idx) {
                    None => {
                        return Err(fail(
                            "unterminated quoted literal in the date format",
                            spec_span,
                        ));
                    }
                    Some('\'') if chars.get(idx + 1) == Some(&'\'') => {
                        res.push('\'');
                        idx += 2;
                    }
                    Some('\'') => {
                        idx += 1;
                        break;
                    }
                    Some(&other) => {
                        res.push(other);
                        idx += 1;
                    }
                }
            }
            continue;
        }
        if !ch.is_ascii_alphabetic() {
            res.push(ch);
            idx += 1;
            continue;
        }
        let run = chars[idx..]
            .iter()
            .take_while(|&&other| other == ch)
            .count();
        idx += run;
        let offset = ts.offset_minutes;
        let sign = if offset < 0 { '-' } else { '+' };
        let (off_h, off_m) = (offset.abs() / 60, offset.abs() % 60);
        let civil = &ts.civil;
        let (year, month, day) = (i64::from(civil.year()), civil.month(), civil.day());
        let (hour, minute, second) = (civil.hour(), civil.minute(), civil.second());
        let weekday = civil.weekday().to_sunday_zero_offset() as usize;
        let hour12 = match hour % 12 {
            0 => 12,
            other => other,
        };
        let text = match (ch, run) {
            ('Y', 4) => format!("{year:04}"),
            ('Y', 2) => format!("{:02}", year % 100),
            ('M', 4) => MONTHS[month as usize - 1].to_owned(),
            ('M', 3) => MONTHS[month as usize - 1][..3].to_owned(),
            ('M', 2) => format!("{month:02}"),
            ('M', 1) => month.to_string(),
            ('D', 2) => format!("{day:02}"),
            ('D', 1) => day.to_string(),
            ('E', 4) => DAYS[weekday].to_owned(),
            ('E', 3) => DAYS[weekday][..3].to_owned(),
            ('h', 2) => format!("{hour:02}"),
            ('h', 1) => hour.to_string(),
            ('H', 2) => format!("{hour12:02}"),
            ('H', 1) => hour12.to_string(),
            ('A', 2) => if hour < 12 { "AM" } else { "PM" }.to_owned(),
            ('a', 2) => if hour < 12 { "am" } else { "pm" }.to_owned(),
            ('m', 2) => format!("{minute:02}"),
            ('m', 1) => minute.to_string(),
            ('s', 2) => format!("{second:02}"),
            ('s', 1) => second.to_string(),
            ('Z', 5) => format!("{sign}{off_h:02}:{off_m:02}"),
            ('Z', 4) => format!("{sign}{off_h:02}{off_m:02}"),
            ('Z', 3) if offset == 0 => "UTC".to_owned(),
            ('Z', 3) => format!("{sign}{off_h:02}{off_m:02}"),
            ('Z', 1) if offset == 0 => "Z".to_owned(),
            ('Z', 1) => format!("{sign}{off_h:02}:{off_m:02}"),
            _ => {
                let verb: String = std::iter::repeat_n(ch, run).collect();
                return Err(fail(format!("invalid date format verb {verb:?}"), spec_span)
                    .with_help_boxed("verbs: YYYY YY MMMM MMM MM M DD D EEEE EEE hh h HH H AA aa mm m ss s ZZZZZ ZZZZ ZZZ Z; quote literal text with '...'"));
            }
        };
        res.push_str(&text);
    }
    Ok(Value::String(res))
}

trait WithHelpBoxed {
    fn with_help_boxed(self, help: &str) -> Self;
}

impl WithHelpBoxed for Box<Diagnostic> {
    fn with_help_boxed(mut self, help: &str) -> Self {
        self.help = Some(help.to_owned());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snapform_core::SourceMap;

    fn check(name: &str, args: Vec<Value>, expected: &str) {
        let mut sources = SourceMap::new();
        let file = sources.add("t.hcl", "");
        let span = Span::new(file, 0..0);
        let args: Vec<(Value, Span)> = args.into_iter().map(|value| (value, span)).collect();
        let actual = match call(name, &args, span) {
            Ok(value) => value.to_string(),
            Err(diagnostic) => format!("error: {}", diagnostic.message),
        };
        assert_eq!(actual, expected, "{name}");
    }

    fn s(text: &str) -> Value {
        Value::string(text)
    }

    #[test]
    fn functions_behave_like_terraform() {
        check(
            "format",
            vec![s("snap-%03d-%s"), Value::Number(7.0), s("x")],
            r#""snap-007-x""#,
        );
        check(
            "format",
            vec![s("%.2f|%-4s|%q"), Value::Number(1.0), s("ab"), s("q")],
            r#""1.00|ab  |\"q\"""#,
        );
        check(
            "format",
            vec![s("%d"), Value::Number(1.5)],
            "error: %d needs a whole number, got 1.5",
        );
        check("upper", vec![s("ab")], r#""AB""#);
        check(
            "join",
            vec![s("-"), Value::List(vec![s("a"), s("b")])],
            r#""a-b""#,
        );
        check("length", vec![s("快照")], "2");
        check(
            "substr",
            vec![s("hello world"), Value::Number(1.0), Value::Number(3.0)],
            r#""ell""#,
        );
        check(
            "substr",
            vec![s("hello"), Value::Number(-3.0), Value::Number(-1.0)],
            r#""llo""#,
        );
        check("range", vec![Value::Number(3.0)], "[0, 1, 2]");
        check(
            "range",
            vec![Value::Number(1.0), Value::Number(7.0), Value::Number(3.0)],
            "[1, 4]",
        );
        check("replace", vec![s("a-b-c"), s("-"), s("_")], r#""a_b_c""#);
        check(
            "replace",
            vec![s("disk-01"), s("/[0-9]+/"), s("N")],
            r#""disk-N""#,
        );
        check(
            "toset",
            vec![Value::List(vec![s("b"), s("a"), s("b")])],
            r#"["a", "b"]"#,
        );
        check("lower", vec![Value::Unknown], "(known after apply)");
        check("nosuch", vec![], "error: unknown function `nosuch`");
        check("upper", vec![], "error: `upper` takes 1 argument, got 0");
        check(
            "formatdate",
            vec![
                s("YYYY-MM-DD'T'hh:mm EEE MMM ZZZ"),
                s("2026-11-22T03:04:05Z"),
            ],
            r#""2026-11-22T03:04 Sun Nov UTC""#,
        );
        check(
            "formatdate",
            vec![s("H:mm aa Z"), s("2024-02-29T15:30:00+08:00")],
            r#""3:30 pm +08:00""#,
        );
        check(
            "formatdate",
            vec![s("YYYY"), s("yesterday")],
            r#"error: "yesterday" is not an RFC 3339 timestamp"#,
        );
        check(
            "formatdate",
            vec![s("YYYYY"), s("2026-11-22T03:04:05Z")],
            r#"error: invalid date format verb "YYYYY""#,
        );
    }
}
