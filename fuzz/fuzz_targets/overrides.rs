//! Any bytes as an overrides file for the Orders example: parsing, checking against the spec,
//! planning and emitting either succeed or end in an error, never a panic.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static API: LazyLock<mcpgen::ir::Api> = LazyLock::new(|| {
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/orders-openapi-3.0.yaml");
    mcpgen::build(spec, &Default::default()).unwrap().api
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(overrides) = mcpgen::overrides::Overrides::parse("overrides.yaml", text) else {
        return;
    };
    let options = mcpgen::plan::PlanOptions {
        overrides: Some(overrides),
        ..Default::default()
    };
    let _ = mcpgen::plan::plan(&API, &options);
});
