//! Keeping credentials out of what the model sees: every credential value a request carried is
//! replaced in the texts of its result.

use crate::response::{Part, ToolOutput};

/// Replaces every credential value in `text`.
pub(crate) fn scrub(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(s.as_str(), "[redacted]");
    }
    text
}

/// [`scrub`] over every text part of a result.
pub(crate) fn scrub_output(mut output: ToolOutput, secrets: &[String]) -> ToolOutput {
    for part in &mut output.parts {
        if let Part::Text(t) = part {
            *t = scrub(t, secrets);
        }
    }
    output
}
