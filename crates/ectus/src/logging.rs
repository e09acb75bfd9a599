//! Log output: JSON lines or plain text on standard output (redacted, access lines sampled),
//! filtered by `RUST_LOG` or `log.level`. The rendering lives in `ectus_telemetry::logs`.

use std::io::IsTerminal as _;

use ectus_telemetry::logs::{LogLayer, LogOptions};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, LogFormat};

/// Installs the global subscriber. Call once, before anything logs.
pub fn init(config: &LogConfig) {
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
    // A subscriber already installed (tests) is not an error worth stopping for.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .try_init();
}
