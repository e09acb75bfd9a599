//! A local OTLP/HTTP trace receiver: decodes the OpenTelemetry protobuf export requests the
//! platform sends to `/v1/traces` and remembers the trace ids it has seen.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

/// The trace ids received, as lowercase hex.
#[derive(Clone, Default)]
pub struct Received(Arc<Mutex<HashSet<String>>>);

impl Received {
    /// Which of `wanted` have not arrived (yet).
    pub fn missing<'a>(&self, wanted: impl IntoIterator<Item = &'a String>) -> Vec<String> {
        let seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        wanted
            .into_iter()
            .filter(|id| !seen.contains(*id))
            .cloned()
            .collect()
    }

    /// How many distinct traces arrived.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Starts the receiver on a free loopback port; returns its base URL (what
/// `OTEL_EXPORTER_OTLP_ENDPOINT` takes) and what it receives. It runs until the runtime ends.
pub async fn start() -> anyhow::Result<(String, Received)> {
    let received = Received::default();
    let sink = received.clone();
    let router = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let sink = sink.clone();
            async move {
                let Ok(request) = ExportTraceServiceRequest::decode(body) else {
                    return StatusCode::BAD_REQUEST;
                };
                let mut seen = sink.0.lock().unwrap_or_else(|e| e.into_inner());
                for resource in request.resource_spans {
                    for scope in resource.scope_spans {
                        for span in scope.spans {
                            seen.insert(hex(&span.trace_id));
                        }
                    }
                }
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((url, received))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
