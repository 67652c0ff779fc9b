//! Ranked text search over a connector's operations, for catalog mode: BM25 (Robertson and
//! Zaragoza's Okapi weighting, k1 = 1.2, b = 0.75) over each operation's name, title, tags, path,
//! parameter names and description, each field weighted by how much it says about the
//! operation. Words are split at case changes, digits and punctuation (`listPullRequests`,
//! `pulls_list`, `/repos/{owner}/pulls` all give `pull`), lowercased and lightly stemmed, and the
//! method adds the verbs a person uses for it ("create" finds a POST).

use std::collections::HashMap;

use crate::table::{Connector, Method, Tool};

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// How much a word in each field counts.
const NAME: f64 = 3.0;
const TITLE: f64 = 3.0;
const TAGS: f64 = 2.0;
const PATH: f64 = 1.5;
const VERBS: f64 = 1.0;
const PARAMS: f64 = 0.75;
const DESCRIPTION: f64 = 0.5;

/// Words that say nothing about an operation.
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "of", "for", "to", "in", "on", "by", "with", "and", "or", "from", "my", "me",
    "all", "is", "are", "be", "this", "that", "it", "its", "at", "as", "into", "via", "using",
    "which", "i", "we", "you", "your", "our", "do", "does", "how", "can", "please", "some",
];

/// The index of one connector's operations, built once.
pub(crate) struct SearchIndex {
    /// Per operation: weighted term frequencies and weighted length.
    docs: Vec<(HashMap<String, f64>, f64)>,
    /// Per term: in how many operations it appears.
    document_frequency: HashMap<String, usize>,
    average_length: f64,
}

/// One hit: the operation's index in the table and its score.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub(crate) tool: usize,
    pub(crate) score: f64,
}

impl SearchIndex {
    pub(crate) fn build(connector: &Connector) -> SearchIndex {
        let docs: Vec<(HashMap<String, f64>, f64)> = connector.tools.iter().map(document).collect();
        let mut document_frequency: HashMap<String, usize> = HashMap::new();
        for (terms, _) in &docs {
            for term in terms.keys() {
                *document_frequency.entry(term.clone()).or_default() += 1;
            }
        }
        let average_length =
            docs.iter().map(|(_, len)| len).sum::<f64>() / docs.len().max(1) as f64;
        SearchIndex {
            docs,
            document_frequency,
            average_length,
        }
    }

    /// The best `limit` operations for `query` among those `allowed` keeps, best first; ties
    /// keep table order.
    pub(crate) fn search(
        &self,
        query: &str,
        limit: usize,
        allowed: impl Fn(usize) -> bool,
    ) -> Vec<Hit> {
        let terms = words(query);
        let n = self.docs.len() as f64;
        let mut hits: Vec<Hit> = self
            .docs
            .iter()
            .enumerate()
            .filter(|(i, _)| allowed(*i))
            .filter_map(|(i, (tf, len))| {
                let score: f64 = terms
                    .iter()
                    .filter_map(|t| {
                        let f = *tf.get(t)?;
                        let df = *self.document_frequency.get(t)? as f64;
                        let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                        let norm = K1 * (1.0 - B + B * len / self.average_length.max(1.0));
                        Some(idf * f * (K1 + 1.0) / (f + norm))
                    })
                    .sum();
                (score > 0.0).then_some(Hit { tool: i, score })
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.tool.cmp(&b.tool)));
        hits.truncate(limit);
        hits
    }
}

/// An operation's weighted terms and weighted length. In the short fields a word counts once,
/// so a name that repeats its resource (`GetCustomersCustomerSources`) does not outweigh the
/// operation that is about that resource.
fn document(tool: &Tool) -> (HashMap<String, f64>, f64) {
    let mut terms: HashMap<String, f64> = HashMap::new();
    let mut length = 0.0;
    let mut add = |text: &str, weight: f64, once: bool| {
        let mut seen: Vec<String> = Vec::new();
        for word in words(text) {
            if once {
                if seen.contains(&word) {
                    continue;
                }
                seen.push(word.clone());
            }
            *terms.entry(word).or_default() += weight;
            length += weight;
        }
    };
    add(tool.name, NAME, true);
    add(tool.title.unwrap_or_default(), TITLE, true);
    add(&tool.tags.join(" "), TAGS, true);
    // `{customer}` names a value, not a resource.
    let resources: Vec<&str> = tool
        .path
        .split('/')
        .filter(|s| !s.starts_with('{'))
        .collect();
    add(&resources.join(" "), PATH, true);
    add(verbs(tool), VERBS, true);
    for param in tool.params {
        add(param.name, PARAMS, true);
    }
    // The first paragraph says what the operation is; the rest is detail that drowns it.
    let description = tool.description.split("\n\n").next().unwrap_or_default();
    add(description, DESCRIPTION, false);
    (terms, length)
}

