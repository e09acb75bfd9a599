//! Generation: the one pipeline from a derived spec to a verified project, used by `ectus new`
//! in-process and by the `generate` job on the platform's workers.
//!
//! - [`pipeline`]: [`run`] renders the spec ([`ectus_codegen`]), writes the files under the
//!   provenance rules, runs QA ([`ectus_qa`]) when asked, and returns an [`Outcome`], reporting
//!   each step as an [`Event`] and a tracing span.
//! - [`job`]: the `generate` job kind — its name, its typed payload and its handler, which reads
//!   the generation from the store, runs the pipeline in a work directory of its own, packages
//!   the project and records the outcome.
//! - [`package`]: the deterministic `.tar.gz` of a generated project.
//!
//! Turning the user's input into a spec is [`ectus_spec::Input::derive`], called by the CLI and
//! the API before anything is written or queued, so bad input is refused at once.

pub mod job;
pub mod package;
pub mod pipeline;

pub use job::{GenerateJob, GeneratePayload, JobSettings, KIND};
pub use package::package;
pub use pipeline::{run, Event, GenerateError, Outcome, Settings, Status, Target};
