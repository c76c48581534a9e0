//! `POST /media` and `GET /media/{id}`: images checked by their bytes, cleaned, and walled off by tenant.

use std::io::Cursor;

use image::{ImageEncoder, Rgb, RgbImage};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A 40×20 JPEG, red on the left and blue on the right, with EXIF orientation 6 (turn 90° clockwise to view)
/// and a GPS position.
pub fn exif_jpeg() -> Vec<u8> {
    use exif::{Field, In, Rational, Tag, Value as V, experimental::Writer};
    let img = RgbImage::from_fn(40, 20, |x, _| if x < 20 { Rgb([220, 20, 20]) } else { Rgb([20, 20, 220]) });
    let mut jpeg = vec![];
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
        .write_image(img.as_raw(), 40, 20, image::ExtendedColorType::Rgb8)
        .unwrap();
    let orientation = Field { tag: Tag::Orientation, ifd_num: In::PRIMARY, value: V::Short(vec![6]) };
    let lat_ref = Field { tag: Tag::GPSLatitudeRef, ifd_num: In::PRIMARY, value: V::Ascii(vec![b"N".to_vec()]) };
    let lat = Field {
        tag: Tag::GPSLatitude,
        ifd_num: In::PRIMARY,
        value: V::Rational(vec![
            Rational { num: 39, denom: 1 },
            Rational { num: 54, denom: 1 },
            Rational { num: 27, denom: 1 },
        ]),
    };
    let mut w = Writer::new();
    w.push_field(&orientation);
    w.push_field(&lat_ref);
    w.push_field(&lat);
    let mut tiff = Cursor::new(vec![]);
    w.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    assert_eq!(
        exif::Reader::new()
            .read_from_container(&mut Cursor::new(&out))
            .unwrap()
            .get_field(Tag::Orientation, In::PRIMARY)
            .unwrap()
            .value
            .get_uint(0),
        Some(6)
    );
    out
}

/// A PNG of a few dozen bytes whose header claims 60000×60000 pixels.
fn png_bomb() -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    out
}