/// The verbs a person uses for what an operation does: reading a collection is listing it,
/// reading one item getting it; posting to a collection creates, posting to an item (as some
/// APIs update) changes it.
fn verbs(tool: &Tool) -> &'static str {
    let item = tool.path.trim_end_matches('/').ends_with('}');
    match (tool.method, item) {
        (Method::Get | Method::Head, false) => "list all find search browse",
        (Method::Get | Method::Head, true) => "get show fetch read retrieve view one",
        (Method::Post, false) => "create add new make submit send start",
        (Method::Post, true) => "update edit modify change set",
        (Method::Put, _) => "update replace set put",
        (Method::Patch, _) => "update edit modify change patch",
        (Method::Delete, _) => "delete remove destroy cancel",
        (Method::Options | Method::Trace, _) => "",
    }
}

/// Short forms that mean the same as a longer word, in both operations and questions.
const SAME_AS: &[(&str, &str)] = &[
    ("repo", "repository"),
    ("org", "organization"),
    ("orgs", "organization"),
    ("config", "configuration"),
    ("env", "environment"),
    ("msg", "message"),
    ("info", "information"),
    ("stats", "statistic"),
];

/// The words of `text`, split at punctuation, case changes and digits, lowercased, stemmed,
/// stop words dropped.
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    let flush = |current: &mut String, out: &mut Vec<String>| {
        if !current.is_empty() {
            let lower = current.to_lowercase();
            let full = SAME_AS
                .iter()
                .find(|(short, _)| *short == lower)
                .map_or(lower.as_str(), |(_, long)| long);
            let word = stem(full);
            if !STOP_WORDS.contains(&word.as_str()) {
                out.push(word);
            }
            current.clear();
        }
    };
    for c in text.chars() {
        if !c.is_alphanumeric() {
            flush(&mut current, &mut out);
            previous = None;
            continue;
        }
        let boundary = match previous {
            Some(p) => {
                (p.is_lowercase() && c.is_uppercase())
                    || (p.is_alphabetic() && c.is_numeric())
                    || (p.is_numeric() && c.is_alphabetic())
            }
            None => false,
        };
        if boundary {
            flush(&mut current, &mut out);
        }
        current.push(c);
        previous = Some(c);
    }
    flush(&mut current, &mut out);
    out
}

/// A light stemmer: plurals, the commonest verb endings and a final `e`, enough that "pulls",
/// "pull" and "pulling", or "create", "creates" and "created" meet.
fn stem(word: &str) -> String {
    if word.chars().count() <= 3 || !word.is_ascii() {
        return word.to_string();
    }
    let base = if let Some(base) = word.strip_suffix("ies") {
        format!("{base}y")
    } else if let Some(base) = ["sses", "xes", "ches", "shes"].iter().find_map(|s| {
        word.strip_suffix(s)
            .map(|b| format!("{b}{}", &s[..s.len() - 2]))
    }) {
        base
    } else if word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        word[..word.len() - 1].to_string()
    } else if word.len() > 5 && word.ends_with("ing") {
        word[..word.len() - 3].to_string()
    } else if word.len() > 4 && word.ends_with("ed") {
        word[..word.len() - 2].to_string()
    } else {
        word.to_string()
    };
    match base.strip_suffix('e') {
        Some(stripped) if base.len() > 4 => stripped.to_string(),
        _ => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_case_digits_and_punctuation() {
        assert_eq!(
            words("listPullRequests /repos/{owner}/pulls_list v3API"),
            [
                "list", "pull", "request", "repo", "owner", "pull", "list", "v", "3", "api"
            ]
        );
        assert_eq!(
            words("the branches of my repositories"),
            ["branch", "repository"]
        );
        assert_eq!(words("Creating addresses"), ["creat", "address"]);
        assert_eq!(words("create created creates"), ["creat", "creat", "creat"]);
        assert_eq!(words("issue issues"), ["issu", "issu"]);
    }
}
