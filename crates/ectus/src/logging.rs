//! Log output and trace export from the configuration: JSON lines or plain text on standard
//! output (redacted, access lines sampled), filtered by `RUST_LOG` or `log.level`, and OTLP
//! export when an endpoint is set. The machinery lives in `ectus_telemetry`.

use std::io::IsTerminal as _;

use ectus_telemetry::install::Telemetry;
use ectus_telemetry::logs::LogOptions;
use ectus_telemetry::traces::TraceSettings;

use crate::config::{Config, LogFormat};

/// Installs the global subscriber. Call once, before anything logs; keep the returned value
/// alive until exit.
pub fn init(full: &Config) -> Telemetry {
    let config = &full.log;
    let json = match config.format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stdout().is_terminal(),
    };
    ectus_telemetry::install::install(
        &config.level,
        LogOptions {
            json,
            access_sample_ratio: config.access_sample_ratio,
            slow_request_ms: config.slow_request.as_secs_f64() * 1000.0,
        },
        &TraceSettings {
            endpoint: full.tracing.otlp_endpoint.clone(),
            service_name: full.tracing.service_name.clone(),
            sample_ratio: full.tracing.sample_ratio,
        },
    )
}
