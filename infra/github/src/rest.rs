//! One JSON request to a Git host's REST API, with its headers; the token is one of them and
//! never part of an error.

use std::time::Duration;

use serde_json::Value;
use ureq::Agent;

/// A host's API at `api`, with the headers every request carries.
pub(crate) struct Rest {
    pub(crate) api: String,
    headers: Vec<(&'static str, String)>,
    agent: Agent,
}

impl Rest {
    pub(crate) fn new(api: &str, headers: Vec<(&'static str, String)>) -> Rest {
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Rest { api: api.trim_end_matches('/').to_owned(), headers, agent }
    }

    /// The status and the JSON answer (`null` when it is not JSON); an error, saying where,
    /// only when the host is not reached.
    pub(crate) fn request(&self, method: &str, path: &str, body: Option<Value>) -> Result<(u16, Value), String> {
        let url = format!("{}{path}", self.api);
        let sent = match method {
            "GET" => self.headers.iter().fold(self.agent.get(&url), |r, (k, v)| r.header(*k, v)).call(),
            _ => {
                let request = match method {
                    "POST" => self.agent.post(&url),
                    "PUT" => self.agent.put(&url),
                    _ => self.agent.patch(&url),
                };
                let request = self.headers.iter().fold(request, |r, (k, v)| r.header(*k, v));
                request.header("Content-Type", "application/json").send(body.unwrap_or(Value::Null).to_string())
            }
        };
        let mut response = sent.map_err(|e| format!("cannot reach {}: {e}", self.api))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }
}
