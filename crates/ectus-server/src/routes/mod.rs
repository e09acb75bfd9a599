//! Handlers, one module per resource.

pub mod audit;
pub mod exports;
pub mod generations;
pub mod health;
pub mod incidents;
pub mod jobs;
pub mod me;
pub mod projects;
pub mod spec;
pub mod tenants;

/// Formats epoch milliseconds as RFC 3339 UTC.
pub(crate) fn rfc3339(at: ectus_store::Timestamp) -> String {
    at.to_rfc3339()
}

/// The page size of a list request: 50 when absent, 1 to 200 allowed (an error otherwise).
pub(crate) fn page_limit(limit: Option<u32>, errors: &mut Vec<crate::problem::FieldError>) -> u32 {
    let limit = limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        errors.push(crate::problem::FieldError {
            field: "limit".into(),
            message: "must be between 1 and 200".into(),
        });
    }
    limit
}
