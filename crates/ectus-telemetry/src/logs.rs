//! Log lines: one JSON object per line (or plain text for a terminal), with the fields of
//! every enclosing span flattened in (`request_id`, `tenant_id`, …), secrets redacted by field
//! name and by value pattern, and routine access lines sampled while warnings, errors and slow
//! requests are always kept. Inside a traced span every line carries the OpenTelemetry
//! `trace_id` and the `span_id` of its innermost span.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use opentelemetry::trace::TraceContextExt as _;
use tracing::dispatcher::WeakDispatch;
use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Level, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use crate::redact::{is_secret_field, redact_text, REDACTED};

/// The target of the one-per-request access line.
pub const ACCESS_TARGET: &str = "ectus::access";

/// How lines are written.
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// JSON lines (true) or plain text.
    pub json: bool,
    /// Share of routine INFO access lines kept, 0.0 to 1.0.
    pub access_sample_ratio: f64,
    /// Access lines of requests slower than this are always kept.
    pub slow_request_ms: f64,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            json: true,
            access_sample_ratio: 1.0,
            slow_request_ms: 1000.0,
        }
    }
}

/// The layer that renders and writes log lines.
pub struct LogLayer<W> {
    options: LogOptions,
    writer: W,
    access_lines: AtomicU64,
    /// The subscriber this layer belongs to, to read OpenTelemetry ids of spans.
    dispatch: OnceLock<WeakDispatch>,
}

impl<W> LogLayer<W> {
    pub fn new(options: LogOptions, writer: W) -> LogLayer<W> {
        LogLayer {
            options,
            writer,
            access_lines: AtomicU64::new(0),
            dispatch: OnceLock::new(),
        }
    }

    /// The OpenTelemetry trace and span ids of a span, when an OpenTelemetry layer tracks it
    /// and its context is valid (sampled or not).
    fn otel_ids(&self, id: &tracing::span::Id) -> Option<(String, String)> {
        let dispatch = self.dispatch.get()?.upgrade()?;
        let context = tracing_opentelemetry::get_otel_context(id, &dispatch)?;
        let span = context.span();
        let span_context = span.span_context();
        span_context.is_valid().then(|| {
            (
                span_context.trace_id().to_string(),
                span_context.span_id().to_string(),
            )
        })
    }

    /// Deterministic sampling: keeps `ratio` of the calls, evenly spread.
    fn keep_access_line(&self) -> bool {
        let ratio = self.options.access_sample_ratio.clamp(0.0, 1.0);
        if ratio >= 1.0 {
            return true;
        }
        let n = self.access_lines.fetch_add(1, Ordering::Relaxed) as f64;
        ((n + 1.0) * ratio).floor() > (n * ratio).floor()
    }
}

/// Fields rendered once, where they are recorded: each value already redacted (and escaped
/// for JSON when lines are JSON) in one buffer, with the name and the range of every value.
/// A span keeps its fields this way in its extensions, so a line pays only for copying them.
/// Fields named `otel.*` steer the OpenTelemetry export and are not logged.
#[derive(Default)]
struct Rendered {
    buf: String,
    fields: Vec<(&'static str, std::ops::Range<usize>)>,
}

/// Renders visited fields into a [`Rendered`]; for events, also captures the message and the
/// access line's `elapsed_ms`.
struct Render<'a> {
    out: &'a mut Rendered,
    json: bool,
    message: Option<&'a mut String>,
    elapsed_ms: Option<f64>,
}

impl Render<'_> {
    fn text(&mut self, field: &Field, value: &str) {
        let name = field.name();
        if name == "message" {
            if let Some(message) = self.message.as_deref_mut() {
                message.push_str(value);
                return;
            }
        }
        if name.starts_with("otel.") {
            return;
        }
        let start = self.out.buf.len();
        if is_secret_field(name) {
            if self.json {
                push_json_str(&mut self.out.buf, REDACTED);
            } else {
                self.out.buf.push_str(REDACTED);
            }
        } else {
            let value = redact_text(value);
            if self.json {
                push_json_str(&mut self.out.buf, &value);
            } else {
                self.out.buf.push_str(&value);
            }
        }
        self.out.fields.push((name, start..self.out.buf.len()));
    }

    fn plain(&mut self, field: &Field, value: impl std::fmt::Display) {
        use std::fmt::Write as _;
        let name = field.name();
        if name.starts_with("otel.") {
            return;
        }
        let start = self.out.buf.len();
        if is_secret_field(name) {
            if self.json {
                push_json_str(&mut self.out.buf, REDACTED);
            } else {
                self.out.buf.push_str(REDACTED);
            }
        } else {
            let _ = write!(self.out.buf, "{value}");
        }
        self.out.fields.push((name, start..self.out.buf.len()));
    }
}

