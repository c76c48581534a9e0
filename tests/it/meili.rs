//! Text search through Meilisearch. These run where a Meilisearch server is reachable: set `MEILI_URL` (and
//! `MEILI_API_KEY` if it has a master key). Without it they return at once; the embedded search is tested in
//! `storefront`.

use std::time::Duration;

use serde_json::json;

use crate::{
    helpers::{TestApp, unique},
    storefront::{shop, storefront},
};

fn meili() -> Option<(String, Option<String>)> {
    let url = std::env::var("MEILI_URL").ok().filter(|u| !u.is_empty())?;
    Some((url, std::env::var("MEILI_API_KEY").ok().filter(|k| !k.is_empty())))
}

/// The document Meilisearch holds for a shop, once it has one (or `None` after waiting).
async fn document(index: &str, id: &str, present: bool) -> Option<serde_json::Value> {
    let (url, key) = meili()?;
    let client = reqwest::Client::new();
    for _ in 0..150 {
        let mut req = client.get(format!("{url}/indexes/{index}/documents/{id}"));
        if let Some(k) = &key {
            req = req.bearer_auth(k);
        }
        let r = req.send().await.unwrap();
        if r.status().is_success() == present {
            return if present { r.json().await.ok() } else { Some(json!(null)) };
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}

async fn search(caller: &crate::helpers::Caller<'_>, q: &str) -> Vec<String> {
    let r = caller.gql("query($q: String!) { searchShops(query: $q) { id } }", json!({ "q": q })).await.data();
    r["searchShops"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn meilisearch_answers_in_chinese_within_the_tenant_only() {
    let Some((url, key)) = meili() else {
        eprintln!("MEILI_URL is not set: the Meilisearch path is not exercised here");
        return;
    };
    let index = unique("civic-test");
    let idx = index.clone();
    let app = TestApp::spawn_with(move |c| {
        c.meili_url = Some(url);
        c.meili_api_key = key.map(Into::into);
        c.meili_index = idx;
    })
    .await;
    let a = app.tenant("massage").await;
    let b = app.tenant("massage").await;
    let s = storefront(&app, &a).await;
    let b_shop = shop(&app.bearer(&b.api_key), "B 区推拿馆", 39.95, 116.43, true).await;
    let doc = document(&index, &s.published, true).await.expect("the shop reaches Meilisearch");
    assert_eq!(doc["tenant_id"], a.id.as_str());
    assert!(doc["service_names"].to_string().contains("中医推拿 60 分钟"));
    document(&index, &b_shop, true).await.expect("B's shop too");

    let (in_a, in_b) = (app.with_tenant(&a.slug), app.with_tenant(&b.slug));
    // A typo only Meilisearch forgives: proof that it, not the embedded index, answers.
    let latin = shop(&app.bearer(&a.api_key), "Kangle Massage", 39.94, 116.43, true).await;
    document(&index, &latin, true).await.expect("indexed");
    assert_eq!(search(&in_a, "Kangel").await, [latin.as_str()]);
    assert!(
        civic::storefront::index::of(&app.state)
            .get(&app.state, &app.state.tenants.fresh(a.id.parse().unwrap()).await.unwrap().unwrap())
            .await
            .unwrap()
            .search
            .search("Kangel", 10)
            .is_empty()
    );
    assert_eq!(search(&in_a, "推拿").await, [s.published.as_str()]);
    assert_eq!(search(&in_a, "张建国").await, [s.published.as_str()]);
    assert_eq!(search(&in_b, "推拿").await, [b_shop.as_str()], "B never gets A's hits");
    assert!(search(&in_b, "张建国").await.is_empty());

    app.bearer(&a.api_key)
        .gql("mutation($id: ID!) { unpublishShop(id: $id) { id } }", json!({ "id": s.published }))
        .await
        .data();
    document(&index, &s.published, false).await.expect("an unpublished shop leaves Meilisearch");
    assert!(search(&in_a, "康乐").await.is_empty());

    // Purging tenant A removes its documents; B's stay.
    let out = app.cli_env(&["tenant", "purge", "--slug", &a.slug], &[("MEILI_INDEX", &index)]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    document(&index, &latin, false).await.expect("A's documents are gone");
    document(&index, &b_shop, true).await.expect("B's remain");
}

#[tokio::test]
async fn a_meilisearch_outage_fails_no_write_and_is_caught_up() {
    let Some((url, key)) = meili() else {
        eprintln!("MEILI_URL is not set: the Meilisearch path is not exercised here");
        return;
    };
    let index = unique("civic-test");
    let idx = index.clone();
    // Meilisearch is down for this process.
    let down = TestApp::spawn_with(move |c| {
        c.meili_url = Some("http://127.0.0.1:9".into());
        c.meili_index = idx;
    })
    .await;
    let t = down.tenant("massage").await;
    let id = shop(&down.bearer(&t.api_key), "停电也能写的店", 39.95, 116.43, true).await;
    assert_eq!(search(&down.with_tenant(&t.slug), "停电").await, [id.as_str()], "the embedded index answers meanwhile");
    // It comes back (here, as another process of the deployment): the waiting rows are sent.
    let idx = index.clone();
    let _up = down
        .spawn_beside_with(move |c| {
            c.meili_url = Some(url);
            c.meili_api_key = key.map(Into::into);
            c.meili_index = idx;
        })
        .await;
    let doc = document(&index, &id, true).await.expect("caught up after the outage");
    assert_eq!(doc["name"], "停电也能写的店");
}
