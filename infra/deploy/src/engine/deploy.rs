//! `sdlf deploy`: stacks in waves (a stack after the stacks it imports from, independent
//! stacks concurrently), each through a change set — or not at all when nothing changed.
//!
//! Per stack: settle what is there (wait for someone else's operation, delete a failed first
//! create or an unexecuted change-set stack), skip it if template, parameters, tags and
//! protection are unchanged and no dependency changed, wait for another deploy's change set,
//! upload its assets, create a change set of this run's own, show the plan, refuse data loss
//! (counting the messages of queues it would replace or delete), ask, execute, follow the
//! events, and report the outcome with each failed resource's reason once.
//!
//! Concurrent runs: each run names its change sets after itself and only ever deletes or
//! executes those. When another run got there first (its change set was executed, the stack
//! appeared or became busy), the stack is started again from what is deployed then.
//!
//! Ctrl-C: a stack not yet started is left alone; one whose change set is being made or
//! reviewed has it deleted; an executing update is cancelled (CancelUpdateStack) and followed
//! through its rollback; a create, which cannot be cancelled, is followed to its end. A second
//! press stops following. Every stack's result then says what it was left as.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use sdlf_cfn_types::Registry;
use sdlf_diff::TemplateDiff;
use sdlf_lake::assets::Asset;
use sdlf_lake::output::{EnvironmentOutput, StackOutput};
use tokio::sync::Semaphore;

use super::EngineError;
use super::diff::{Upload, declared_parameters, parse_deployed, parse_synthesized, template_source};
use super::wait;
use crate::api::{ApiError, ChangeSetRequest, ChangeSetState, DeployedStack, Objects, Queues, StackEvent, Stacks};
use crate::guard::{self, DataLossRefused, QueueCount};
use crate::naming::change_set_name;
use crate::rivals;
use crate::select::{nodes, waves};
use crate::skip::{self, Decision, StackShape};
use crate::status::{Outcome, Readiness};

/// How a deploy behaves.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// Stacks deployed at the same time, at most.
    pub concurrency: usize,
    /// Proceed without asking (CI); without it and without a terminal, nothing is executed.
    pub yes: bool,
    /// A person can be asked (stdin and stdout are terminals).
    pub interactive: bool,
    /// Resources whose data may be lost (`--allow-replace`), by logical id.
    pub allow_replace: Vec<String>,
    /// Fail at once when a stack is busy with someone else's operation, instead of waiting.
    pub no_wait: bool,
    /// Stacks that get termination protection (the foundations in real accounts).
    pub protect: BTreeSet<String>,
    /// For the commands in advice.
    pub region: String,
    /// The role CloudFormation deploys with (`--role-arn`).
    pub role_arn: Option<String>,
    /// This run's id ([`crate::naming::new_run_id`]): its change sets carry it.
    pub run_id: String,
    /// Values of template parameters given by the deploy (the emulator's endpoint for the
    /// `local` environment's functions); each stack gets those its template declares.
    pub parameters: BTreeMap<String, String>,
}

/// The bytes of an asset, to upload it.
pub trait AssetBytes: Sync {
    fn bytes(&self, asset: &Asset) -> Result<Vec<u8>, String>;
}

/// What a deploy tells its user while it runs.
#[derive(Debug)]
pub enum Event<'a> {
    /// Waiting for an operation someone else started.
    Waiting {
        stack: &'a str,
        status: &'a str,
    },
    /// Waiting for another deploy's change sets on the stack to be executed or deleted.
    Rival {
        stack: &'a str,
        change_sets: &'a str,
    },
    /// Deleting a stack left by a failed first create or an unexecuted change set.
    CleaningUp {
        stack: &'a str,
        status: &'a str,
    },
    NoChanges {
        stack: &'a str,
    },
    AssetUploaded {
        stack: &'a str,
        key: &'a str,
    },
    Plan {
        stack: &'a str,
        diff: &'a TemplateDiff,
    },
    Executing {
        stack: &'a str,
        change_set: &'a str,
        resources: usize,
    },
    Resource {
        stack: &'a str,
        event: &'a StackEvent,
    },
    Finished {
        stack: &'a str,
        status: &'a str,
        outcome: Outcome,
    },
    /// A second Ctrl-C: the tool stops following; CloudFormation goes on.
    Detached {
        stack: &'a str,
    },
    /// The first Ctrl-C during an update: cancelling it.
    Cancelling {
        stack: &'a str,
    },
    /// The first Ctrl-C during a create, which cannot be cancelled: following it to its end.
    CannotCancel {
        stack: &'a str,
    },
}

