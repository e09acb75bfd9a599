//! The spec parser: any text as a spec document, read as YAML and as JSON — a spec or errors
//! that say what to fix, never a panic.
#![no_main]

use ectus_spec::{Format, Input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for format in [Format::Yaml, Format::Json] {
        let _ = Input::Spec {
            text: text.to_owned(),
            format,
        }
        .derive();
    }
});
