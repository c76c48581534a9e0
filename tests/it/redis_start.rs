//! Starting while Redis is down: the service starts degraded, answers from memory and the database, and takes
//! Redis into use once it answers.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn readiness(app: &TestApp) -> (u16, Value) {
    let r = reqwest::get(app.url("/readyz")).await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Kills the Redis server this test started, whatever happens to the test.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn with_redis_down_at_start_the_service_starts_degraded_and_takes_redis_when_it_comes() {
    // A port nothing listens on (until the Redis started below).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("redis://127.0.0.1:{port}");
    let app = TestApp::spawn_with(|c| c.redis_url = Some(url.clone().into())).await;

    let (status, body) = readiness(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["cacheKind"], "redis");
    let t = app.tenant("massage").await;
    let data = app.bearer(&t.api_key).gql("{ tenant { slug } }", json!({})).await.data();
    assert_eq!(data["tenant"]["slug"], t.slug.as_str());

    let Ok(child) = std::process::Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::null())
        .spawn()
    else {
        eprintln!("skipped the second half: no redis-server to start");
        return;
    };
    let _server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = readiness(&app).await;
        if body["status"] == "ready" {
            assert_eq!(status, 200);
            break;
        }
        assert!(Instant::now() < deadline, "Redis was not taken into use: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let data = app.bearer(&t.api_key).gql("{ tenant { slug } }", json!({})).await.data();
    assert_eq!(data["tenant"]["slug"], t.slug.as_str());
}
