//! Cross-cutting HTTP middleware: request ids and access log, problem details for every
//! error response, and the request timeout.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::{problem_response, ApiError, Problem, PROBLEM_JSON};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The response header carrying the request's trace id (when tracing is on).
pub const TRACE_ID: HeaderName = HeaderName::from_static("x-trace-id");

/// The request id of the current request, in request and response extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The route template that matched, copied into the response for outer layers.
#[derive(Debug, Clone)]
pub struct RouteTemplate(pub String);

fn valid_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let ok = !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    ok.then(|| s.to_owned())
}

/// Accepts a well-formed `X-Request-ID` (1–128 of `A-Z a-z 0-9 - _ . :`) or generates one,
/// echoes it on the response, and writes one access line per request.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(valid_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = req.method().clone();
    let request_bytes = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    req.extensions_mut().insert(RequestId(id.clone()));
    let metrics = ectus_telemetry::metrics();
    let _in_flight = InFlight::enter(metrics);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        tenant_id = tracing::field::Empty,
        trace_id = tracing::field::Empty,
        "otel.kind" = "server",
        "otel.status_code" = tracing::field::Empty,
        "http.request.method" = %method,
        "http.route" = tracing::field::Empty,
        "http.response.status_code" = tracing::field::Empty,
    );
    // W3C trace context from the caller; a malformed header yields an empty context and the
    // request simply starts a new trace.
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&opentelemetry_http::HeaderExtractor(req.headers()))
    });
    let callers_trace = {
        use opentelemetry::trace::TraceContextExt as _;
        let remote = parent.span().span_context().clone();
        remote.is_valid().then(|| remote.trace_id().to_string())
    };
    let _ = tracing_opentelemetry::OpenTelemetrySpanExt::set_parent(&span, parent);
    let (trace_id, sampled) = {
        use opentelemetry::trace::TraceContextExt as _;
        let context = tracing_opentelemetry::OpenTelemetrySpanExt::context(&span);
        let span_context = context.span().span_context().clone();
        (
            span_context
                .is_valid()
                .then(|| span_context.trace_id().to_string()),
            span_context.is_sampled(),
        )
    };
    // Without an exporter there is no span of ours in the trace, but the caller's trace id
    // still belongs on the log lines and the response: propagation needs no exporter.
    let trace_id = match trace_id {
        Some(own) => Some(own),
        None => {
            if let Some(callers) = &callers_trace {
                span.record("trace_id", callers.as_str());
            }
            callers_trace
        }
    };
    // Spans per database operation only where they can be exported: the trace is sampled.
    let mut response = ectus_telemetry::with_trace_sampled(
        sampled,
        tracing::Instrument::instrument(next.run(req), span.clone()),
    )
    .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    if let Some(value) = trace_id
        .as_deref()
        .and_then(|t| HeaderValue::from_str(t).ok())
    {
        response.headers_mut().insert(TRACE_ID, value);
    }
    let route = response
        .extensions()
        .get::<RouteTemplate>()
        .map(|r| r.0.as_str())
        .unwrap_or("unmatched");
    let status = response.status().as_u16();
    span.record("http.route", route);
    span.record("http.response.status_code", i64::from(status));
    {
        // The OpenTelemetry span exists already (its trace id was read above), so it is
        // renamed directly: "GET /api/v1/projects/{id}".
        use opentelemetry::trace::TraceContextExt as _;
        tracing_opentelemetry::OpenTelemetrySpanExt::context(&span)
            .span()
            .update_name(format!("{method} {route}"));
    }
    if status >= 500 {
        span.record("otel.status_code", "ERROR");
    }
    let elapsed = started.elapsed();
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    let response_bytes = axum::body::HttpBody::size_hint(response.body()).exact();
    metrics.observe_request(
        method.as_str(),
        route,
        status,
        elapsed,
        request_bytes,
        response_bytes,
    );
    let _guard = span.enter();
    if status >= 500 {
        tracing::warn!(target: "ectus::access", %method, route, status, elapsed_ms, "request");
    } else {
        tracing::info!(target: "ectus::access", %method, route, status, elapsed_ms, "request");
    }
    response
}

/// The W3C `traceparent` of the current span, when it belongs to a valid trace.
pub fn current_traceparent() -> Option<String> {
    let mut carrier = std::collections::HashMap::new();
    ectus_telemetry::traces::inject_current_context(&mut carrier);
    carrier.remove("traceparent")
}

