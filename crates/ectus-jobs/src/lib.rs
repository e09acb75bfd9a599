//! The Ectus-R job runtime: workers that take jobs from the queue in the database and run them.
//!
//! A [`WorkerPool`] runs N worker loops. Each loop reaps expired leases, claims one job,
//! runs its [`JobHandler`] while renewing the lease, and records the outcome — conditional on
//! still holding the lease. A cancellation request, a lost lease and a shutdown all reach the
//! handler through one stop signal ([`JobContext::stopped`]); the runtime then writes what fits
//! the reason: `cancelled`, nothing (someone else owns the job now), or a release back to the
//! queue. Handlers that panic fail their attempt instead of taking the worker down.

mod context;
pub mod crash_points;
pub mod export;
mod pool;
pub mod sleep;

pub use context::{AttemptDir, JobContext, JobOutcome};
pub use pool::{WorkerHealth, WorkerOptions, WorkerPool};

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::BoxFuture;

/// Runs jobs of one kind.
pub trait JobHandler: Send + Sync + 'static {
    fn run(&self, ctx: JobContext) -> BoxFuture<'static, JobOutcome>;
}

/// The job kinds a worker can run, by name.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: BTreeMap<String, Arc<dyn JobHandler>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// The kinds shipped with Ectus-R.
    pub fn with_builtin_kinds() -> Registry {
        let mut registry = Registry::new();
        registry.register(sleep::KIND, sleep::SleepJob);
        registry
    }

    pub fn register(&mut self, kind: &str, handler: impl JobHandler) {
        self.handlers.insert(kind.to_owned(), Arc::new(handler));
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn JobHandler>> {
        self.handlers.get(kind).cloned()
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }
}
