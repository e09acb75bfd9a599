//! Limits on untrusted input, checked before the expensive parts run: how deeply a YAML or
//! JSON document nests, how long a requirement and each of its sentences may be.
//!
//! The YAML parser's scanner does work proportional to the open flow collections for every
//! token, so a document of nothing but `[` is quadratic to read — 100,000 of them take
//! seconds before the deserializer's own recursion limit ever speaks. [`check_yaml_depth`]
//! walks the same parser's event stream and stops at the first event deeper than
//! [`MAX_DEPTH`], so refusing such a document costs as much as reading its first few
//! kilobytes. It uses the very scanner that parses the document afterwards, so the two can
//! never disagree about what is nested.

use std::mem::MaybeUninit;

use unsafe_libyaml as unsafe_sys;

/// The deepest nesting of mappings and sequences accepted: the depth at which the YAML
/// deserializer refuses a document anyway, so no document it reads is refused earlier.
pub const MAX_DEPTH: usize = 128;

/// The longest requirement read (256 KiB, some 40,000 words).
pub const MAX_REQUIREMENT_BYTES: usize = 256 * 1024;

/// The longest sentence the analyzer reads; a longer run of words without a full stop is
/// listed as not understood.
pub const MAX_SENTENCE_WORDS: usize = 2000;

/// Where a document first nests deeper than [`MAX_DEPTH`] (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    pub line: u64,
    pub column: u64,
}

impl std::fmt::Display for TooDeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: the document nests mappings and sequences more than {MAX_DEPTH} levels deep",
            self.line, self.column
        )
    }
}

/// Refuses a YAML (or JSON) text nesting deeper than [`MAX_DEPTH`]. Syntax errors are left
/// to the parser that reads the document next, which reports them in its own words.
pub fn check_yaml_depth(text: &str) -> Result<(), TooDeep> {
    let mut events = Events::new(text.as_bytes());
    let mut depth = 0usize;
    while let Some((kind, mark)) = events.next() {
        match kind {
            unsafe_sys::YAML_SEQUENCE_START_EVENT | unsafe_sys::YAML_MAPPING_START_EVENT => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(TooDeep {
                        line: mark.line + 1,
                        column: mark.column + 1,
                    });
                }
            }
            unsafe_sys::YAML_SEQUENCE_END_EVENT | unsafe_sys::YAML_MAPPING_END_EVENT => {
                depth = depth.saturating_sub(1);
            }
            unsafe_sys::YAML_STREAM_END_EVENT => break,
            _ => {}
        }
    }
    Ok(())
}

/// The event stream of libyaml's parser over a borrowed text; ends at the first error.
struct Events<'t> {
    parser: Box<MaybeUninit<unsafe_sys::yaml_parser_t>>,
    _input: &'t [u8],
    /// Whether `yaml_parser_initialize` succeeded (and the parser must be deleted).
    initialised: bool,
    done: bool,
}

impl<'t> Events<'t> {
    fn new(input: &'t [u8]) -> Events<'t> {
        let mut parser = Box::new(MaybeUninit::<unsafe_sys::yaml_parser_t>::uninit());
        // SAFETY: `yaml_parser_initialize` initialises the boxed parser in place (the box
        // keeps it at one address for its whole life); it fails only when it cannot
        // allocate, and then the stream is empty. The input outlives the parser (`'t`).
        let initialised = unsafe {
            let p = parser.as_mut_ptr();
            let ok = unsafe_sys::yaml_parser_initialize(p).ok;
            if ok {
                unsafe_sys::yaml_parser_set_encoding(p, unsafe_sys::YAML_UTF8_ENCODING);
                unsafe_sys::yaml_parser_set_input_string(p, input.as_ptr(), input.len() as u64);
            }
            ok
        };
        Events {
            parser,
            _input: input,
            initialised,
            done: !initialised,
        }
    }

    fn next(&mut self) -> Option<(unsafe_sys::yaml_event_type_t, unsafe_sys::yaml_mark_t)> {
        if self.done {
            return None;
        }
        let mut event = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
        // SAFETY: the parser was initialised in `new` (`done` is false); a successful
        // `yaml_parser_parse` fills the event, which is read and then freed exactly once.
        unsafe {
            let p = self.parser.as_mut_ptr();
            if unsafe_sys::yaml_parser_parse(p, event.as_mut_ptr()).fail {
                self.done = true;
                return None;
            }
            let event = event.as_mut_ptr();
            let found = ((*event).type_, (*event).start_mark);
            unsafe_sys::yaml_event_delete(event);
            if found.0 == unsafe_sys::YAML_STREAM_END_EVENT {
                self.done = true;
            }
            Some(found)
        }
    }
}

impl Drop for Events<'_> {
    fn drop(&mut self) {
        // SAFETY: only a parser that `yaml_parser_initialize` initialised is deleted, once.
        if self.initialised {
            unsafe { unsafe_sys::yaml_parser_delete(self.parser.as_mut_ptr()) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested_flow(levels: usize) -> String {
        format!("{}{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn flow_nesting_to_the_limit_passes_and_one_more_is_refused_where_it_starts() {
        assert_eq!(check_yaml_depth(&nested_flow(MAX_DEPTH)), Ok(()));
        let refused = check_yaml_depth(&format!("a:\n  b: {}", nested_flow(MAX_DEPTH)));
        assert_eq!(
            refused,
            Err(TooDeep {
                line: 2,
                column: 4 + MAX_DEPTH as u64
            })
        );
    }

    #[test]
    fn a_hundred_thousand_open_brackets_are_refused_without_reading_them_all() {
        let text = "{\"a\": ".repeat(100_000);
        let refused = check_yaml_depth(&text).expect_err("too deep");
        assert_eq!(refused.line, 1);
        assert!(refused.column < 2_000, "{refused:?}");
    }

    #[test]
    fn block_mappings_and_compact_sequences_count_like_flow_ones() {
        let block: String = (0..=MAX_DEPTH)
            .map(|level| format!("{}k{level}:\n", " ".repeat(level)))
            .collect::<String>()
            + &" ".repeat(MAX_DEPTH + 1)
            + "leaf\n";
        assert!(check_yaml_depth(&block).is_err());
        let compact = "- ".repeat(MAX_DEPTH + 1) + "x\n";
        assert!(check_yaml_depth(&compact).is_err());
        assert_eq!(check_yaml_depth(&("- ".repeat(MAX_DEPTH) + "x\n")), Ok(()));
    }

    #[test]
    fn brackets_inside_strings_comments_and_block_scalars_are_text() {
        let text = format!(
            "a: \"{open}\"\nb: '{open}'\n# {open}\nc: |\n  {open}\nd: plain {open}\n",
            open = "[{".repeat(MAX_DEPTH)
        );
        assert_eq!(check_yaml_depth(&text), Ok(()));
    }

    #[test]
    fn syntax_errors_are_left_to_the_parser() {
        assert_eq!(check_yaml_depth("a: [1, 2\nb: ]]] :"), Ok(()));
        assert_eq!(check_yaml_depth(""), Ok(()));
    }
}