/// The user's side of a deploy: progress output and questions.
pub trait Reporter: Sync {
    fn report(&self, event: Event<'_>);
    /// Asks a yes/no question; only called when [`DeployOptions::interactive`].
    fn confirm(&self, question: &str) -> bool;
}

/// Ctrl-C presses, counted by the command line's signal handler.
#[derive(Debug, Default)]
pub struct Interrupts(AtomicUsize);

impl Interrupts {
    pub fn press(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// How one stack's deploy ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackResult {
    NoChanges,
    Deployed,
    /// The operation failed; `reasons` are the failed resources' reasons, each once.
    Failed {
        status: String,
        reasons: Vec<String>,
        advice: Option<String>,
    },
    /// The change would lose data and was not executed.
    Refused(DataLossRefused),
    /// The user said no, or there was nobody to ask and no `--yes`.
    NotConfirmed {
        why: String,
    },
    /// Not attempted because a stack it depends on did not deploy.
    Blocked {
        dependency: String,
    },
    /// Followed no further after a second Ctrl-C; the operation goes on.
    Detached,
    /// Ctrl-C; `state` says what the stack was left as.
    Interrupted {
        state: String,
    },
    /// An API call or check failed before or while deploying.
    Error(String),
}

impl StackResult {
    pub fn is_success(&self) -> bool {
        matches!(self, StackResult::NoChanges | StackResult::Deployed)
    }
}

/// Everything the engine needs from outside.
pub struct Deployer<'a, S, O, Q, A, R> {
    pub stacks: &'a S,
    pub objects: &'a O,
    /// Counts the messages of a queue the change would replace or delete (the data-loss guard).
    pub queues: &'a Q,
    pub assets: &'a A,
    pub reporter: &'a R,
    pub interrupts: &'a Interrupts,
    pub options: DeployOptions,
}

impl<S: Stacks, O: Objects, Q: Queues, A: AssetBytes, R: Reporter> Deployer<'_, S, O, Q, A, R> {
    /// Deploys `selected` (names in deploy order) of `output`; `deployed` is what
    /// DescribeStacks listed. Returns each selected stack's result, in order.
    pub async fn deploy(
        &self,
        output: &EnvironmentOutput,
        selected: &[String],
        deployed: &BTreeMap<String, DeployedStack>,
    ) -> Vec<(String, StackResult)> {
        let nodes = nodes(output);
        let results: Mutex<BTreeMap<String, StackResult>> = Mutex::new(BTreeMap::new());
        // Stacks whose deploy changed something: their dependents must not be skipped.
        let changed: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
        let permits = Semaphore::new(self.options.concurrency.max(1));
        for wave in waves(&nodes, selected) {
            let jobs = wave.iter().map(|name| {
                let stack = output.stacks.iter().find(|s| &s.name == name).expect("selected from the output");
                let (results, changed, permits) = (&results, &changed, &permits);
                async move {
                    let blocked = {
                        let done = results.lock().unwrap_or_else(|p| p.into_inner());
                        stack.depends_on.iter().find(|d| done.get(*d).is_some_and(|r| !r.is_success())).cloned()
                    };
                    let result = match blocked {
                        _ if self.interrupted() => {
                            StackResult::Interrupted { state: "not started; left as it was".into() }
                        }
                        Some(dependency) => StackResult::Blocked { dependency },
                        None => {
                            let _permit = permits.acquire().await.expect("the semaphore is never closed");
                            let dependency_changed = {
                                let c = changed.lock().unwrap_or_else(|p| p.into_inner());
                                stack.depends_on.iter().any(|d| c.contains(d))
                            };
                            let r = self
                                .deploy_stack(output, stack, deployed.get(&stack.name), dependency_changed)
                                .await
                                .unwrap_or_else(|e| StackResult::Error(e.to_string()));
                            if r == StackResult::Deployed {
                                changed.lock().unwrap_or_else(|p| p.into_inner()).insert(stack.name.clone());
                            }
                            r
                        }
                    };
                    results.lock().unwrap_or_else(|p| p.into_inner()).insert(stack.name.clone(), result);
                }
            });
            futures_util::future::join_all(jobs).await;
        }
        let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
        selected.iter().map(|n| (n.clone(), results.remove(n).expect("every selected stack has a result"))).collect()
    }

