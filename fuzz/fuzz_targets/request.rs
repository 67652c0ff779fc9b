//! Any bytes as a tool call's arguments, for a tool of the HTTP-dialects example (every
//! parameter style and body media type) or of the Shop example (renames, presets, auth): the
//! runtime prepares a request or answers with an error, never a panic.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use mcpgen_runtime::fuzzing::Requests;

#[allow(dead_code)]
#[rustfmt::skip]
#[path = "../../generated/dialects/src/tools.rs"]
mod dialects;
#[allow(dead_code)]
#[rustfmt::skip]
#[path = "../../generated/shop/src/tools.rs"]
mod shop;

static TABLES: LazyLock<[Requests; 2]> =
    LazyLock::new(|| [Requests::new(&dialects::CONNECTOR), Requests::new(&shop::CONNECTOR)]);

fuzz_target!(|data: &[u8]| {
    // The first byte picks the table and the tool; the rest is the arguments' JSON.
    let Some((&pick, arguments)) = data.split_first() else {
        return;
    };
    let table = &TABLES[usize::from(pick & 1)];
    let _ = table.prepare(usize::from(pick >> 1), arguments);
});
