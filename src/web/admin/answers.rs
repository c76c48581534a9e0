//! The shapes of the API's answers that several console pages read.

use serde::{Deserialize, de::DeserializeOwned};
use serde_json::json;

use crate::web::{page::Staff, runner::Failure};

/// A page of a connection (`edges { node { … } }`).
#[derive(Deserialize)]
pub struct Connection<T> {
    edges: Vec<Edge<T>>,
}

#[derive(Deserialize)]
struct Edge<T> {
    node: T,
}

impl<T> Connection<T> {
    pub fn nodes(self) -> Vec<T> {
        self.edges.into_iter().map(|e| e.node).collect()
    }
}

/// Something with an id and a name (a shop, a therapist).
#[derive(Deserialize, Clone)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Deserialize)]
struct ShopList<T> {
    shops: Connection<T>,
}

/// The tenant's shops (the first hundred), as a tenant administrator's pages list them.
pub async fn tenant_shops<T: DeserializeOwned>(staff: &Staff) -> Result<Vec<T>, Failure> {
    let list: ShopList<T> = staff.runner.run("ShopList", json!({ "first": 100 })).await?;
    Ok(list.shops.nodes())
}