    /// One stack; started again (from what is deployed then) when another deploy got there
    /// first, at most [`MAX_RESTARTS`] times.
    async fn deploy_stack(
        &self,
        output: &EnvironmentOutput,
        stack: &StackOutput,
        listed: Option<&DeployedStack>,
        dependency_changed: bool,
    ) -> Result<StackResult, EngineError> {
        let mut listed = listed.cloned();
        let mut restarts = 0;
        loop {
            match self.attempt(output, stack, listed.as_ref(), dependency_changed).await {
                Err(EngineError::Interrupted { state }) => return Ok(StackResult::Interrupted { state }),
                Err(e) if restarts < MAX_RESTARTS && is_overtaken(&e) => {
                    restarts += 1;
                    listed = self.stacks.describe(&stack.name).await?;
                }
                other => return other,
            }
        }
    }

    /// One try, in the order the module doc gives: settle, skip, change set, review,
    /// execute. Each step either hands the next what it needs or ends the deploy with a result.
    async fn attempt(
        &self,
        output: &EnvironmentOutput,
        stack: &StackOutput,
        listed: Option<&DeployedStack>,
        dependency_changed: bool,
    ) -> Result<StackResult, EngineError> {
        let name = stack.name.as_str();
        let (current, readiness) = match self.settle(name, listed).await? {
            ControlFlow::Continue(settled) => settled,
            ControlFlow::Break(result) => return Ok(result),
        };
        self.check_interrupt("not changed by this deploy")?;

        // One GetTemplate per deployed stack: the body decides skipping and feeds the diff.
        let deployed_body = match &current {
            Some(_) => Some(self.stacks.template(name).await?),
            None => None,
        };
        let protect = self.options.protect.contains(name);
        if let (Some(c), Some(body)) = (&current, &deployed_body)
            && unchanged(stack, c, body, readiness, protect, dependency_changed, &self.explicit_parameters(stack))
        {
            self.reporter.report(Event::NoChanges { stack: name });
            return Ok(StackResult::NoChanges);
        }
        let old = match &deployed_body {
            Some(body) => Some(parse_deployed(name, body)?),
            None => None,
        };

        let create = current.is_none();
        // Protection is turned on where wanted and not yet on, never off.
        let protect_now = protect && !current.as_ref().is_some_and(|c| c.termination_protection);
        if let ControlFlow::Break(result) = self.wait_for_rivals(name).await? {
            return Ok(result);
        }
        let (change_set, state) = match self.change_set(output, stack, create, protect_now).await? {
            ControlFlow::Continue(ready) => ready,
            ControlFlow::Break(result) => return Ok(result),
        };
        let reviewed = self.review(stack, old.as_ref(), &change_set, &state, create).await;
        if reviewed.is_err() {
            // Interrupted, or an error: this run's change set goes, whatever the cause.
            let _ = self.abandon(name, &change_set, create).await;
        }
        if let ControlFlow::Break(result) = reviewed? {
            return Ok(result);
        }
        let last_updated = current.as_ref().and_then(|c| c.last_updated.clone());
        self.check_unchanged_since(name, &change_set, create, last_updated).await?;
        self.execute(stack, &change_set, create, protect_now).await
    }

