//! The CodeCommit plan poster against `FakeCodeCommit`: an in-memory fake of CodeCommit's three
//! comment calls (GetCommentsForPullRequest, PostCommentForPullRequest, UpdateComment) behind
//! a local HTTP endpoint speaking the service's JSON protocol. No emulator implements them
//! (MiniStack has no CodeCommit pull requests), so the SDK's real requests go to this fake.

use std::sync::{Arc, Mutex};

use sdlf_aws::{CodeCommitPullRequest, Target};
use sdlf_cicd::review::{MARKER, Posted, post_plan};
use sdlf_testkit::http::{FakeHttp, Request, Response};
use serde_json::json;

const JSON: &str = "application/x-amz-json-1.1";

#[derive(Default)]
struct FakeCodeCommit {
    /// (comment id, content, author ARN): the first page holds the first two.
    comments: Vec<(String, String, String)>,
    /// The ARN new comments are written by: the build's role in the session of this build.
    caller: String,
    /// The commit pair each new comment was posted on.
    posted_on: Vec<(String, String)>,
    fail: bool,
}

fn answer(state: &mut FakeCodeCommit, request: &Request) -> Response {
    let operation = request.headers.get("x-amz-target").cloned().unwrap_or_default();
    let input = request.json();
    if state.fail {
        let error = json!({"__type": "PullRequestDoesNotExistException", "message": "no such pull request"});
        return (400, JSON, error.to_string());
    }
    let comment = |(id, content, author): &(String, String, String)| json!({"commentId": id, "content": content, "authorArn": author});
    let answer = match operation.rsplit('.').next().unwrap_or_default() {
        "GetCommentsForPullRequest"
            if input.get("repositoryName").is_some() && input.get("afterCommitId").is_none() =>
        {
            // As the service: a repository name needs the commit pair.
            let error = json!({"__type": "CommitIdRequiredException", "message": "A commit ID is required."});
            return (400, JSON, error.to_string());
        }
        "GetCommentsForPullRequest" => {
            let (page, next) = match input["nextToken"].as_str() {
                None => (&state.comments[..state.comments.len().min(2)], Some("2")),
                Some(_) => (&state.comments[state.comments.len().min(2)..], None),
            };
            let data = json!([{"comments": page.iter().map(comment).collect::<Vec<_>>()}]);
            json!({"commentsForPullRequestData": data, "nextToken": next})
        }
        "PostCommentForPullRequest" => {
            let id = format!("c{}", state.comments.len() + 1);
            let content = input["content"].as_str().unwrap_or_default().to_owned();
            state.comments.push((id.clone(), content, state.caller.clone()));
            let pair = (
                input["beforeCommitId"].as_str().unwrap_or_default(),
                input["afterCommitId"].as_str().unwrap_or_default(),
            );
            state.posted_on.push((pair.0.to_owned(), pair.1.to_owned()));
            json!({"comment": comment(state.comments.last().unwrap())})
        }
        "UpdateComment" => {
            let id = input["commentId"].as_str().unwrap_or_default();
            let found = state.comments.iter_mut().find(|(i, _, _)| i == id).expect("an existing comment");
            // As the service: only the author may update a comment.
            if found.2 != state.caller && !found.2.starts_with(&session_free(&state.caller)) {
                let error = json!({"__type": "CommentNotCreatedByCallerException", "message": "not yours"});
                return (400, JSON, error.to_string());
            }
            found.1 = input["content"].as_str().unwrap_or_default().to_owned();
            json!({"comment": comment(found)})
        }
        other => panic!("unexpected call {other}"),
    };
    (200, JSON, answer.to_string())
}

/// `…:assumed-role/review/build-1` → `…:assumed-role/review/`.
fn session_free(arn: &str) -> String {
    arn.rsplit_once('/').map_or(arn.to_owned(), |(role, _)| format!("{role}/"))
}

fn start(state: FakeCodeCommit) -> (String, Arc<Mutex<FakeCodeCommit>>) {
    let state = Arc::new(Mutex::new(state));
    let shared = state.clone();
    (FakeHttp::start(move |request| answer(&mut shared.lock().unwrap(), request)).url, state)
}

const ROLE: &str = "arn:aws:sts::000000000000:assumed-role/sdlf-review";

fn pull_request<'a>(codecommit: &'a sdlf_aws::CodeCommit, after: &str, build: u32) -> CodeCommitPullRequest<'a> {
    CodeCommitPullRequest {
        codecommit,
        repository: "lake".into(),
        pull_request_id: "7".into(),
        before_commit: "main-1".into(),
        after_commit: after.into(),
        poster: Some(format!("{ROLE}/build-{build}")),
    }
}

#[tokio::test]
async fn the_plan_comment_is_posted_once_then_updated_after_a_push() {
    let mallory = "arn:aws:iam::000000000000:user/mallory".to_owned();
    let reviews = vec![
        ("c1".to_owned(), "looks fine".to_owned(), mallory.clone()),
        // Someone else's comment with the marker: not the plan comment.
        ("c2".to_owned(), format!("{MARKER}\nplanted"), mallory),
    ];
    let caller = format!("{ROLE}/build-1");
    let (url, state) = start(FakeCodeCommit { comments: reviews, caller, ..FakeCodeCommit::default() });
    let conn = sdlf_aws::connect(&Target::emulator(&url)).await;

    let first = post_plan(&pull_request(&conn.codecommit, "feature-1", 1), "plan 1").await.unwrap();
    assert_eq!(first, Posted::Created("c3".into()));
    // A push: a new build (another role session) and another commit pair; the earlier comment
    // (on page two) is found and updated.
    state.lock().unwrap().caller = format!("{ROLE}/build-2");
    let second = post_plan(&pull_request(&conn.codecommit, "feature-2", 2), "plan 2").await.unwrap();
    assert_eq!(second, Posted::Updated("c3".into()));

    let state = state.lock().unwrap();
    assert_eq!(state.comments.len(), 3);
    assert_eq!(state.comments[2].1, format!("{MARKER}\nplan 2"));
    assert_eq!(state.comments[1].1, format!("{MARKER}\nplanted"));
    assert_eq!(state.posted_on, [("main-1".to_owned(), "feature-1".to_owned())]);
}

#[tokio::test]
async fn a_refused_call_names_the_pull_request_and_the_operation() {
    let (url, _) = start(FakeCodeCommit { fail: true, ..FakeCodeCommit::default() });
    let conn = sdlf_aws::connect(&Target::emulator(&url)).await;
    let error = post_plan(&pull_request(&conn.codecommit, "feature-1", 1), "plan").await.unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with("lake pull request 7: GetCommentsForPullRequest failed: "), "{text}");
    assert!(text.contains("no such pull request"), "{text}");
}
