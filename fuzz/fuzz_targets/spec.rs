//! Any bytes as a spec file: loading, normalising, planning and emitting either succeed or end
//! in an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A folder of its own: `$ref`s may only reach inside it, and it holds nothing else.
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, data).unwrap();
    if let Ok(generated) = mcpgen::build(&spec.to_string_lossy(), &Default::default()) {
        let _ = mcpgen::files(
            &generated,
            mcpgen::emit::RuntimeDependency::Version("0.1".into()),
        );
    }
});
