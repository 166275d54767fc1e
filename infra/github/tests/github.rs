//! The GitHub poster against `FakeGitHub`: a local HTTP fake of GitHub's issue-comment API on
//! 127.0.0.1 (no emulator covers GitHub, and the real API needs a token and a repository). It
//! keeps comments in memory and can answer every request with an error status.

use std::sync::{Arc, Mutex};

use sdlf_cicd::review::{MARKER, Posted, post_plan};
use sdlf_github::GitHub;
use sdlf_testkit::http::{FakeHttp, Request, Response};
use serde_json::{Value, json};

const TOKEN: &str = "ghp_secret_token_value";
const JSON: &str = "application/json";

#[derive(Default)]
struct State {
    /// (id, body, author's login).
    comments: Vec<(u64, String, &'static str)>,
    /// Answer everything with this status and message.
    fail: Option<(u16, &'static str)>,
    /// `METHOD path` of every request, and whether it carried the token.
    seen: Vec<(String, bool)>,
}

struct FakeGitHub {
    url: String,
    state: Arc<Mutex<State>>,
}

impl FakeGitHub {
    fn start() -> FakeGitHub {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let http = FakeHttp::start(move |request| answer(&mut shared.lock().unwrap(), request));
        FakeGitHub { url: http.url, state }
    }

    fn client(&self, number: u64) -> GitHub {
        GitHub::new(&self.url, "acme/lake", number, TOKEN.into())
    }
}

fn answer(state: &mut State, request: &Request) -> Response {
    let (method, path) = (request.method.as_str(), request.path());
    let authorized = request.headers.get("authorization").is_some_and(|a| *a == format!("Bearer {TOKEN}"));
    state.seen.push((format!("{method} {path}"), authorized));
    if let Some((status, message)) = state.fail {
        return (status, JSON, json!({ "message": message }).to_string());
    }
    let body = request.json();
    match (method, path) {
        ("GET", "/user") => (200, JSON, json!({"login": "sdlf-bot"}).to_string()),
        ("GET", "/repos/acme/lake/issues/7/comments") => {
            let page: usize = request.target.split("page=").last().and_then(|p| p.parse().ok()).unwrap_or(1);
            let all: Vec<Value> = state
                .comments
                .iter()
                .map(|(id, b, user)| json!({"id": id, "body": b, "user": {"login": user}}))
                .collect();
            let start = (page - 1) * 100;
            (200, JSON, Value::Array(all.into_iter().skip(start).take(100).collect()).to_string())
        }
        ("POST", "/repos/acme/lake/issues/7/comments") => {
            let id = 1000 + state.comments.len() as u64;
            state.comments.push((id, body["body"].as_str().unwrap().to_owned(), "sdlf-bot"));
            (201, JSON, json!({"id": id, "body": body["body"]}).to_string())
        }
        ("PATCH", p) if p.starts_with("/repos/acme/lake/issues/comments/") => {
            let id: u64 = p.rsplit('/').next().unwrap().parse().unwrap();
            let text = body["body"].as_str().unwrap().to_owned();
            match state.comments.iter_mut().find(|(i, _, _)| *i == id) {
                Some(comment) => {
                    comment.1 = text;
                    (200, JSON, json!({"id": id, "body": comment.1}).to_string())
                }
                None => (404, JSON, json!({"message": "Not Found"}).to_string()),
            }
        }
        _ => (404, JSON, json!({"message": "Not Found"}).to_string()),
    }
}

#[tokio::test]
async fn the_first_run_creates_the_comment_and_the_second_updates_the_same_one() {
    let github = FakeGitHub::start();
    // A pull request with more than one page of comments, none of them ours.
    let mut comments: Vec<(u64, String, &str)> = (0..150).map(|i| (i, format!("review {i}"), "reviewer")).collect();
    // Someone else's comment with the marker: not the plan comment, and never edited.
    comments.push((150, format!("{MARKER}\nplanted"), "mallory"));
    github.state.lock().unwrap().comments = comments;
    let pr = github.client(7);

    let first = post_plan(&pr, "## sdlf plan\n\nno changes\n").await.unwrap();
    assert_eq!(first, Posted::Created("1151".into()));
    let second = post_plan(&pr, "## sdlf plan\n\n1 to add\n").await.unwrap();
    assert_eq!(second, Posted::Updated("1151".into()));

    let state = github.state.lock().unwrap();
    assert_eq!(state.comments.len(), 152, "one plan comment, updated in place");
    assert_eq!(state.comments[151].1, format!("{MARKER}\n## sdlf plan\n\n1 to add\n"));
    assert_eq!(state.comments[150].1, format!("{MARKER}\nplanted"), "the planted one is left alone");
    assert!(state.seen.iter().all(|(_, authorized)| *authorized), "every request carries the token");
    let patches = state.seen.iter().filter(|(r, _)| r == "PATCH /repos/acme/lake/issues/comments/1151").count();
    assert_eq!(patches, 1);
}

#[tokio::test]
async fn error_answers_name_the_pull_request_and_what_to_do_and_never_the_token() {
    let cases: [(u16, &str, &str); 4] = [
        (401, "Bad credentials", "GitHub refused the token (401: Bad credentials)"),
        (403, "Resource not accessible by integration", "needs write access to the pull requests of acme/lake"),
        (404, "Not Found", "check the repository and the pull request number"),
        (422, "Validation Failed", "GitHub rejected the comment (422: Validation Failed)"),
    ];
    for (status, message, says) in cases {
        let github = FakeGitHub::start();
        github.state.lock().unwrap().fail = Some((status, message));
        let error = post_plan(&github.client(7), "plan").await.unwrap_err();
        let text = error.to_string();
        // 401 and 422 already stop the first call (who the token is); 403 and 404 there mean
        // an App's token, so the listing is what fails.
        let call = if matches!(status, 403 | 404) { "listing the comments" } else { "finding who the token posts as" };
        assert!(text.starts_with(&format!("acme/lake#7: {call} failed: ")), "{text}");
        assert!(text.contains(says), "{status}: {text}");
        assert!(!text.contains(TOKEN) && !format!("{:?}", github.client(7)).contains(TOKEN), "{text}");
    }
}

#[tokio::test]
async fn an_unreachable_api_says_where_it_tried() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let error = post_plan(&GitHub::new(&url, "acme/lake", 7, TOKEN.into()), "plan").await.unwrap_err();
    assert!(error.to_string().contains(&format!("cannot reach {url}")), "{error}");
}
