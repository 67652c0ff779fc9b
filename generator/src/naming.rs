//! Tool names: valid (`[A-Za-z0-9_-]`, within a length budget), unique, and stable.
//!
//! An operationId that is already valid and short enough is the name. Any other name (cleaned,
//! derived from method and path, or too long) ends in `_` and six hex digits of a hash of method and
//! path when it is too long or collides, so it does not depend on which other operations exist.
//!
//! Names chosen in the overrides file come first; names recorded in `mcpgen.lock` by the previous
//! generation come next, so a tool never loses its name to an operation added later.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::ir::Method;

pub const DEFAULT_BUDGET: usize = 64;
/// `_` and six hex digits.
const SUFFIX_LEN: usize = 7;

/// What a tool name is made from.
pub struct NameSource<'a> {
    pub operation_id: Option<&'a str>,
    pub method: Method,
    pub path: &'a str,
    /// The name the overrides file gives (already checked to be valid and unique).
    pub chosen: Option<&'a str>,
    /// The name the previous generation gave.
    pub locked: Option<&'a str>,
}

/// Whether `name` is a valid tool name within `budget`.
pub fn is_valid(name: &str, budget: usize) -> bool {
    !name.is_empty()
        && name.len() <= budget
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Replaces every character outside `[A-Za-z0-9_-]` with `_`.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `get_orders_orderId_items` for `GET /orders/{orderId}/items`.
pub fn derived(method: Method, path: &str) -> String {
    let mut name = method.as_str().to_ascii_lowercase();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let clean = sanitize(segment.trim_matches(|c| c == '{' || c == '}'));
        let clean = clean.trim_matches('_');
        if !clean.is_empty() {
            name.push('_');
            name.push_str(clean);
        }
    }
    collapse_underscores(&name)
}

fn collapse_underscores(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    out
}

/// Six hex digits identifying an operation by method and path.
pub fn operation_hash(method: Method, path: &str) -> String {
    let digest = Sha256::digest(format!("{} {path}", method.as_str()).as_bytes());
    crate::util::hex(&digest[..3])
}

fn with_suffix(base: &str, method: Method, path: &str, budget: usize) -> String {
    let keep = budget.saturating_sub(SUFFIX_LEN);
    let mut cut = base;
    if cut.len() > keep {
        // Names are ASCII after sanitising, so any byte index is a char boundary.
        cut = &cut[..keep];
    }
    format!(
        "{}_{}",
        cut.trim_end_matches('_'),
        operation_hash(method, path)
    )
}

