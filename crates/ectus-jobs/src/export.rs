//! The `export` job: writes the job's tenant into an archive ([`ectus_store::transfer`]) in
//! its attempt's staging directory, then stores the archive under the job
//! ([`ectus_store::exports`]) for download from any replica. Progress goes to the job's event
//! stream; a cancellation stops the export and leaves nothing behind but the audit entry of an
//! export already written.

use std::path::PathBuf;

use ectus_store::audit::Acting;
use ectus_store::jobs::NewJob;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::{JobContext, JobHandler, JobOutcome};

pub const KIND: &str = "export";

/// Attempts: one retry covers a worker lost part-way.
const MAX_ATTEMPTS: i64 = 2;

/// Who asked for the export, for its audit entry; the tenant is the job's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportPayload {
    /// The requesting key's prefix.
    pub requested_by: String,
    pub request_id: Option<String>,
}

impl ExportPayload {
    pub fn into_job(self) -> NewJob {
        NewJob {
            kind: KIND.to_owned(),
            payload: serde_json::json!({
                "requested_by": self.requested_by,
                "request_id": self.request_id,
            }),
            max_attempts: MAX_ATTEMPTS,
        }
    }
}

/// Handler of the `export` kind.
pub struct ExportJob {
    /// Where archives are staged before they are stored.
    pub work_dir: PathBuf,
}

impl JobHandler for ExportJob {
    fn run(&self, ctx: JobContext) -> BoxFuture<'static, JobOutcome> {
        let work_dir = self.work_dir.clone();
        Box::pin(async move {
            let payload: ExportPayload = match ctx.payload() {
                Ok(payload) => payload,
                Err(error) => return JobOutcome::Failed(error),
            };
            let stopped = ctx.stopped().clone();
            tokio::select! {
                outcome = run(&ctx, &work_dir, &payload) => outcome,
                () = stopped.cancelled() => JobOutcome::Stopped,
            }
        })
    }
}

async fn run(ctx: &JobContext, work_dir: &std::path::Path, payload: &ExportPayload) -> JobOutcome {
    let staging = match ctx.attempt_dir(work_dir, &format!("export-{}", ctx.job.id)) {
        Ok(dir) => dir,
        Err(error) => return JobOutcome::Failed(format!("cannot stage the export: {error}")),
    };
    fail::fail_point!("export.staged");
    let path = staging.join("export.tar.gz");
    ctx.progress("export", 5, "reading the tenant's snapshot")
        .await;
    let acting = Acting::key(&payload.requested_by, payload.request_id.clone());
    let summary = match ctx
        .store()
        .export_tenant_by_id(&ctx.job.tenant_id, &acting, &path)
        .await
    {
        Ok(summary) => summary,
        Err(error) => return JobOutcome::Failed(ectus_telemetry::chain(&error).to_string()),
    };
    fail::fail_point!("export.archived");
    ctx.progress(
        "store",
        70,
        &format!("storing the archive ({} bytes)", summary.bytes),
    )
    .await;
    let mut file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(error) => return JobOutcome::Failed(format!("cannot reopen the archive: {error}")),
    };
    match ctx
        .store()
        .store_export_archive(&ctx.job.tenant_id, &ctx.job.id, ctx.owner(), &mut file)
        .await
    {
        Ok(true) => fail::fail_point!("export.chunks-stored"),
        Ok(false) => return JobOutcome::Stopped,
        Err(error) => return JobOutcome::Failed(ectus_telemetry::chain(&error).to_string()),
    }
    ctx.progress("done", 100, "the archive is ready to download")
        .await;
    JobOutcome::Succeeded(serde_json::json!({
        "bytes": summary.bytes,
        "sha256": summary.sha256,
        "tables": summary.tables,
        "artifacts": summary.artifacts,
        "audit_head": summary.audit_head,
    }))
}
