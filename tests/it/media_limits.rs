//! What uploads may take: a decode memory budget shared by concurrent uploads, and a rate of uploads per consumer
//! and per client address.

use std::time::Duration;

use image::{ImageEncoder, Rgb, RgbImage};
use serde_json::Value;

use crate::helpers::TestApp;
use crate::media::{exif_jpeg, upload};

/// A PNG of `side`×`side` pixels of one colour: a few KB that decode to `3·side²` bytes.
fn flat_png(side: u32) -> Vec<u8> {
    let img = RgbImage::from_pixel(side, side, Rgb([30, 120, 60]));
    let mut png = vec![];
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(img.as_raw(), side, side, image::ExtendedColorType::Rgb8)
        .unwrap();
    png
}

async fn upload_raw(app: &TestApp, credential: &str, purpose: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("x.jpg").mime_str("image/jpeg").unwrap();
    let form = reqwest::multipart::Form::new().part("file", part).text("purpose", purpose.to_owned());
    let req =
        app.client.post(app.url("/media")).multipart(form).header("authorization", format!("Bearer {credential}"));
    req.send().await.unwrap()
}

/// The status, `Retry-After` in seconds, and the error's code and reason.
async fn refusal(r: reqwest::Response) -> (u16, Option<u64>, String, String) {
    let status = r.status().as_u16();
    let retry = r.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let body: Value = r.json().await.unwrap();
    let ext = &body["errors"][0]["extensions"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (status, retry, text(&ext["code"]), text(&ext["reason"]))
}

#[tokio::test]
async fn when_the_decode_budget_is_taken_an_upload_waits_briefly_then_is_told_to_retry() {
    let app = TestApp::spawn_with(|c| {
        c.decode_budget_mb = 4;
        c.decode_wait = Duration::from_millis(300);
    })
    .await;
    let t = app.tenant("water").await;
    let consumer = app.consumer(&t, "o-busy").await;

    // Other uploads being decoded hold the whole budget.
    let held = app.state.decode_budget.reserve(4 * 1024 * 1024).await.expect("the whole budget");
    let started = std::time::Instant::now();
    let (status, retry, code, reason) = refusal(upload_raw(&app, &consumer, "meter_photo", exif_jpeg()).await).await;
    assert_eq!((status, code.as_str(), reason.as_str()), (503, "UNAVAILABLE", "DECODE_BUSY"));
    assert!(retry.is_some_and(|s| (1..=60).contains(&s)), "Retry-After: {retry:?}");
    assert!(started.elapsed() >= Duration::from_millis(300), "it waited for the budget first");
    assert!(started.elapsed() < Duration::from_secs(5), "and not for long");

    // Freed while the upload waits: the upload goes ahead.
    let freed = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(held);
    });
    let (status, body) = upload(&app, Some(&consumer), "meter_photo", "meter.jpg", exif_jpeg()).await;
    assert_eq!(status, 201, "{body}");
    freed.await.unwrap();
}

#[tokio::test]
async fn an_image_that_needs_more_than_the_whole_budget_is_refused_as_too_large() {
    let app = TestApp::spawn_with(|c| {
        c.decode_budget_mb = 2;
        c.decode_wait = Duration::from_secs(30);
    })
    .await;
    let t = app.tenant("water").await;
    let consumer = app.consumer(&t, "o-big").await;
    // 1200×1200 decodes to 4.3 MB: more than the whole budget. It is refused at once, never left waiting.
    let started = std::time::Instant::now();
    let (status, body) = upload(&app, Some(&consumer), "meter_photo", "big.png", flat_png(1200)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "VALIDATION");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "IMAGE_TOO_LARGE");
    assert!(started.elapsed() < Duration::from_secs(10));
    // A small one fits.
    let (status, body) = upload(&app, Some(&consumer), "meter_photo", "small.png", flat_png(300)).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn uploads_are_rate_limited_per_consumer_and_per_client_address() {
    let app = TestApp::spawn_with(|c| {
        c.upload_credential_per_minute = 2;
        c.upload_ip_per_minute = 3;
    })
    .await;
    let t = app.tenant("water").await;
    let (first, second) = (app.consumer(&t, "o-rate-1").await, app.consumer(&t, "o-rate-2").await);
    for _ in 0..2 {
        let (status, body) = upload(&app, Some(&first), "meter_photo", "m.jpg", exif_jpeg()).await;
        assert_eq!(status, 201, "{body}");
    }
    // The consumer's own budget is spent.
    let (status, retry, code, reason) = refusal(upload_raw(&app, &first, "meter_photo", exif_jpeg()).await).await;
    assert_eq!((status, code.as_str(), reason.as_str()), (429, "RATE_LIMITED", "TOO_MANY_UPLOADS"));
    assert!(retry.is_some_and(|s| (1..=60).contains(&s)), "Retry-After: {retry:?}");
    // Another consumer from the same address gets what is left of the address's budget.
    let (status, body) = upload(&app, Some(&second), "meter_photo", "m.jpg", exif_jpeg()).await;
    assert_eq!(status, 201, "{body}");
    let (status, retry, code, _) = refusal(upload_raw(&app, &second, "meter_photo", exif_jpeg()).await).await;
    assert_eq!((status, code.as_str()), (429, "RATE_LIMITED"));
    assert!(retry.is_some());
}