/// Names for all operations, in their order. `budget` is the maximum length (at least 8).
pub fn assign(sources: &[NameSource], budget: usize) -> Vec<String> {
    // Names that are settled before any is derived: chosen ones, then locked ones still valid.
    let mut reserved: HashMap<&str, usize> = HashMap::new();
    for (i, s) in sources.iter().enumerate() {
        if let Some(name) = s.chosen {
            reserved.insert(name, i);
        }
    }
    for (i, s) in sources.iter().enumerate() {
        if s.chosen.is_none()
            && let Some(name) = s.locked
            && is_valid(name, budget)
        {
            reserved.entry(name).or_insert(i);
        }
    }
    let settled = |i: usize| -> Option<&str> {
        let s = &sources[i];
        s.chosen
            .or(s.locked)
            .filter(|n| reserved.get(n) == Some(&i))
    };
    // Each candidate, and whether it is the operationId exactly as written.
    let mut names: Vec<(String, bool)> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if let Some(name) = settled(i) {
                return (name.to_string(), true);
            }
            let (base, exact) = match s.operation_id {
                Some(id) => {
                    let clean = sanitize(id);
                    let exact = clean == id;
                    (clean, exact)
                }
                None => (derived(s.method, s.path), false),
            };
            if base.len() > budget {
                (with_suffix(&base, s.method, s.path, budget), false)
            } else {
                (base, exact)
            }
        })
        .collect();

    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, (name, _)) in names.iter().enumerate() {
        by_name.entry(name.clone()).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = by_name.into_values().filter(|g| g.len() > 1).collect();
    groups.sort();
    for group in groups {
        // A settled name keeps it; against one, even an exact operationId gives way.
        let has_settled = group.iter().any(|&i| settled(i).is_some());
        for i in group {
            if settled(i).is_none() && (has_settled || !names[i].1) {
                let s = &sources[i];
                names[i].0 = with_suffix(&names[i].0, s.method, s.path, budget);
            }
        }
    }
    // A hash collision is all that can remain; number those rather than fail.
    let mut seen: HashMap<String, usize> = HashMap::new();
    names
        .into_iter()
        .map(|(name, _)| {
            let count = seen.entry(name.clone()).or_insert(0);
            *count += 1;
            if *count == 1 {
                name
            } else {
                format!("{}{}", &name[..name.len().min(budget - 3)], count)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src<'a>(id: Option<&'a str>, method: Method, path: &'a str) -> NameSource<'a> {
        NameSource {
            operation_id: id,
            method,
            path,
            chosen: None,
            locked: None,
        }
    }

    #[test]
    fn derives_names_from_method_and_path() {
        assert_eq!(
            derived(Method::Get, "/orders/{orderId}/items"),
            "get_orders_orderId_items"
        );
        assert_eq!(derived(Method::Get, "/"), "get");
        assert_eq!(derived(Method::Post, "/v1/a.b/{x-y}"), "post_v1_a_b_x-y");
    }

    #[test]
    fn valid_operation_ids_are_kept_and_others_cleaned() {
        let names = assign(
            &[
                src(Some("listOrders"), Method::Get, "/orders"),
                src(Some("orders.get by id"), Method::Get, "/orders/{id}"),
                src(None, Method::Get, "/health"),
            ],
            64,
        );
        assert_eq!(names, ["listOrders", "orders_get_by_id", "get_health"]);
    }

    #[test]
    fn long_names_keep_their_start_and_end_in_a_stable_hash() {
        let long = "a".repeat(80);
        let names = assign(&[src(Some(&long), Method::Get, "/x")], 64);
        assert_eq!(names[0].len(), 64);
        assert!(names[0].starts_with(&"a".repeat(57)));
        assert_eq!(&names[0][58..], operation_hash(Method::Get, "/x"));
        // A shorter budget gives a shorter name with the same suffix.
        let short = assign(&[src(Some(&long), Method::Get, "/x")], 30);
        assert_eq!(short[0].len(), 30);
        assert!(short[0].ends_with(&operation_hash(Method::Get, "/x")));
    }

    #[test]
    fn collisions_suffix_the_altered_name_and_keep_the_exact_one() {
        let names = assign(
            &[
                src(Some("orders.archive"), Method::Post, "/orders/archive"),
                src(Some("orders_archive"), Method::Post, "/orders/{id}/archive"),
            ],
            64,
        );
        assert_eq!(names[1], "orders_archive");
        assert_eq!(
            names[0],
            format!(
                "orders_archive_{}",
                operation_hash(Method::Post, "/orders/archive")
            )
        );
    }

    #[test]
    fn adding_or_reordering_operations_renames_nothing() {
        let long = "x".repeat(70);
        let a = [
            src(Some("listOrders"), Method::Get, "/orders"),
            src(None, Method::Get, "/orders/{id}"),
            src(Some(&long), Method::Delete, "/orders/{id}"),
        ];
        let before = assign(&a, 64);
        let b = [
            src(None, Method::Put, "/orders/{id}"),
            src(Some(&long), Method::Delete, "/orders/{id}"),
            src(Some("createOrder"), Method::Post, "/orders"),
            src(None, Method::Get, "/orders/{id}"),
            src(Some("listOrders"), Method::Get, "/orders"),
        ];
        let after = assign(&b, 64);
        assert_eq!(after[4], before[0]);
        assert_eq!(after[3], before[1]);
        assert_eq!(after[1], before[2]);
    }

    #[test]
    fn chosen_and_locked_names_win_over_later_operations() {
        let mut old = src(Some("orders.get"), Method::Get, "/orders/{id}");
        assert_eq!(assign(&[old], 64), ["orders_get"]);
        // An operation added later whose operationId is exactly that name gives way.
        old = src(Some("orders.get"), Method::Get, "/orders/{id}");
        old.locked = Some("orders_get");
        let names = assign(
            &[src(Some("orders_get"), Method::Get, "/v2/orders/{id}"), old],
            64,
        );
        assert_eq!(names[1], "orders_get");
        assert_eq!(
            names[0],
            format!(
                "orders_get_{}",
                operation_hash(Method::Get, "/v2/orders/{id}")
            )
        );
        // A chosen name beats a locked one.
        let mut renamed = src(Some("listOrders"), Method::Get, "/orders");
        renamed.chosen = Some("find_orders");
        renamed.locked = Some("listOrders");
        let mut taker = src(None, Method::Get, "/find");
        taker.locked = Some("find_orders");
        let names = assign(&[taker, renamed], 64);
        assert_eq!(names[1], "find_orders");
        assert_eq!(names[0], "get_find");
        // A locked name longer than a new budget is derived again.
        let mut long = src(Some("abcdefghijklmnopqrstuvwxyz"), Method::Get, "/a");
        long.locked = Some("abcdefghijklmnopqrstuvwxyz");
        assert_eq!(assign(&[long], 20)[0].len(), 20);
    }
}
