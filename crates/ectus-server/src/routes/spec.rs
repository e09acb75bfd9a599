//! `GET /api/v1/spec/schema`: the JSON Schema of spec documents (what `spec` in a generation
//! request must follow).

use axum::Json;

use crate::auth::Auth;
use crate::problem::Problem;

/// The JSON Schema of Ectus-R spec documents (`spec_version: 1`).
#[utoipa::path(get, path = "/api/v1/spec/schema", tag = "generations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A JSON Schema document", content_type = "application/schema+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn schema(_auth: Auth) -> Json<serde_json::Value> {
    Json(ectus_spec::json_schema())
}