    /// The stack is still as the change set was made against: a placeholder for a create, or
    /// not updated since for an update. Otherwise another run got there while this one's plan
    /// was shown, and its change set goes (CloudFormation would refuse it; an emulator might
    /// not).
    async fn check_unchanged_since(
        &self,
        stack: &str,
        change_set: &str,
        create: bool,
        last_updated: Option<String>,
    ) -> Result<(), EngineError> {
        let now = self.stacks.describe(stack).await?;
        let unchanged = match &now {
            Some(d) if create => d.status == "REVIEW_IN_PROGRESS",
            Some(d) => !wait::is_busy(Some(d)) && d.last_updated == last_updated,
            None => false,
        };
        if unchanged {
            return Ok(());
        }
        self.stacks.delete_change_set(stack, change_set).await?;
        let status = now.map_or_else(|| "deleted".to_owned(), |d| d.status);
        Err(EngineError::Overtaken { stack: stack.to_owned(), by: format!("the stack became {status} meanwhile") })
    }

    /// The user pressed Ctrl-C.
    fn interrupted(&self) -> bool {
        self.interrupts.count() > 0
    }

    /// Fails with the state to report when the user pressed Ctrl-C.
    fn check_interrupt(&self, state: &str) -> Result<(), EngineError> {
        if self.interrupted() {
            return Err(EngineError::Interrupted { state: state.to_owned() });
        }
        Ok(())
    }

    /// Another deploy's change set on the stack: waits until it has been executed or deleted
    /// (or stops at once with `--no-wait`), then has the stack started again, since it may
    /// have changed meanwhile.
    async fn wait_for_rivals(&self, name: &str) -> Result<ControlFlow<StackResult>, EngineError> {
        let sets = self.stacks.change_sets(name).await?;
        let rivals = rivals::live(&sets, &self.options.run_id);
        if rivals.is_empty() {
            return Ok(ControlFlow::Continue(()));
        }
        let which = rivals::describe(&rivals);
        if self.options.no_wait {
            return Ok(ControlFlow::Break(StackResult::Error(format!(
                "another deploy is running on stack `{name}` ({which}); run again when it is done, or without \
                 --no-wait to wait for it"
            ))));
        }
        self.reporter.report(Event::Rival { stack: name, change_sets: &which });
        let run = &self.options.run_id;
        let stop = || self.interrupted();
        let done = wait::until_stopped(wait::POLL, &stop, || async {
            let quiet = rivals::live(&self.stacks.change_sets(name).await?, run).is_empty();
            Ok((quiet && !wait::is_busy(self.stacks.describe(name).await?.as_ref())).then_some(()))
        })
        .await?;
        if done.is_none() {
            return Err(EngineError::Interrupted {
                state: "not changed by this deploy (another deploy was at work on it)".into(),
            });
        }
        Err(EngineError::Overtaken { stack: name.to_owned(), by: which })
    }

    /// Makes the stack deployable: waits for someone else's operation, deletes a failed first
    /// create (after asking) or a stack an unexecuted change set made. Goes on with the stack
    /// as it then is (`None`: absent) and its readiness, or stops with the result when the
    /// stack cannot be deployed.
    async fn settle(
        &self,
        name: &str,
        listed: Option<&DeployedStack>,
    ) -> Result<ControlFlow<StackResult, (Option<DeployedStack>, Readiness)>, EngineError> {
        let mut current = listed.cloned();
        let mut readiness = readiness_of(current.as_ref())?;
        if readiness == Readiness::Busy {
            if self.options.no_wait {
                let status = current.as_ref().map(|c| c.status.clone()).unwrap_or_default();
                return Ok(ControlFlow::Break(StackResult::Error(format!(
                    "stack `{name}` is busy ({status}): another operation is running; run again when it is done, \
                     or without --no-wait to wait for it"
                ))));
            }
            if let Some(c) = &current {
                self.reporter.report(Event::Waiting { stack: name, status: &c.status });
            }
            let stop = || self.interrupted();
            current =
                wait::settled_unless(self.stacks, name, &stop).await?.ok_or_else(|| EngineError::Interrupted {
                    state: "not changed by this deploy (another operation was running on it)".into(),
                })?;
            readiness = readiness_of(current.as_ref())?;
        }
        let status = current.as_ref().map(|c| c.status.clone()).unwrap_or_default();
        match readiness {
            Readiness::FailedCreate => {
                let question = format!(
                    "Stack {name} is in {status} (its first create failed) and can only be deleted. Delete and \
                     create it again?"
                );
                if let Some(no) = self.ask(&question) {
                    return Ok(ControlFlow::Break(no));
                }
                self.reporter.report(Event::CleaningUp { stack: name, status: &status });
                self.delete_and_wait(name).await?;
                current = None;
            }
            Readiness::Unexecuted => {
                // Another run's stack, being created: its change set is in play.
                if let ControlFlow::Break(result) = self.wait_for_rivals(name).await? {
                    return Ok(ControlFlow::Break(result));
                }
                // A stack created for a change set that was never executed holds nothing.
                self.reporter.report(Event::CleaningUp { stack: name, status: &status });
                self.delete_and_wait(name).await?;
                current = None;
            }
            Readiness::UpdateRollbackFailed | Readiness::UpdateFailed | Readiness::DeleteFailed => {
                let advice = readiness.advice(name, &self.options.region);
                return Ok(ControlFlow::Break(StackResult::Failed { status, reasons: Vec::new(), advice }));
            }
            Readiness::Absent | Readiness::Ready | Readiness::Busy => {}
        }
        Ok(ControlFlow::Continue((current, readiness)))
    }

