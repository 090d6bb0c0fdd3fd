//! Meta's notification parser on arbitrary bytes, and the arithmetic ingest does on what it
//! returns: parsing ends in changes or an error, never a panic or an overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(changes) = shared::meta::parse_notification(data) else {
        return;
    };
    for change in changes {
        let text = format!("{change:?}");
        std::hint::black_box(text);
    }
});
