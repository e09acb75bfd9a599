//! The English analyzer: any text as a requirement — a spec with its account of every
//! sentence, or the error that nothing usable was found, never a panic.
#![no_main]

use ectus_spec::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Input::Prompt(text.to_owned()).derive();
});