    /// Uploads the stack's assets and creates its change set, waiting until CloudFormation has
    /// worked it out. Goes on with its name and state, or stops when it holds no change (after
    /// turning protection on, if wanted); a failed change set is an error.
    async fn change_set(
        &self,
        output: &EnvironmentOutput,
        stack: &StackOutput,
        create: bool,
        protect_now: bool,
    ) -> Result<ControlFlow<StackResult, (String, ChangeSetState)>, EngineError> {
        let name = stack.name.as_str();
        for asset in &stack.assets {
            self.upload(output, name, asset).await?;
        }
        let upload = Upload { objects: self.objects, bucket: &output.assets_bucket };
        let template = template_source(Some(&upload), stack).await?;
        self.check_interrupt("not changed by this deploy")?;
        let change_set = change_set_name(name, &stack.body, &self.options.run_id);
        self.stacks
            .create_change_set(&ChangeSetRequest {
                stack: name.to_owned(),
                name: change_set.clone(),
                create,
                template,
                parameters: self.explicit_parameters(stack),
                tags: stack.tags.clone(),
                description: format!("sdlf deploy (run {})", self.options.run_id),
                role_arn: self.options.role_arn.clone(),
            })
            .await?;
        if let ControlFlow::Break(result) = self.yield_to_earlier(name, &change_set, create).await? {
            return Ok(ControlFlow::Break(result));
        }
        let computed = self.computed(name, &change_set).await;
        if computed.is_err() {
            let _ = self.abandon(name, &change_set, create).await;
        }
        let state = computed?;
        if state.is_empty_failure() {
            self.abandon(name, &change_set, create).await?;
            if protect_now {
                self.stacks.set_termination_protection(name, true).await?;
            }
            self.reporter.report(Event::NoChanges { stack: name });
            return Ok(ControlFlow::Break(StackResult::NoChanges));
        }
        if state.status == "FAILED" {
            self.abandon(name, &change_set, create).await?;
            return Err(EngineError::ChangeSetFailed {
                stack: name.to_owned(),
                change_set,
                reason: state.reason.unwrap_or_default(),
            });
        }
        Ok(ControlFlow::Continue((change_set, state)))
    }

    /// Another run made its change set on the stack at the same moment as this one (both
    /// looked, found none, and made one): the later one's run deletes its own and waits for
    /// the other, then starts the stack again ([`rivals::goes_first`]).
    async fn yield_to_earlier(
        &self,
        stack: &str,
        change_set: &str,
        create: bool,
    ) -> Result<ControlFlow<StackResult>, EngineError> {
        let sets = self.stacks.change_sets(stack).await?;
        let Some(own) = sets.iter().find(|c| c.name == change_set) else {
            return Err(EngineError::Overtaken {
                stack: stack.to_owned(),
                by: format!("change set {change_set} disappeared while it was being made"),
            });
        };
        let earlier = rivals::live(&sets, &self.options.run_id).into_iter().any(|r| rivals::goes_first(r, own));
        if !earlier {
            return Ok(ControlFlow::Continue(()));
        }
        self.abandon(stack, change_set, create).await?;
        self.wait_for_rivals(stack).await
    }

