//! The probe plan of a generated service (`.ectus/probe-plan.json`): what QA's probe phase
//! needs beyond the service's own OpenAPI document to attack it realistically — the binary,
//! how to register accounts, and a valid create body for each entity with the parents it
//! needs first and the relation that names its owner.

use serde::Serialize;
use serde_json::Value;

use crate::view::View;

/// Format version of the plan.
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize)]
struct Plan<'a> {
    version: u32,
    binary: &'a str,
    database: &'a str,
    auth: &'a str,
    /// `jwt`: where accounts are created, with a valid body (email and password are added).
    register: Option<Register<'a>>,
    /// Entities in creation order (parents first).
    entities: Vec<PlanEntity<'a>>,
}

#[derive(Debug, Serialize)]
struct Register<'a> {
    path: &'static str,
    login: &'static str,
    body: Value,
    identity_item: Option<String>,
    identity_update: bool,
    identity_delete: bool,
    /// The identity entity (a parent that is the identity is the registered account).
    entity: &'a str,
}

#[derive(Debug, Serialize)]
struct Parent<'a> {
    fk: &'a str,
    entity: &'a str,
    required: bool,
}

#[derive(Debug, Serialize)]
struct PlanEntity<'a> {
    name: &'a str,
    collection: &'a str,
    item: String,
    /// A valid create body without foreign keys; `None` when the entity cannot be created
    /// through the API.
    create: Option<Value>,
    parents: Vec<Parent<'a>>,
    owner_fk: Option<&'a str>,
    identity: bool,
    get: bool,
    update: bool,
    delete: bool,
}

/// The plan as pretty JSON.
pub fn render(view: &View) -> String {
    let identity = view.entities.iter().find(|e| e.is_identity);
    let plan = Plan {
        version: VERSION,
        binary: &view.service.name,
        database: view.database,
        auth: view.auth_mode,
        register: identity.map(|e| {
            let mut body: Value = serde_json::from_str(&e.sample_create).unwrap_or_default();
            if let Some(map) = body.as_object_mut() {
                map.remove("email");
            }
            Register {
                path: "/auth/register",
                login: "/auth/login",
                body,
                identity_item: (e.ops.get || e.ops.update || e.ops.delete)
                    .then(|| e.item_route.clone()),
                identity_update: e.ops.update,
                identity_delete: e.ops.delete,
                entity: &e.name,
            }
        }),
        entities: view
            .entities_by_depth
            .iter()
            .filter(|e| !e.is_identity)
            .map(|e| PlanEntity {
                name: &e.name,
                collection: &e.route,
                item: e.item_route.clone(),
                create: e
                    .ops
                    .create
                    .then(|| serde_json::from_str(&e.sample_create).unwrap_or_default()),
                parents: e
                    .given_parents
                    .iter()
                    .map(|p| Parent {
                        fk: &p.fk,
                        entity: &p.entity,
                        required: p.required,
                    })
                    .collect(),
                owner_fk: e.owner.as_ref().map(|o| o.fk.as_str()),
                identity: false,
                get: e.ops.get,
                update: e.ops.update,
                delete: e.ops.delete,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&plan).unwrap_or_default() + "\n"
}
