//! How a connector lists its tools: every tool while the estimated `tools/list` fits the token
//! budget, a catalog beyond it (GitHub's description); what the overrides file can force (the
//! listing, the budget, core tools, toolsets) and the errors it gets.

use std::path::{Path, PathBuf};

use mcpgen::ir::Listing;
use mcpgen::overrides::Overrides;
use mcpgen::plan::PlanOptions;

fn specs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

fn orders(overrides: Option<&str>) -> mcpgen::Result<mcpgen::Generated> {
    let options = PlanOptions {
        overrides: overrides.map(|o| Overrides::parse("o.yaml", o).unwrap()),
        ..PlanOptions::default()
    };
    mcpgen::build(
        &specs().join("orders-openapi-3.0.yaml").to_string_lossy(),
        &options,
    )
}

#[test]
fn a_small_api_lists_every_tool() {
    let listing = orders(None).unwrap().plan.connector.listing;
    assert_eq!(listing.listing, Listing::Full);
    assert!(listing.estimated_tokens > 1_000 && listing.estimated_tokens < 25_000);
    assert!(
        listing.reason.starts_with("every tool fits"),
        "{}",
        listing.reason
    );
    assert!(listing.toolsets.is_empty());
}

#[test]
fn a_huge_api_lists_a_catalog_with_a_toolset_per_tag() {
    let spec = std::env::var_os("MCPGEN_TEST_DEPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| specs().join("../.test-deps"))
        .join("node_modules/@octokit/openapi/generated/api.github.com.json");
    let generated = mcpgen::build(&spec.to_string_lossy(), &PlanOptions::default()).unwrap();
    let listing = &generated.plan.connector.listing;
    assert_eq!(listing.listing, Listing::Catalog);
    assert!(
        listing.estimated_tokens > 400_000,
        "{}",
        listing.estimated_tokens
    );
    assert!(
        listing.reason.contains("over the budget of 25000"),
        "{}",
        listing.reason
    );
    let pulls = listing
        .toolsets
        .iter()
        .find(|t| t.name == "pulls")
        .expect("a toolset per tag");
    assert!(pulls.tools.contains(&"pulls_list".to_string()));
    let listed: usize = listing.toolsets.iter().map(|t| t.tools.len()).sum();
    assert!(
        listed >= generated.plan.tools.len(),
        "every tagged tool is in a toolset"
    );
}

#[test]
fn the_overrides_file_forces_the_listing_and_names_core_tools_and_toolsets() {
    let forced = orders(Some(
        "connector:\n  listing: catalog\n  toolsets:\n    shipping:\n      description: Shipments and labels\n      include: {tags: [fulfillment]}\ntools:\n  getOrder:\n    core: true\n",
    ))
    .unwrap();
    let listing = &forced.plan.connector.listing;
    assert_eq!(listing.listing, Listing::Catalog);
    assert_eq!(listing.reason, "the overrides file asks for a catalog");
    assert_eq!(listing.toolsets.len(), 1);
    assert_eq!(listing.toolsets[0].description, "Shipments and labels");
    let core: Vec<&str> = forced
        .plan
        .tools
        .iter()
        .filter(|t| t.core)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(core, ["getOrder"]);

    let small_budget = orders(Some("connector:\n  token_budget: 100\n")).unwrap();
    assert_eq!(
        small_budget.plan.connector.listing.listing,
        Listing::Catalog
    );

    let error = orders(Some(
        "connector:\n  listing: catalog\n  toolsets:\n    shipping:\n      include: {tags: [fulfilment]}\n",
    ))
    .err()
    .unwrap()
    .to_string();
    assert!(
        error.contains("o.yaml:5:") && error.contains("did you mean `fulfillment`?"),
        "{error}"
    );
}