    /// Waits until CloudFormation has worked the change set out; it is gone when another
    /// run's execution swept it away.
    async fn computed(&self, stack: &str, change_set: &str) -> Result<ChangeSetState, EngineError> {
        let stop = || self.interrupted();
        let state = wait::until_stopped(wait::POLL, &stop, || async {
            match self.stacks.change_set(stack, change_set).await? {
                None => Ok(Some(None)),
                Some(s) if s.is_pending() => Ok(None),
                Some(s) => Ok(Some(Some(s))),
            }
        })
        .await?;
        match state {
            None => Err(EngineError::Interrupted {
                state: "not changed by this deploy (its change set was deleted)".into(),
            }),
            Some(None) => Err(EngineError::Overtaken {
                stack: stack.to_owned(),
                by: format!("change set {change_set} disappeared while it was being made"),
            }),
            Some(Some(state)) => Ok(state),
        }
    }

    /// Shows the plan (the templates' diff with what the change set says), then refuses data
    /// loss and asks; a change set that is not to be executed is abandoned.
    async fn review(
        &self,
        stack: &StackOutput,
        old: Option<&sdlf_cfn::Template>,
        change_set: &str,
        state: &ChangeSetState,
        create: bool,
    ) -> Result<ControlFlow<StackResult>, EngineError> {
        let name = stack.name.as_str();
        let new = parse_synthesized(stack)?;
        let mut diff = sdlf_diff::diff(old, &new, &Registry);
        diff.merge_change_set(&state.changes, &Registry);
        self.reporter.report(Event::Plan { stack: name, diff: &diff });
        let queues = self.count_queues(&diff, &state.changes).await;
        if let Err(refused) = guard::check(&diff, &self.options.allow_replace, &queues) {
            self.abandon(name, change_set, create).await?;
            return Ok(ControlFlow::Break(StackResult::Refused(refused)));
        }
        if let Some(no) = self.ask(&format!("Deploy these changes to {name}?")) {
            self.abandon(name, change_set, create).await?;
            return Ok(ControlFlow::Break(no));
        }
        self.check_interrupt("not changed by this deploy (its change set was deleted)")?;
        Ok(ControlFlow::Continue(()))
    }

    /// Executes the change set and follows it to its end; a deployed stack gets the
    /// protection it should have.
    async fn execute(
        &self,
        stack: &StackOutput,
        change_set: &str,
        create: bool,
        protect_now: bool,
    ) -> Result<StackResult, EngineError> {
        let name = stack.name.as_str();
        // Events from before this execution are not reported again.
        let seen: BTreeSet<String> =
            if create { BTreeSet::new() } else { self.stacks.events(name).await?.into_iter().map(|e| e.id).collect() };
        if let Err(e) = self.stacks.execute_change_set(name, change_set).await {
            // Made obsolete by another run's execution, say: this run's change set goes.
            let _ = self.stacks.delete_change_set(name, change_set).await;
            return Err(e.into());
        }
        self.reporter.report(Event::Executing { stack: name, change_set, resources: stack.resources });
        let result = self.follow(name, create, seen).await?;
        if result == StackResult::Deployed && protect_now {
            self.stacks.set_termination_protection(name, true).await?;
        }
        Ok(result)
    }

    /// What the data-loss guard needs to know of the queues the change would replace or
    /// delete: how many messages each holds, found by the queue URL the change set gives as
    /// its physical id. A count that cannot be read is `Unknown`, which the guard refuses.
    async fn count_queues(
        &self,
        diff: &TemplateDiff,
        changes: &[sdlf_diff::ChangeSetChange],
    ) -> BTreeMap<String, QueueCount> {
        let mut counts = BTreeMap::new();
        for id in guard::queues_to_count(diff, &self.options.allow_replace) {
            let url = changes.iter().find(|c| c.logical_id == id).and_then(|c| c.physical_id.as_deref());
            let count = match url {
                None => QueueCount::Unknown("the change set gives no queue URL".into()),
                Some(url) => match self.queues.message_count(url).await {
                    Ok(Some(n)) => QueueCount::Messages(n),
                    // Already gone: nothing left to lose.
                    Ok(None) => QueueCount::Messages(0),
                    Err(e) => QueueCount::Unknown(e.to_string()),
                },
            };
            counts.insert(id.to_owned(), count);
        }
        counts
    }

