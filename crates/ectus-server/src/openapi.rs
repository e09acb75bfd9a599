//! The OpenAPI 3.1 document of the API, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::problem::{FieldError, Problem};

/// Top-level metadata; the paths are added by the router (see [`crate::app::api_routes`]).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ectus-R API",
        description = "Multi-tenant API of the Ectus-R platform. Every `/api/v1` route needs \
                       `Authorization: Bearer <API key>`. Errors are RFC 9457 problem documents \
                       (`application/problem+json`)."
    ),
    modifiers(&BearerAuth),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "projects", description = "A tenant's projects"),
        (name = "generations", description = "Generating, verifying and downloading a project's service"),
        (name = "jobs", description = "The durable job queue"),
        (name = "tenancy", description = "Who is calling"),
        (name = "incidents", description = "Alerts received from Alertmanager, recorded and acknowledged as incidents"),
        (name = "audit", description = "The hash-chained log of security-relevant actions"),
        (name = "exports", description = "A tenant written into an archive, for download and import elsewhere"),
        (name = "health", description = "Probes for load balancers and orchestrators"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An Ectus-R API key (ek_…)"))
                    .build(),
            ),
        );
    }
}