/// Counts a request as in flight until dropped (also when the client goes away).
struct InFlight(&'static ectus_telemetry::Metrics);

impl InFlight {
    fn enter(metrics: &'static ectus_telemetry::Metrics) -> InFlight {
        metrics.http_requests_in_flight.inc();
        InFlight(metrics)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.http_requests_in_flight.dec();
    }
}

/// Route-level layer recording the matched route template on the response.
pub async fn record_route(matched: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    if let Some(path) = matched {
        response
            .extensions_mut()
            .insert(RouteTemplate(path.as_str().to_owned()));
    }
    response
}

/// Makes every error response a problem document carrying the request id and path.
pub async fn problem_details(req: Request, next: Next) -> Response {
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1024 * 1024)
        .await
        .unwrap_or_default();
    let mut problem: Problem = if is_problem {
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(value) => problem_from_value(value, status),
            Err(_) => fallback_problem(status, &method, &path, ""),
        }
    } else {
        fallback_problem(status, &method, &path, &String::from_utf8_lossy(&bytes))
    };
    // A path is echoed as given, up to a length worth reading (a 414's can be 64 KiB).
    problem.instance = Some(match path.char_indices().nth(2048) {
        Some((at, _)) => format!("{}…", &path[..at]),
        None => path,
    });
    problem.request_id = request_id;
    let mut rendered = problem_response(problem);
    // Keep meaningful headers of the original response (Allow, WWW-Authenticate, Retry-After…).
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    *rendered.status_mut() = status;
    rendered.extensions_mut().extend(parts.extensions);
    rendered
}

fn problem_from_value(value: serde_json::Value, status: StatusCode) -> Problem {
    let text = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    Problem {
        kind: text("type").unwrap_or_else(|| "about:blank".into()),
        title: text("title").unwrap_or_default(),
        status: status.as_u16(),
        detail: text("detail").unwrap_or_default(),
        instance: None,
        request_id: None,
        errors: value
            .get("errors")
            .and_then(|e| serde_json::from_value::<Vec<serde_json::Value>>(e.clone()).ok())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| {
                Some(crate::problem::FieldError {
                    field: e.get("field")?.as_str()?.to_owned(),
                    message: e.get("message")?.as_str()?.to_owned(),
                })
            })
            .collect(),
    }
}

fn fallback_problem(
    status: StatusCode,
    method: &axum::http::Method,
    path: &str,
    body: &str,
) -> Problem {
    let (kind, detail) = match status {
        StatusCode::NOT_FOUND => (
            "not-found",
            format!("no route matches {method} {path}; see /api/openapi.json"),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            format!(
                "{method} is not allowed on {path}; the Allow header lists the methods that are"
            ),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload-too-large",
            "the request body exceeds the configured limit (server.body_limit_bytes)".to_owned(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported-media-type",
            "send the body as JSON with `Content-Type: application/json`".to_owned(),
        ),
        _ if body.trim().is_empty() => (
            "http-error",
            status.canonical_reason().unwrap_or("error").to_owned(),
        ),
        _ => ("http-error", body.trim().chars().take(500).collect()),
    };
    ApiError::new(status, kind, detail).into_problem()
}

/// The longest request target (path and query) served, in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The most header bytes (names and values) one request may carry.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Refuses request targets and header sections over the limits with a problem (414, 431),
/// before any handler or extractor reads them. Beyond the HTTP parser's own limits (64 KiB of
/// target, 400 KiB of headers) and for requests that are not HTTP at all, the connection gets
/// the parser's bare status line instead.
pub async fn request_limits(req: Request, next: Next) -> Response {
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri-too-long",
            format!(
                "the request target is {target} bytes; at most {MAX_URI_BYTES} are accepted (send large inputs in the body)"
            ),
        )
        .into_response();
    }
    let headers: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if headers > MAX_HEADER_BYTES {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers-too-large",
            format!(
                "the request headers are {headers} bytes; at most {MAX_HEADER_BYTES} are accepted"
            ),
        )
        .into_response();
    }
    next.run(req).await
}

/// Bounds the time a request may take; event streams are exempt (they end with their job).
pub async fn request_timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    // Only the event-stream route is exempt; a client header cannot opt out of the limit.
    let streaming =
        req.method() == axum::http::Method::GET && req.uri().path().ends_with("/events");
    if streaming {
        return next.run(req).await;
    }
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!(
                "the request did not complete within {} s (server.request_timeout)",
                limit.as_secs_f64()
            ),
        )
        .into_response(),
    }
}

/// An empty body used by handlers that answer 204.
pub fn no_content() -> Response {
    Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::empty())
        .unwrap_or_default()
}