    /// `None` when the user agrees (or `--yes`); else why not.
    fn ask(&self, question: &str) -> Option<StackResult> {
        if self.options.yes {
            return None;
        }
        if !self.options.interactive {
            return Some(StackResult::NotConfirmed {
                why: format!("{question} — nobody to ask (no terminal); pass --yes to proceed"),
            });
        }
        if self.reporter.confirm(question) { None } else { Some(StackResult::NotConfirmed { why: "declined".into() }) }
    }

    async fn upload(&self, output: &EnvironmentOutput, stack: &str, asset: &Asset) -> Result<(), EngineError> {
        let key = asset.s3_key();
        if self.objects.exists(&output.assets_bucket, &key).await? {
            return Ok(());
        }
        let bytes = self.assets.bytes(asset).map_err(|problem| EngineError::Stack {
            stack: stack.to_owned(),
            problem: format!("asset {} cannot be read: {problem}", asset.source),
        })?;
        self.objects.put(&output.assets_bucket, &key, bytes).await?;
        self.reporter.report(Event::AssetUploaded { stack, key: &key });
        Ok(())
    }

    /// Deletes an unexecuted change set, and the empty stack a create change set made —
    /// unless another run's create change set is on it too.
    async fn abandon(&self, stack: &str, change_set: &str, created: bool) -> Result<(), ApiError> {
        self.stacks.delete_change_set(stack, change_set).await?;
        if !created || !rivals::live(&self.stacks.change_sets(stack).await?, &self.options.run_id).is_empty() {
            return Ok(());
        }
        // Still the empty placeholder: another run may have created the stack meanwhile.
        if self.stacks.describe(stack).await?.is_some_and(|d| d.status == "REVIEW_IN_PROGRESS") {
            self.stacks.delete_stack(stack).await?;
        }
        Ok(())
    }

    /// The deploy's parameter values the stack's template declares.
    fn explicit_parameters(&self, stack: &StackOutput) -> BTreeMap<String, String> {
        declared_parameters(&self.options.parameters, &stack.body)
    }

    async fn delete_and_wait(&self, stack: &str) -> Result<(), EngineError> {
        self.stacks.delete_stack(stack).await?;
        let gone = wait::settled(self.stacks, stack).await?;
        match gone {
            None => Ok(()),
            Some(d) if d.status == "DELETE_COMPLETE" => Ok(()),
            Some(d) => Err(EngineError::Stack {
                stack: stack.to_owned(),
                problem: format!(
                    "deleting it to recreate it ended in {}{}",
                    d.status,
                    d.status_reason.map(|r| format!(": {r}")).unwrap_or_default()
                ),
            }),
        }
    }

    /// Follows an executing change set to its end, reporting new events.
    async fn follow(&self, stack: &str, create: bool, mut seen: BTreeSet<String>) -> Result<StackResult, EngineError> {
        let mut failures: Vec<String> = Vec::new();
        let mut cancelled = false;
        loop {
            let presses = self.interrupts.count();
            if presses >= 2 {
                self.reporter.report(Event::Detached { stack });
                return Ok(StackResult::Detached);
            }
            if presses == 1 && !cancelled {
                cancelled = true;
                if create {
                    self.reporter.report(Event::CannotCancel { stack });
                } else {
                    self.reporter.report(Event::Cancelling { stack });
                    // Fails harmlessly if the update is already past the point of cancelling.
                    let _ = self.stacks.cancel_update(stack).await;
                }
            }
            let events = match self.stacks.events(stack).await {
                Ok(events) => events,
                Err(e) if e.throttled => Vec::new(),
                Err(e) => return Err(e.into()),
            };
            for e in events.iter().rev().filter(|e| !seen.contains(&e.id)) {
                self.reporter.report(Event::Resource { stack, event: e });
                if let Some(reason) = failure_reason(e) {
                    let line = format!("{} ({}): {reason}", e.logical_id, e.resource_type);
                    if !failures.contains(&line) {
                        failures.push(line);
                    }
                }
            }
            seen.extend(events.into_iter().map(|e| e.id));
            let d = self.stacks.describe(stack).await?;
            let status = d.as_ref().map(|d| d.status.clone()).unwrap_or_else(|| "DELETE_COMPLETE".into());
            if let Some(outcome) = Outcome::of(&status) {
                self.reporter.report(Event::Finished { stack, status: &status, outcome });
                if cancelled {
                    return Ok(StackResult::Interrupted { state: interrupted_state(&status, create, &failures) });
                }
                return Ok(match outcome {
                    Outcome::Succeeded => StackResult::Deployed,
                    Outcome::RolledBack | Outcome::Failed => {
                        let advice = if status == "ROLLBACK_COMPLETE" {
                            Some(format!(
                                "stack `{stack}` failed to create and was rolled back; fix the cause and deploy again \
                                 (the deploy deletes and recreates it after confirmation, or with --yes)"
                            ))
                        } else {
                            readiness_of(d.as_ref()).ok().and_then(|r| r.advice(stack, &self.options.region))
                        };
                        StackResult::Failed { status, reasons: failures, advice }
                    }
                });
            }
            tokio::time::sleep(wait::POLL).await;
        }
    }
}

