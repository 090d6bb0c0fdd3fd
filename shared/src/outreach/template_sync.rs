//! Pulls every template of one WABA from Meta, page by page, into the template store, and removes
//! stored ones Meta no longer lists. Run on demand by the API and on a schedule by the campaigns
//! function; repeating it is harmless.

use crate::meta::graph::{GraphClient, GraphError};
use crate::outreach::template_store::{TemplateStore, meta_template_of};
use crate::platform::StoreError;

/// Meta's pages are 100 templates; a WABA holds at most a few thousand.
const MAX_PAGES: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Graph API: {0}")]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Synced {
    pub total: u32,
    pub removed: u32,
}

pub async fn sync_templates(
    graph: &GraphClient,
    store: &TemplateStore,
    org_id: &str,
    waba_id: &str,
    access_token: &str,
) -> Result<Synced, SyncError> {
    let mut seen = std::collections::HashSet::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let (entries, next) = graph.template_page(waba_id, access_token, after.as_deref()).await?;
        for meta in entries.iter().filter_map(meta_template_of) {
            store.save_synced(org_id, waba_id, &meta).await?;
            seen.insert((meta.name, meta.language));
        }
        match next {
            Some(cursor) => after = Some(cursor),
            None => {
                let mut removed = 0;
                for stored in store.of_waba(org_id, waba_id).await? {
                    if !seen.contains(&(stored.name.clone(), stored.language.clone())) {
                        store.delete(org_id, &stored.template_id).await?;
                        removed += 1;
                    }
                }
                return Ok(Synced {
                    total: seen.len() as u32,
                    removed,
                });
            }
        }
    }
    // Not every page was read: nothing is removed on a partial picture.
    Ok(Synced {
        total: seen.len() as u32,
        removed: 0,
    })
}
