//! The four scenarios of the operations plan, as goose scenarios: API calls carrying an
//! `X-Request-ID` the answer must echo, scrapes of the metrics endpoint checked for format and
//! families, traced requests whose `traceparent` the answer's `X-Trace-Id` must echo (their
//! trace ids kept to look for at the OTLP receiver), and bursts of 10 requests. Every user
//! pauses between iterations, as a person or a client polling would.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use goose::goose::{
    GooseMethod, GooseRequest, GooseUser, Scenario, Transaction, TransactionResult,
};
use goose::GooseError;

use crate::exposition::Scrape;

/// The name under which goose reports the scrapes, which the HTTP metrics do not count (the
/// metrics listener is a server of its own).
pub const SCRAPE: &str = "GET /metrics";

/// How long a user pauses between iterations (uniformly between the two).
pub const PAUSE: (Duration, Duration) = (Duration::from_millis(500), Duration::from_millis(1500));

/// What the scenarios share: where to send, with which key, and the traces sent.
pub struct Context {
    pub key: String,
    pub project_id: String,
    pub metrics_url: String,
    /// Trace ids of the sampled `traceparent`s sent, as lowercase hex.
    pub traces: Mutex<Vec<String>>,
    /// A database outage is under test: an answer `503` with `Retry-After` (problem+json)
    /// counts as a refusal, not a failure.
    pub tolerate_unavailable: bool,
    /// Each tolerated refusal: when it was answered, and the request's name.
    pub refusals: Mutex<Vec<(Instant, String)>>,
    /// Ids of the projects whose creation the server acknowledged (`201`).
    pub acknowledged: Mutex<Vec<String>>,
}

impl Context {
    pub fn new(
        key: String,
        project_id: String,
        metrics_url: String,
        tolerate_unavailable: bool,
    ) -> Context {
        Context {
            key,
            project_id,
            metrics_url,
            traces: Mutex::new(Vec::new()),
            tolerate_unavailable,
            refusals: Mutex::new(Vec::new()),
            acknowledged: Mutex::new(Vec::new()),
        }
    }
}

/// Appends to a shared list (a poisoned lock still holds a usable list).
pub(crate) fn push<T>(list: &Mutex<Vec<T>>, item: T) {
    list.lock().unwrap_or_else(|e| e.into_inner()).push(item);
}

type Step = for<'r> fn(
    &'r mut GooseUser,
    Arc<Context>,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = TransactionResult> + Send + 'r>,
>;

fn transaction(name: &str, context: &Arc<Context>, step: Step) -> Transaction {
    let context = context.clone();
    Transaction::new(Arc::new(move |user| step(user, context.clone()))).set_name(name)
}

/// The scenarios with their weights (users are handed out round robin by weight).
pub fn all(context: &Arc<Context>) -> Result<Vec<Scenario>, GooseError> {
    let (min, max) = PAUSE;
    Ok(vec![
        Scenario::new("api calls")
            .set_weight(6)?
            .set_wait_time(min, max)?
            .register_transaction(transaction("api calls", context, |u, c| {
                Box::pin(api_calls(u, c))
            })),
        Scenario::new("metrics scrapes")
            .set_weight(1)?
            .set_wait_time(min, max)?
            .register_transaction(transaction("scrape", context, |u, c| {
                Box::pin(scrape(u, c))
            })),
        Scenario::new("distributed tracing")
            .set_weight(2)?
            .set_wait_time(min, max)?
            .register_transaction(transaction("traced read", context, |u, c| {
                Box::pin(traced(u, c))
            })),
        Scenario::new("bursts")
            .set_weight(1)?
            .set_wait_time(min, max)?
            .register_transaction(transaction("burst of 10", context, |u, c| {
                Box::pin(burst(u, c))
            })),
    ])
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect()
}

