//! Meilisearch: one index per kind of document (shops), shared by the tenants of a deployment. Every search the
//! server makes carries the tenant filter; callers never supply it.

use std::time::Duration;

use anyhow::{Context, bail};
use meilisearch_sdk::{client::Client, errors::Error as MeiliError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What Meilisearch holds of a published shop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShopDoc {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub address: String,
    pub district: String,
    pub intro: String,
    pub tags: Vec<String>,
    pub therapist_names: Vec<String>,
    pub specialties: Vec<String>,
    pub service_names: Vec<String>,
    pub categories: Vec<String>,
}

/// Searchable fields, most important first (Meilisearch ranks by attribute order).
const SEARCHABLE: [&str; 9] =
    ["name", "service_names", "categories", "therapist_names", "specialties", "tags", "district", "address", "intro"];

const SEARCH_TIMEOUT: Duration = Duration::from_secs(2);
const WRITE_TIMEOUT: Duration = Duration::from_secs(15);

pub struct Meili {
    client: Client,
    index: String,
}

#[derive(Deserialize)]
struct Hit {
    id: String,
}

impl Meili {
    pub fn new(url: &str, api_key: Option<&str>, index: &str) -> anyhow::Result<Meili> {
        let client = Client::new(url, api_key).context("MEILI_URL is not usable")?;
        Ok(Meili { client, index: index.to_owned() })
    }

    async fn finish(&self, task: meilisearch_sdk::task_info::TaskInfo) -> anyhow::Result<()> {
        let done = task.wait_for_completion(&self.client, Some(Duration::from_millis(50)), Some(WRITE_TIMEOUT)).await?;
        if done.is_failure() {
            bail!("a Meilisearch task failed: {}", done.unwrap_failure());
        }
        Ok(())
    }

    /// Creates the index with its settings if it does not exist; answers true when it made it (so that the
    /// caller fills it).
    pub async fn prepare(&self) -> anyhow::Result<bool> {
        let created = match self.client.get_index(&self.index).await {
            Ok(_) => false,
            Err(MeiliError::Meilisearch(e)) if e.error_code == meilisearch_sdk::errors::ErrorCode::IndexNotFound => {
                let task = self.client.create_index(&self.index, Some("id")).await?;
                self.finish(task).await?;
                true
            }
            Err(e) => return Err(e.into()),
        };
        let index = self.client.index(&self.index);
        self.finish(index.set_filterable_attributes(["tenant_id"]).await?).await?;
        self.finish(index.set_searchable_attributes(SEARCHABLE).await?).await?;
        Ok(created)
    }

    /// Replaces these documents and deletes those ids, and waits until Meilisearch has applied both.
    pub async fn apply(&self, upserts: &[ShopDoc], deletes: &[String]) -> anyhow::Result<()> {
        let index = self.client.index(&self.index);
        if !upserts.is_empty() {
            self.finish(index.add_or_replace(upserts, Some("id")).await?).await?;
        }
        if !deletes.is_empty() {
            self.finish(index.delete_documents(deletes).await?).await?;
        }
        Ok(())
    }

    /// Removes every document of a tenant (when the tenant is purged).
    pub async fn delete_tenant(&self, tenant: Uuid) -> anyhow::Result<()> {
        let index = self.client.index(&self.index);
        let filter = format!("tenant_id = \"{tenant}\"");
        let mut query = meilisearch_sdk::documents::DocumentDeletionQuery::new(&index);
        query.with_filter(&filter);
        self.finish(index.delete_documents_with(&query).await?).await
    }

    /// Shop ids of `tenant` matching `query`, best first.
    pub async fn search(&self, tenant: Uuid, query: &str, limit: usize) -> anyhow::Result<Vec<Uuid>> {
        let index = self.client.index(&self.index);
        let filter = format!("tenant_id = \"{tenant}\"");
        let mut q = index.search();
        q.with_query(query).with_filter(&filter).with_limit(limit);
        let found =
            tokio::time::timeout(SEARCH_TIMEOUT, q.execute::<Hit>()).await.context("Meilisearch timed out")??;
        Ok(found.hits.into_iter().filter_map(|h| Uuid::parse_str(&h.result.id).ok()).collect())
    }
}
