//! Installing the process-wide `tracing` subscriber: log lines (filtered by directives) and,
//! when an endpoint is configured, OpenTelemetry span export. `ectus serve`, `ectus worker`
//! and the observability load benchmark all install it through [`install`].

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::EnvFilter;

use crate::filter::EventFilter;
use crate::logs::{LogLayer, LogOptions};
use crate::traces::TraceSettings;

/// Keeps trace export running; flushes queued spans when dropped.
pub struct Telemetry {
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            // Bounded by the exporter's own timeout; a dead collector costs at most that.
            let _ = provider.shutdown();
        }
    }
}

/// Installs the global subscriber writing lines to standard output. `directives` are
/// `RUST_LOG`-style (`RUST_LOG` itself wins when set and valid). A subscriber already
/// installed (tests) is left in place. Keep the returned value alive until exit.
pub fn install(directives: &str, log: LogOptions, traces: &TraceSettings) -> Telemetry {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| EnvFilter::new(directives));
    let layer = LogLayer::new(log, std::io::stdout);
    let provider = match crate::traces::provider(traces) {
        Ok(provider) => provider,
        Err(error) => {
            eprintln!("warning: traces are not exported: {error}");
            None
        }
    };
    // Directives choose log lines only; spans reach the OpenTelemetry layer at INFO and above
    // whatever the log level (its own filter). The layer is added only when export is on,
    // not wrapped in an `Option`, which would hide the dispatcher from it.
    let base = tracing_subscriber::registry()
        .with(EventFilter::new(filter))
        .with(layer);
    let _ = match provider.as_ref() {
        Some(provider) => base.with(crate::traces::layer(provider)).try_init(),
        None => base.try_init(),
    };
    Telemetry { provider }
}