/// One request of a scenario.
struct Call<'a> {
    method: GooseMethod,
    path: &'a str,
    /// What goose reports it under (the route template, not the path with its id).
    name: &'a str,
    expect: u16,
    body: Option<serde_json::Value>,
    /// Headers sent besides the key and the request id.
    headers: Vec<(&'static str, String)>,
    /// Headers the answer must carry with exactly these values.
    echoes: Vec<(&'static str, String)>,
    /// The answer creates something: its `id` goes into the ledger of acknowledged writes.
    acknowledged: bool,
}

impl<'a> Call<'a> {
    fn get(path: &'a str, name: &'a str) -> Call<'a> {
        Call {
            method: GooseMethod::Get,
            path,
            name,
            expect: 200,
            body: None,
            headers: Vec::new(),
            echoes: Vec::new(),
            acknowledged: false,
        }
    }

    /// Sends it through goose (so it is timed and counted) with the key and a fresh
    /// `X-Request-ID`; the request fails unless it answers `expect` — or, while an outage is
    /// tolerated, `503` with `Retry-After` — and echoes the request id and every header of
    /// `echoes`. An acknowledged creation's id goes into the ledger.
    async fn send(mut self, user: &mut GooseUser, context: &Context) -> TransactionResult {
        let request_id = format!("load-{}", random_hex(12));
        self.echoes.push(("x-request-id", request_id.clone()));
        let mut builder = user
            .get_request_builder(&self.method, self.path)?
            .bearer_auth(&context.key)
            .header("x-request-id", &request_id);
        for (header, value) in &self.headers {
            builder = builder.header(*header, value);
        }
        if let Some(body) = &self.body {
            builder = builder
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let request = GooseRequest::builder()
            .method(self.method)
            .path(self.path)
            .name(self.name)
            .expect_status_code(self.expect)
            .set_request_builder(builder)
            .build();
        let mut goose = user.request(request).await?;
        // Without an answer goose has recorded the failure already.
        let Ok(response) = goose.response else {
            return Ok(());
        };
        let headers = response.headers().clone();
        for (name, wanted) in &self.echoes {
            let got = headers.get(*name).and_then(|v| v.to_str().ok());
            if got != Some(wanted.as_str()) {
                let tag = format!("{name} {wanted} answered with {}", got.unwrap_or("nothing"));
                return user.set_failure(&tag, &mut goose.request, Some(&headers), None);
            }
        }
        let status = response.status().as_u16();
        if status == 503 && context.tolerate_unavailable {
            let problem = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/problem+json"));
            if !problem || !headers.contains_key("retry-after") {
                let tag = "503 without Retry-After or not problem+json";
                return user.set_failure(tag, &mut goose.request, Some(&headers), None);
            }
            push(&context.refusals, (Instant::now(), self.name.to_owned()));
            return user.set_success(&mut goose.request);
        }
        if self.acknowledged && status == self.expect {
            let id = response
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|body| body["id"].as_str().map(str::to_owned));
            match id {
                Some(id) => push(&context.acknowledged, id),
                None => {
                    let tag = "acknowledged without an id";
                    return user.set_failure(tag, &mut goose.request, Some(&headers), None);
                }
            }
        }
        Ok(())
    }
}

async fn api_calls(user: &mut GooseUser, context: Arc<Context>) -> TransactionResult {
    let project = format!("/api/v1/projects/{}", context.project_id);
    Call::get("/api/v1/me", "GET /api/v1/me")
        .send(user, &context)
        .await?;
    Call::get(&project, "GET /api/v1/projects/{id}")
        .send(user, &context)
        .await?;
    Call::get("/api/v1/projects?limit=20", "GET /api/v1/projects")
        .send(user, &context)
        .await?;
    Call {
        method: GooseMethod::Post,
        expect: 201,
        body: Some(serde_json::json!({
            "name": format!("load-{}", random_hex(8)),
            "description": "created under load",
        })),
        acknowledged: true,
        ..Call::get("/api/v1/projects", "POST /api/v1/projects")
    }
    .send(user, &context)
    .await
}

async fn scrape(user: &mut GooseUser, context: Arc<Context>) -> TransactionResult {
    let request = GooseRequest::builder()
        .method(GooseMethod::Get)
        .path(context.metrics_url.as_str())
        .name(SCRAPE)
        .expect_status_code(200)
        .build();
    let mut goose = user.request(request).await?;
    let Ok(response) = goose.response else {
        return Ok(());
    };
    let problem = match response.text().await {
        Ok(text) => match Scrape::parse(&text) {
            Ok(scrape) => {
                let missing = scrape.missing_families();
                (!missing.is_empty()).then(|| format!("families missing: {}", missing.join(", ")))
            }
            Err(error) => Some(format!("not the exposition format: {error}")),
        },
        Err(error) => Some(format!("body unreadable: {error}")),
    };
    if let Some(problem) = problem {
        user.set_failure(&problem, &mut goose.request, None, None)?;
    }
    Ok(())
}

async fn traced(user: &mut GooseUser, context: Arc<Context>) -> TransactionResult {
    let trace_id = random_hex(16);
    let project = format!("/api/v1/projects/{}", context.project_id);
    Call {
        headers: vec![("traceparent", format!("00-{trace_id}-{}-01", random_hex(8)))],
        echoes: vec![("x-trace-id", trace_id.clone())],
        ..Call::get(&project, "GET /api/v1/projects/{id} (traced)")
    }
    .send(user, &context)
    .await?;
    // Looked for at the receiver whether or not the answer echoed it: a trace the server
    // was asked to sample must arrive.
    context
        .traces
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(trace_id);
    Ok(())
}

async fn burst(user: &mut GooseUser, context: Arc<Context>) -> TransactionResult {
    for _ in 0..10 {
        Call::get("/api/v1/me", "GET /api/v1/me (burst)")
            .send(user, &context)
            .await?;
    }
    Ok(())
}
