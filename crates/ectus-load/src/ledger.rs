//! The writes the server acknowledged during a run (projects answered `201`), and the check
//! afterwards that every one of them is there: an acknowledged write is never lost, also not
//! across a database outage.

use std::collections::HashSet;

use anyhow::{bail, Context as _};
use serde::Deserialize;

/// What the check found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LedgerCheck {
    pub acknowledged: u64,
    pub missing: u64,
    /// Up to ten ids acknowledged and not found.
    pub missing_examples: Vec<String>,
}

#[derive(Deserialize)]
struct Page {
    items: Vec<Item>,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct Item {
    id: String,
}

/// Lists every project of the key's tenant and looks for each acknowledged id among them.
pub async fn check(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    acknowledged: &[String],
) -> anyhow::Result<LedgerCheck> {
    let mut present = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = client
            .get(format!("{base}/api/v1/projects"))
            .bearer_auth(key)
            .query(&[("limit", "200")]);
        if let Some(cursor) = &cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        let response = request.send().await.context("list the projects")?;
        if !response.status().is_success() {
            bail!("listing the projects answered {}", response.status());
        }
        let page: Page = response.json().await.context("read a page of projects")?;
        present.extend(page.items.into_iter().map(|item| item.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !present.contains(*id))
        .collect();
    Ok(LedgerCheck {
        acknowledged: acknowledged.len() as u64,
        missing: missing.len() as u64,
        missing_examples: missing.into_iter().take(10).cloned().collect(),
    })
}
