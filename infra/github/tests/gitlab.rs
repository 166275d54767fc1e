//! The GitLab poster against `FakeGitLab`: a local HTTP fake of GitLab's merge-request notes
//! API on 127.0.0.1 (no emulator covers GitLab, and the real API needs a token and a project).
//! It keeps notes in memory, adds a system note as GitLab does, and can answer every request
//! with an error status.

use std::sync::{Arc, Mutex};

use sdlf_cicd::review::{MARKER, Posted, post_plan};
use sdlf_github::GitLab;
use sdlf_testkit::http::{FakeHttp, Request, Response};
use serde_json::{Value, json};

const TOKEN: &str = "glpat-secret-token-value";
const JSON: &str = "application/json";
const NOTES: &str = "/projects/acme%2Fdata%2Flake/merge_requests/12/notes";

#[derive(Default)]
struct State {
    /// (id, body, author's username, whether GitLab wrote it).
    notes: Vec<(u64, String, &'static str, bool)>,
    fail: Option<(u16, &'static str)>,
    /// `METHOD path` of every request, and whether it carried the token.
    seen: Vec<(String, bool)>,
}

struct FakeGitLab {
    url: String,
    state: Arc<Mutex<State>>,
}

impl FakeGitLab {
    fn start() -> FakeGitLab {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let http = FakeHttp::start(move |request| answer(&mut shared.lock().unwrap(), request));
        FakeGitLab { url: http.url, state }
    }

    fn client(&self) -> GitLab {
        GitLab::new(&self.url, "acme/data/lake", 12, TOKEN.into())
    }
}

fn note_json((id, body, user, system): &(u64, String, &str, bool)) -> Value {
    json!({"id": id, "body": body, "author": {"username": user}, "system": system})
}

fn answer(state: &mut State, request: &Request) -> Response {
    let (method, path) = (request.method.as_str(), request.path());
    let authorized = request.headers.get("private-token").is_some_and(|t| t == TOKEN);
    state.seen.push((format!("{method} {path}"), authorized));
    if let Some((status, message)) = state.fail {
        return (status, JSON, json!({ "message": message }).to_string());
    }
    let body = request.json();
    match (method, path) {
        ("GET", "/user") => (200, JSON, json!({"username": "sdlf-bot"}).to_string()),
        ("GET", NOTES) => {
            assert!(request.target.contains("sort=asc"), "oldest first: {}", request.target);
            let page: usize = request.target.split("page=").last().and_then(|p| p.parse().ok()).unwrap_or(1);
            let all: Vec<Value> = state.notes.iter().map(note_json).collect();
            (200, JSON, Value::Array(all.into_iter().skip((page - 1) * 100).take(100).collect()).to_string())
        }
        ("POST", NOTES) => {
            let note = (500 + state.notes.len() as u64, body["body"].as_str().unwrap().to_owned(), "sdlf-bot", false);
            state.notes.push(note.clone());
            (201, JSON, note_json(&note).to_string())
        }
        ("PUT", p) if p.starts_with(&format!("{NOTES}/")) => {
            let id: u64 = p.rsplit('/').next().unwrap().parse().unwrap();
            match state.notes.iter_mut().find(|n| n.0 == id) {
                Some(note) => {
                    note.1 = body["body"].as_str().unwrap().to_owned();
                    (200, JSON, note_json(note).to_string())
                }
                None => (404, JSON, json!({"message": "404 Not found"}).to_string()),
            }
        }
        _ => (404, JSON, json!({"message": "404 Not found"}).to_string()),
    }
}

#[tokio::test]
async fn the_first_run_creates_the_note_and_the_second_updates_the_same_one() {
    let gitlab = FakeGitLab::start();
    let mut notes: Vec<(u64, String, &str, bool)> =
        (0..120).map(|i| (i, format!("review {i}"), "reviewer", false)).collect();
    // GitLab's own note and someone else's marked note: neither is the plan note.
    notes.push((120, format!("{MARKER}\nadded 1 commit"), "sdlf-bot", true));
    notes.push((121, format!("{MARKER}\nplanted"), "mallory", false));
    gitlab.state.lock().unwrap().notes = notes;
    let mr = gitlab.client();

    assert_eq!(post_plan(&mr, "plan 1").await.unwrap(), Posted::Created("622".into()));
    assert_eq!(post_plan(&mr, "plan 2").await.unwrap(), Posted::Updated("622".into()));
    assert_eq!(post_plan(&mr, "plan 2").await.unwrap(), Posted::Unchanged("622".into()));

    let state = gitlab.state.lock().unwrap();
    assert_eq!(state.notes.len(), 123, "one plan note, updated in place");
    assert_eq!(state.notes[122].1, format!("{MARKER}\nplan 2"));
    assert_eq!(state.notes[121].1, format!("{MARKER}\nplanted"));
    assert!(state.seen.iter().all(|(_, authorized)| *authorized), "every request carries the token");
}

#[tokio::test]
async fn error_answers_name_the_merge_request_and_what_to_do_and_never_the_token() {
    let cases: [(u16, &str, &str); 4] = [
        (401, "401 Unauthorized", "GitLab refused the token (401: 401 Unauthorized)"),
        (403, "403 Forbidden", "it needs the api scope and Reporter access to acme/data/lake"),
        (404, "404 Not found", "check the project path and the merge request number"),
        (400, "body is too long", "GitLab rejected the note (400: body is too long)"),
    ];
    for (status, message, says) in cases {
        let gitlab = FakeGitLab::start();
        gitlab.state.lock().unwrap().fail = Some((status, message));
        let text = post_plan(&gitlab.client(), "plan").await.unwrap_err().to_string();
        assert!(text.starts_with("acme/data/lake!12: finding who the token posts as failed: "), "{text}");
        assert!(text.contains(says), "{status}: {text}");
        assert!(!text.contains(TOKEN) && !format!("{:?}", gitlab.client()).contains(TOKEN), "{text}");
    }
}
