//! The OpenAPI importer: any text as an OpenAPI document — a spec with what it could not
//! honour, or errors naming the JSON pointer, never a panic.
#![no_main]

use ectus_spec::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Input::OpenApi(text.to_owned()).derive();
});
