//! Log output: JSON lines or plain text on standard output (redacted, access lines sampled),
//! filtered by `RUST_LOG` or `log.level`. The rendering lives in `ectus_telemetry::logs`.

use std::io::IsTerminal as _;

use ectus_telemetry::logs::{LogLayer, LogOptions};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::config::{Config, LogFormat};

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

/// Installs the global subscriber (logs, and OpenTelemetry spans when an endpoint is set).
/// Call once, before anything logs; keep the returned value alive until exit.
pub fn init(full: &Config) -> Telemetry {
    let config = &full.log;
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| EnvFilter::new(&config.level));
    let json = match config.format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stdout().is_terminal(),
    };
    let layer = LogLayer::new(
        LogOptions {
            json,
            access_sample_ratio: config.access_sample_ratio,
            slow_request_ms: config.slow_request_ms,
        },
        std::io::stdout,
    );
    let settings = ectus_telemetry::traces::TraceSettings {
        endpoint: full.tracing.otlp_endpoint.clone(),
        service_name: full.tracing.service_name.clone(),
        sample_ratio: full.tracing.sample_ratio,
    };
    let provider = match ectus_telemetry::traces::provider(&settings) {
        Ok(provider) => provider,
        Err(error) => {
            eprintln!("warning: traces are not exported: {error}");
            None
        }
    };
    // Directives choose log lines only; spans reach the OpenTelemetry layer at INFO and above
    // whatever the log level.
    let otel = provider.as_ref().map(|provider| {
        ectus_telemetry::traces::layer(provider).with_filter(ectus_telemetry::filter::SPAN_LEVEL)
    });
    // A subscriber already installed (tests) is not an error worth stopping for.
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(ectus_telemetry::filter::EventFilter::new(filter)))
        .with(otel)
        .try_init();
    Telemetry { provider }
}
