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
    fn otel_ids(
        &self,
        id: &tracing::span::Id,
    ) -> Option<(opentelemetry::trace::TraceId, opentelemetry::trace::SpanId)> {
        let dispatch = self.dispatch.get()?.upgrade()?;
        let context = tracing_opentelemetry::get_otel_context(id, &dispatch)?;
        let span = context.span();
        let span_context = span.span_context();
        span_context
            .is_valid()
            .then(|| (span_context.trace_id(), span_context.span_id()))
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
struct Rendered {
    buf: String,
    fields: Vec<(&'static str, std::ops::Range<usize>)>,
}

impl Default for Rendered {
    /// Sized for a typical span, so rendering does not grow the buffers step by step.
    fn default() -> Self {
        Rendered {
            buf: String::with_capacity(160),
            fields: Vec::with_capacity(6),
        }
    }
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
        if is_secret_name(name) {
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
        if is_secret_name(name) {
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

/// [`is_secret_field`] for a field name of a callsite, remembered per name: field names are
/// `'static` strings, so the address and length identify one.
fn is_secret_name(name: &'static str) -> bool {
    thread_local! {
        static KNOWN: std::cell::RefCell<[(usize, usize, bool); 128]> =
            const { std::cell::RefCell::new([(0, 0, false); 128]) };
    }
    let key = (name.as_ptr() as usize, name.len());
    let slot = (key.0 >> 3) % 128;
    KNOWN.with(|known| {
        let Ok(mut known) = known.try_borrow_mut() else {
            return is_secret_field(name);
        };
        let (address, len, secret) = known[slot];
        if (address, len) == key {
            return secret;
        }
        let secret = is_secret_field(name);
        known[slot] = (key.0, key.1, secret);
        secret
    })
}

/// Appends the time as RFC 3339 UTC with microseconds (`2026-11-27T10:00:00.123456Z`).
fn push_timestamp(out: &mut String, now: std::time::SystemTime) {
    let since = now
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let days = (secs / 86_400) as i64;
    let of_day = secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Digits pushed directly: this runs for every line.
    fn digits(out: &mut String, value: u64, width: u32, then: Option<char>) {
        for place in (0..width).rev() {
            let digit = (value / 10u64.pow(place)) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
        if let Some(separator) = then {
            out.push(separator);
        }
    }
    digits(out, year.max(0) as u64, 4, Some('-'));
    digits(out, month as u64, 2, Some('-'));
    digits(out, day as u64, 2, Some('T'));
    digits(out, of_day / 3600, 2, Some(':'));
    digits(out, of_day / 60 % 60, 2, Some(':'));
    digits(out, of_day % 60, 2, Some('.'));
    digits(out, u64::from(since.subsec_micros()), 6, Some('Z'));
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
        // The buffers of a line are reused by the next line on the same thread.
        thread_local! {
            static BUFFERS: std::cell::RefCell<(String, String, Rendered)> =
                std::cell::RefCell::new((String::new(), String::new(), Rendered::default()));
        }
        BUFFERS.with(|buffers| match buffers.try_borrow_mut() {
            Ok(mut buffers) => {
                let (line, message, own) = &mut *buffers;
                line.clear();
                message.clear();
                own.buf.clear();
                own.fields.clear();
                self.write_event(event, &ctx, line, message, own);
            }
            Err(_) => self.write_event(
                event,
                &ctx,
                &mut String::new(),
                &mut String::new(),
                &mut Rendered::default(),
            ),
        });
    }
}

impl<W> LogLayer<W>
where
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn write_event<S>(
        &self,
        event: &Event<'_>,
        ctx: &Context<'_, S>,
        line: &mut String,
        message: &mut String,
        own: &mut Rendered,
    ) where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        use std::fmt::Write as _;
        let meta = event.metadata();
        let json = self.options.json;
        let mut render = Render {
            out: own,
            json,
            message: Some(message),
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
        // The innermost span the OpenTelemetry layer tracks (children of unsampled spans are
        // not tracked; their lines carry the ids of the nearest tracked ancestor).
        let otel_ids = spans.iter().find_map(|span| self.otel_ids(&span.id()));
        let extensions: Vec<_> = spans.iter().map(|span| span.extensions()).collect();
        let message = redact_text(message);
        if json {
            line.push_str("{\"timestamp\":\"");
            push_timestamp(line, std::time::SystemTime::now());
            line.push_str("\",\"level\":\"");
            line.push_str(meta.level().as_str());
            line.push_str("\",\"target\":");
            push_json_str(line, meta.target());
            line.push_str(",\"message\":");
            push_json_str(line, &message);
        } else {
            push_timestamp(line, std::time::SystemTime::now());
            let _ = write!(line, " {:>5} ", meta.level().as_str());
            line.push_str(meta.target());
            line.push_str(": ");
            line.push_str(&message);
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
        if let Some((trace_id, span_id)) = otel_ids {
            written.extend(["trace_id", "span_id"]);
            let quote = if json { "\"" } else { "" };
            push_name(line, "trace_id");
            let _ = write!(line, "{quote}{trace_id:032x}{quote}");
            push_name(line, "span_id");
            let _ = write!(line, "{quote}{span_id:016x}{quote}");
        }
        let sources = std::iter::once(&*own).chain(
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
                push_name(line, name);
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
    fn timestamps_match_rfc3339_utc_with_microseconds() {
        for secs in [
            0u64,
            951_782_400,
            1_795_772_881,
            4_102_444_799,
            1_709_164_800,
        ] {
            let at = std::time::UNIX_EPOCH + std::time::Duration::new(secs, 123_456_789);
            let mut ours = String::new();
            push_timestamp(&mut ours, at);
            let expected = chrono::DateTime::<chrono::Utc>::from(at)
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            assert_eq!(ours, expected);
        }
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