impl Visit for Render<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write as _;
        if field.name().starts_with("otel.") {
            return;
        }
        // Formatted once into a reused buffer, then redacted and escaped like any text.
        thread_local! {
            static SCRATCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut text) => {
                text.clear();
                let _ = write!(text, "{value:?}");
                self.text(field, &text);
            }
            Err(_) => self.text(field, &format!("{value:?}")),
        });
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.text(field, value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.plain(field, value);
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.plain(field, value);
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_ms" {
            self.elapsed_ms = Some(value);
        }
        if value.is_finite() {
            self.plain(field, value);
        } else if self.json {
            self.plain(field, "null");
        } else {
            self.plain(field, value);
        }
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.plain(field, value);
    }
}

/// Appends `text` as a JSON string (quoted and escaped).
fn push_json_str(out: &mut String, text: &str) {
    out.push('"');
    if !text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(text);
        out.push('"');
        return;
    }
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

impl<S, W> Layer<S> for LogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        let _ = self.dispatch.set(subscriber.downgrade());
    }

    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut rendered = Rendered::default();
        attrs.record(&mut Render {
            out: &mut rendered,
            json: self.options.json,
            message: None,
            elapsed_ms: None,
        });
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(rendered);
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        if let Some(span) = ctx.span(id) {
            let mut extensions = span.extensions_mut();
            if let Some(rendered) = extensions.get_mut::<Rendered>() {
                // Appended: a line reads fields newest first, so a re-recorded name wins.
                values.record(&mut Render {
                    out: rendered,
                    json: self.options.json,
                    message: None,
                    elapsed_ms: None,
                });
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        let json = self.options.json;
        let mut message = String::new();
        let mut own = Rendered::default();
        let mut render = Render {
            out: &mut own,
            json,
            message: Some(&mut message),
            elapsed_ms: None,
        };
        event.record(&mut render);
        let elapsed_ms = render.elapsed_ms;
        if meta.target() == ACCESS_TARGET && *meta.level() == Level::INFO {
            let slow = elapsed_ms.is_some_and(|ms| ms >= self.options.slow_request_ms);
            if !slow && !self.keep_access_line() {
                return;
            }
        }
        let spans: Vec<_> = ctx
            .event_scope(event)
            .map(|scope| scope.collect())
            .unwrap_or_default();
        // Read before any extension is borrowed: the OpenTelemetry layer locks them.
        let otel_ids = spans.first().and_then(|leaf| self.otel_ids(&leaf.id()));
        let extensions: Vec<_> = spans.iter().map(|span| span.extensions()).collect();
        let mut line = String::with_capacity(512);
        let timestamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        if json {
            line.push_str("{\"timestamp\":\"");
            line.push_str(&timestamp);
            line.push_str("\",\"level\":\"");
            line.push_str(meta.level().as_str());
            line.push_str("\",\"target\":");
            push_json_str(&mut line, meta.target());
            line.push_str(",\"message\":");
            push_json_str(&mut line, &redact_text(&message));
        } else {
            line.push_str(&timestamp);
            line.push(' ');
            line.push_str(&format!("{:>5}", meta.level().as_str()));
            line.push(' ');
            line.push_str(meta.target());
            line.push_str(": ");
            line.push_str(&redact_text(&message));
        }
        let push_name = |line: &mut String, name: &str| {
            if json {
                line.push_str(",\"");
                line.push_str(name);
                line.push_str("\":");
            } else {
                line.push(' ');
                line.push_str(name);
                line.push('=');
            }
        };
        // Innermost wins: the event's own fields, then its spans from the innermost out, each
        // newest first; a name already written is skipped.
        let mut written: Vec<&str> = Vec::with_capacity(24);
        if json {
            written.extend(["timestamp", "level", "target", "message"]);
        }
        if let Some((trace_id, span_id)) = &otel_ids {
            for (name, id) in [("trace_id", trace_id), ("span_id", span_id)] {
                written.push(name);
                push_name(&mut line, name);
                if json {
                    push_json_str(&mut line, id);
                } else {
                    line.push_str(id);
                }
            }
        }
        let sources = std::iter::once(&own).chain(
            extensions
                .iter()
                .filter_map(|guard| guard.get::<Rendered>()),
        );
        for rendered in sources {
            for (name, range) in rendered.fields.iter().rev() {
                if written.contains(name) {
                    continue;
                }
                written.push(name);
                push_name(&mut line, name);
                line.push_str(&rendered.buf[range.clone()]);
            }
        }
        line.push_str(if json { "}\n" } else { "\n" });
        let _ = self.writer.make_writer().write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Capture {
        type Writer = Capture;
        fn make_writer(&'a self) -> Capture {
            self.clone()
        }
    }

    fn capture(options: LogOptions, body: impl FnOnce()) -> String {
        let out = Capture::default();
        let subscriber = tracing_subscriber::registry().with(LogLayer::new(options, out.clone()));
        tracing::subscriber::with_default(subscriber, body);
        let bytes = out.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn lines_carry_span_fields_and_never_secrets() {
        let key = format!("ek_abcdefghij_{}", "Q".repeat(43));
        let out = capture(LogOptions::default(), || {
            let span = tracing::info_span!(
                "request",
                request_id = "r-1",
                tenant_id = tracing::field::Empty
            );
            let _guard = span.enter();
            span.record("tenant_id", "t-9");
            tracing::warn!(
                password = "hunter2",
                authorization = "Bearer abc.def",
                url = "postgres://u:pw1@h/db",
                "login failed for {key}"
            );
            tracing::error!(error = %format!("upstream said: Authorization: Bearer zzz-top {key}"), "call failed");
        });
        for secret in ["hunter2", "abc.def", "pw1", &"Q".repeat(43), "zzz-top"] {
            assert!(!out.contains(secret), "{secret} leaked:\n{out}");
        }
        let first: serde_json::Value =
            serde_json::from_str(out.lines().next().unwrap_or("")).expect("json line");
        assert_eq!(first["request_id"], "r-1");
        assert_eq!(first["tenant_id"], "t-9");
        assert_eq!(first["level"], "WARN");
        assert_eq!(first["password"], REDACTED);
        assert!(first["timestamp"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')));
    }

    #[test]
    fn lines_in_traced_spans_carry_the_trace_id_and_the_innermost_span_id() {
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
        let out = Capture::default();
        // Wrapped in `Option` as the binary does, to prove the ids still come through.
        let otel = Some(crate::traces::layer(&provider));
        let subscriber = tracing_subscriber::registry()
            .with(LogLayer::new(LogOptions::default(), out.clone()))
            .with(otel);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("outside any span");
            let outer = tracing::info_span!("request");
            let _outer = outer.enter();
            tracing::info!("in the request");
            let inner = tracing::info_span!("db");
            let _inner = inner.enter();
            tracing::info!("in the query");
        });
        let bytes = out.0.lock().map(|b| b.clone()).unwrap_or_default();
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&bytes)
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].get("span_id").is_none() && lines[0].get("trace_id").is_none());
        let hex = |v: &serde_json::Value, len: usize| {
            v.as_str()
                .is_some_and(|s| s.len() == len && s.chars().all(|c| c.is_ascii_hexdigit()))
        };
        assert!(hex(&lines[1]["trace_id"], 32) && hex(&lines[1]["span_id"], 16));
        assert_eq!(lines[1]["trace_id"], lines[2]["trace_id"], "one trace");
        assert_ne!(
            lines[1]["span_id"], lines[2]["span_id"],
            "the innermost span's id"
        );
    }

    #[test]
    fn awkward_text_is_escaped_into_valid_json() {
        let awkward = "quote \" backslash \\ newline \n tab \t bell \u{7} unicode é";
        let out = capture(LogOptions::default(), || {
            tracing::info!(detail = awkward, "{awkward}");
        });
        let line: serde_json::Value = serde_json::from_str(out.trim_end()).expect("valid JSON");
        assert_eq!(line["message"], awkward);
        assert_eq!(line["detail"], awkward);
    }

    #[test]
    fn routine_access_lines_are_sampled_but_slow_ones_and_warnings_are_kept() {
        let options = LogOptions {
            json: true,
            access_sample_ratio: 0.1,
            slow_request_ms: 500.0,
        };
        let out = capture(options, || {
            for _ in 0..100 {
                tracing::info!(target: ACCESS_TARGET, elapsed_ms = 3.0, status = 200, "request");
            }
            tracing::info!(target: ACCESS_TARGET, elapsed_ms = 900.0, status = 200, "request");
            tracing::warn!(target: ACCESS_TARGET, elapsed_ms = 1.0, status = 503, "request");
            tracing::info!("other lines are not sampled");
        });
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        let elapsed = |ms: f64| lines.iter().filter(|l| l["elapsed_ms"] == ms).count();
        assert_eq!(elapsed(3.0), 10);
        assert_eq!(elapsed(900.0), 1, "slow requests are always kept");
        assert!(lines.iter().any(|l| l["status"] == 503));
        assert!(out.contains("other lines are not sampled"));
    }
}
