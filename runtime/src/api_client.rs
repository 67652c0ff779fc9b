//! The HTTP client towards the API, built on a thread of its own while the connector starts.
//! Building it loads the system's trusted certificates, which takes milliseconds (parsing every
//! PEM file) that answering `initialize` and the first `tools/list` need not wait for; the first
//! request to the API waits for it if it is not ready yet.

use std::sync::{Arc, OnceLock};

/// A shared handle on the client; clones share it.
#[derive(Clone)]
pub(crate) struct ApiClient {
    built: Arc<OnceLock<Result<reqwest::Client, String>>>,
    user_agent: Arc<str>,
}

impl ApiClient {
    /// Starts building the client (its requests say `user_agent`) in the background.
    pub(crate) fn start(user_agent: String) -> ApiClient {
        let client = ApiClient {
            built: Arc::new(OnceLock::new()),
            user_agent: user_agent.into(),
        };
        let background = client.clone();
        // Should no thread start, the first request builds it.
        let _ = std::thread::Builder::new()
            .name("api-client".into())
            .spawn(move || {
                let _ = background.get();
            });
        client
    }

    /// The client, once built; the error says why it could not be.
    pub(crate) fn get(&self) -> Result<&reqwest::Client, String> {
        self.built
            .get_or_init(|| {
                reqwest::Client::builder()
                    // Without it, headers and body in separate writes wait for the peer's
                    // delayed ACK.
                    .tcp_nodelay(true)
                    .redirect(same_origin_redirects())
                    .user_agent(&*self.user_agent)
                    .build()
                    .map_err(|e| format!("cannot build the HTTP client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Redirects are followed only within the origin of the request (credentials must not travel on).
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.follow();
        };
        let same = first.origin() == attempt.url().origin();
        if attempt.previous().len() > 5 || !same {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}