/// How often a stack is started again because another deploy got there first.
const MAX_RESTARTS: usize = 5;

/// Another deploy got there first: worth starting the stack again.
fn is_overtaken(e: &EngineError) -> bool {
    matches!(e, EngineError::Overtaken { .. }) || matches!(e, EngineError::Api(a) if a.conflict)
}

/// What a stack whose operation was interrupted was left as.
fn interrupted_state(status: &str, create: bool, failures: &[String]) -> String {
    let what = match (create, status) {
        (true, _) => "the create, which cannot be cancelled, ran to its end",
        (false, "UPDATE_ROLLBACK_COMPLETE") => "the update was cancelled and rolled back: the stack is as before",
        (false, "UPDATE_COMPLETE") => "the update finished before it could be cancelled",
        (false, _) => "the update was cancelled",
    };
    let mut state = format!("{status}: {what}");
    for f in failures {
        state.push_str(&format!("\n    {f}"));
    }
    state
}

/// Whether the deployed stack already is what `stack` describes — template, explicit
/// parameters, tags and protection — with nothing it depends on changed: then it is skipped.
fn unchanged(
    stack: &StackOutput,
    deployed: &DeployedStack,
    deployed_body: &str,
    readiness: Readiness,
    protect: bool,
    dependency_changed: bool,
    parameters: &BTreeMap<String, String>,
) -> bool {
    let deployed_shape = StackShape {
        template: deployed_body.to_owned(),
        // Only what is passed explicitly is compared (the rest are template defaults,
        // compared with the template). Emulators also report resolved SSM values where
        // CloudFormation reports the parameter's name.
        parameters: parameters
            .keys()
            .filter_map(|k| deployed.parameters.get(k).map(|v| (k.clone(), v.clone())))
            .collect(),
        tags: deployed.tags.clone(),
        termination_protection: deployed.termination_protection,
    };
    let desired = StackShape {
        template: stack.body.clone(),
        parameters: parameters.clone(),
        tags: stack.tags.clone(),
        // Protection is turned on where wanted, never off: that stays a human decision.
        termination_protection: protect || deployed.termination_protection,
    };
    skip::decide(readiness, Some(&deployed_shape), &desired, dependency_changed) == Decision::NoChanges
}

/// A failed resource's reason worth showing: cancellations caused by another failure are
/// left out (they repeat the real cause's consequence, not the cause).
fn failure_reason(e: &StackEvent) -> Option<&str> {
    if !e.status.ends_with("_FAILED") {
        return None;
    }
    let reason = e.reason.as_deref().unwrap_or("no reason given");
    let cancelled = reason.contains("cancelled") || reason.contains("canceled");
    (!cancelled).then_some(reason)
}

fn readiness_of(d: Option<&DeployedStack>) -> Result<Readiness, EngineError> {
    Readiness::of(d.map(|d| d.status.as_str())).map_err(|e| EngineError::Stack {
        stack: d.map(|d| d.name.clone()).unwrap_or_default(),
        problem: e.to_string(),
    })
}
