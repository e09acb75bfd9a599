//! The level filter of log lines. `RUST_LOG`-style directives decide which *events* become
//! lines, while spans at INFO and above are always kept, so a line written at WARN inside a
//! request still carries the request's fields and the OpenTelemetry layer still sees every
//! request, query and job span whatever the log level.

use tracing::subscriber::Interest;
use tracing::{span, Metadata, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::EnvFilter;

/// Spans at this level or above always pass, whatever the directives say.
pub const SPAN_LEVEL: LevelFilter = LevelFilter::INFO;

/// A global filter (the first layer of the subscriber): events filtered by directives, spans
/// kept at [`SPAN_LEVEL`] or above. Global rather than per-layer, so entering and leaving a
/// span costs no per-layer filter bookkeeping.
pub struct EventFilter {
    directives: EnvFilter,
}

impl EventFilter {
    pub fn new(directives: EnvFilter) -> EventFilter {
        EventFilter { directives }
    }

    fn span_kept(meta: &Metadata<'_>) -> bool {
        meta.is_span() && SPAN_LEVEL >= *meta.level()
    }
}

impl<S> Layer<S> for EventFilter
where
    S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if Self::span_kept(meta) {
            Interest::always()
        } else {
            Layer::<S>::register_callsite(&self.directives, meta)
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, cx: Context<'_, S>) -> bool {
        Self::span_kept(meta) || Layer::<S>::enabled(&self.directives, meta, cx)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        let directives = Layer::<S>::max_level_hint(&self.directives);
        Some(directives.map_or(SPAN_LEVEL, |level| level.max(SPAN_LEVEL)))
    }

    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, cx: Context<'_, S>) {
        Layer::<S>::on_new_span(&self.directives, attrs, id, cx);
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, cx: Context<'_, S>) {
        Layer::<S>::on_record(&self.directives, id, values, cx);
    }

    fn on_enter(&self, id: &span::Id, cx: Context<'_, S>) {
        Layer::<S>::on_enter(&self.directives, id, cx);
    }

    fn on_exit(&self, id: &span::Id, cx: Context<'_, S>) {
        Layer::<S>::on_exit(&self.directives, id, cx);
    }

    fn on_close(&self, id: span::Id, cx: Context<'_, S>) {
        Layer::<S>::on_close(&self.directives, id, cx);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;
    use crate::logs::{LogLayer, LogOptions};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut bytes) = self.0.lock() {
                bytes.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
        type Writer = Capture;
        fn make_writer(&'a self) -> Capture {
            self.clone()
        }
    }

    #[test]
    fn at_warn_info_lines_go_but_warnings_keep_their_span_fields_and_spans_reach_other_layers() {
        let out = Capture::default();
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
        let otel = crate::traces::layer(&provider);
        let subscriber = tracing_subscriber::registry()
            .with(EventFilter::new(EnvFilter::new("warn")))
            .with(LogLayer::new(LogOptions::default(), out.clone()))
            .with(Some(otel));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", request_id = "r-7");
            let _entered = span.enter();
            tracing::info!("routine");
            tracing::debug!("chatter");
            tracing::warn!("something odd");
        });
        let bytes = out.0.lock().map(|b| b.clone()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines.len(), 1, "{text}");
        assert_eq!(lines[0]["message"], "something odd");
        assert_eq!(
            lines[0]["request_id"], "r-7",
            "the INFO span still gives its fields"
        );
        assert!(
            lines[0]["span_id"].as_str().is_some_and(|s| s.len() == 16),
            "the OpenTelemetry layer saw the span: {text}"
        );
    }
}