pub async fn upload(
    app: &TestApp,
    credential: Option<&str>,
    purpose: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str("image/jpeg").unwrap();
    let form = reqwest::multipart::Form::new().part("file", part).text("purpose", purpose.to_owned());
    let mut req = app.client.post(app.url("/media")).multipart(form);
    if let Some(c) = credential {
        req = req.header("authorization", format!("Bearer {c}"));
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, path: &str, credential: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(c) = credential {
        req = req.header("authorization", format!("Bearer {c}"));
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_photo_comes_back_upright_without_metadata_and_only_to_its_tenant() {
    let app = TestApp::spawn().await;
    let a = app.tenant("massage").await;
    let b = app.tenant("massage").await;
    let (status, body) = upload(&app, Some(&a.api_key), "shop_photo", "IMG_0001.jpg", exif_jpeg()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!((body["width"].as_i64(), body["height"].as_i64()), (Some(20), Some(40)), "turned upright");
    let id = body["id"].as_str().unwrap().to_owned();

    let r = get(&app, &format!("/media/{id}"), Some(&a.api_key)).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let bytes = r.bytes().await.unwrap();
    assert!(exif::Reader::new().read_from_container(&mut Cursor::new(&bytes)).is_err(), "no EXIF survives");
    assert!(!bytes.windows(4).any(|w| w == b"Exif"), "no EXIF segment");
    let img = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (20, 40));
    let (top, bottom) = (img.get_pixel(10, 5), img.get_pixel(10, 35));
    assert!(top[0] > 150 && top[2] < 100, "red on top after turning clockwise: {top:?}");
    assert!(bottom[2] > 150 && bottom[0] < 100, "blue below: {bottom:?}");
    assert_eq!(get(&app, &format!("/media/{id}?thumb=1"), Some(&a.api_key)).await.status().as_u16(), 200);

    // A shop shows it; anonymous H5 pages load it by the URL the API gives.
    let shop = app
        .bearer(&a.api_key)
        .gql(
            "mutation($i: ShopInput!) { createShop(input: $i) { id photos { url thumbUrl } } }",
            json!({ "i": { "name": "有图的店", "address": "北京市", "phone": "010-64012345", "location": { "lat": 39.9, "lng": 116.4 }, "photoIds": [id] } }),
        )
        .await
        .data();
    let url = shop["createShop"]["photos"][0]["url"].as_str().unwrap().to_owned();
    assert_eq!(get(&app, &url, None).await.status().as_u16(), 200);

    // Tenant B: 404, exactly as for an id that does not exist.
    for (path, cred) in [
        (format!("/media/{id}"), Some(b.api_key.as_str())),
        (format!("/media/{id}?tenant={}", b.slug), None),
        (format!("/media/{id}"), None),
        (format!("/media/{}", uuid::Uuid::now_v7()), Some(a.api_key.as_str())),
        ("/media/not-an-id".to_owned(), Some(a.api_key.as_str())),
    ] {
        assert_eq!(get(&app, &path, cred).await.status().as_u16(), 404, "{path}");
    }
    // B cannot put A's photo on its own shop.
    app.bearer(&b.api_key)
        .gql(
            "mutation($i: ShopInput!) { createShop(input: $i) { id } }",
            json!({ "i": { "name": "x", "address": "x", "phone": "010-64012345", "location": { "lat": 39.9, "lng": 116.4 }, "photoIds": [id] } }),
        )
        .await
        .expect_code("VALIDATION");
}

#[tokio::test]
async fn disguised_files_bombs_and_strangers_are_refused() {
    let app = TestApp::spawn().await;
    let t = app.tenant("massage").await;
    let key = Some(t.api_key.as_str());
    for (name, bytes) in [
        ("index.jpg", b"<!doctype html><html><script>alert(1)</script></html>".to_vec()),
        ("shell.jpg", b"<?php system($_GET['c']); ?>".to_vec()),
        ("logo.jpg", br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec()),
    ] {
        let (status, body) = upload(&app, key, "shop_photo", name, bytes).await;
        assert_eq!(status, 415, "{name}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "VALIDATION");
    }
    let started = std::time::Instant::now();
    let (status, _) = upload(&app, key, "shop_photo", "bomb.png", png_bomb()).await;
    assert_eq!(status, 422, "a decompression bomb is refused");
    assert!(started.elapsed().as_secs() < 5, "at once");
    let (status, _) = upload(&app, key, "shop_photo", "big.jpg", vec![0xFF; 11 * 1024 * 1024]).await;
    assert_eq!(status, 413);
    let (status, _) = upload(&app, key, "cat_photo", "ok.jpg", exif_jpeg()).await;
    assert_eq!(status, 400);
    let (status, _) = upload(&app, None, "shop_photo", "ok.jpg", exif_jpeg()).await;
    assert_eq!(status, 401);
    let consumer = app.consumer(&t, "o-media").await;
    let (status, _) = upload(&app, Some(&consumer), "shop_photo", "ok.jpg", exif_jpeg()).await;
    assert_eq!(status, 403, "consumers do not upload shop photos");
    // Nothing refused was stored.
    let dir = app.state.config.data_dir.join("media");
    let stored = walk(&dir);
    assert!(stored.is_empty(), "{stored:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return vec![] };
    rd.filter_map(Result::ok).flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] }).collect()
}

#[tokio::test]
async fn private_photos_are_seen_by_their_uploader_and_the_tenant_staff_only() {
    let app = TestApp::spawn().await;
    let t = app.tenant("water").await;
    let owner = app.consumer(&t, "o-owner").await;
    let stranger = app.consumer(&t, "o-stranger").await;
    let agent = app.staff(&t, "CS_AGENT", &[]).await;
    let (status, body) = upload(&app, Some(&owner), "meter_photo", "meter.jpg", exif_jpeg()).await;
    assert_eq!(status, 201, "{body}");
    let path = format!("/media/{}", body["id"].as_str().unwrap());
    for (who, expected) in [
        (Some(owner.as_str()), 200),
        (Some(agent.token.as_str()), 200),
        (Some(t.api_key.as_str()), 200),
        (Some(stranger.as_str()), 404),
    ] {
        let r = get(&app, &path, who).await;
        assert_eq!(r.status().as_u16(), expected);
        if expected == 200 {
            assert_eq!(r.headers()["cache-control"], "private, no-store");
        }
    }
    assert_eq!(get(&app, &format!("{path}?tenant={}", t.slug), None).await.status().as_u16(), 404);
}

#[track_caller]
fn expect_feature_off(status: u16, body: &Value, purpose: &str) {
    assert_eq!(status, 403, "{purpose}: {body}");
    let ext = &body["errors"][0]["extensions"];
    assert_eq!(ext["code"], "FORBIDDEN", "{purpose}: {body}");
    assert_eq!(ext["reason"], "FEATURE_OFF", "{purpose}: {body}");
    assert_eq!(ext["field"], "purpose", "{purpose}: {body}");
}

#[tokio::test]
async fn a_purpose_is_accepted_only_where_the_tenant_template_offers_it() {
    let app = TestApp::spawn().await;
    let massage = app.tenant("massage").await;
    let water = app.tenant("water").await;
    let massage_consumer = app.consumer(&massage, "o-media-massage").await;
    let water_consumer = app.consumer(&water, "o-media-water").await;
    let water_admin = app.staff(&water, "TENANT_ADMIN", &[]).await;

    // Water purposes at a massage centre, by its consumer and by its own key.
    for purpose in ["meter_photo", "id_document", "ticket_photo"] {
        for who in [massage_consumer.as_str(), massage.api_key.as_str()] {
            let (status, body) = upload(&app, Some(who), purpose, "p.jpg", exif_jpeg()).await;
            expect_feature_off(status, &body, purpose);
        }
    }
    // Storefront purposes at a water utility, by its admin and by its key.
    for purpose in ["shop_photo", "therapist_photo"] {
        for who in [water_admin.token.as_str(), water.api_key.as_str()] {
            let (status, body) = upload(&app, Some(who), purpose, "p.jpg", exif_jpeg()).await;
            expect_feature_off(status, &body, purpose);
        }
    }
    // Refused before the bytes are looked at: not even an image, still `FEATURE_OFF`.
    let (status, body) = upload(&app, Some(&water_consumer), "shop_photo", "x.jpg", b"not an image".to_vec()).await;
    expect_feature_off(status, &body, "shop_photo");
    // Nothing refused was stored.
    let stored = walk(&app.state.config.data_dir.join("media"));
    assert!(stored.is_empty(), "{stored:?}");

    // What each template offers still works.
    for (who, purpose) in [
        (water_consumer.as_str(), "meter_photo"),
        (water_consumer.as_str(), "id_document"),
        (water_consumer.as_str(), "ticket_photo"),
        (water_admin.token.as_str(), "ticket_photo"),
        (massage.api_key.as_str(), "shop_photo"),
        (massage.api_key.as_str(), "therapist_photo"),
    ] {
        let (status, body) = upload(&app, Some(who), purpose, "p.jpg", exif_jpeg()).await;
        assert_eq!(status, 201, "{purpose}: {body}");
        assert_eq!(body["purpose"], purpose);
    }
}
