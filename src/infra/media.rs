//! Uploaded images: what they are for, how they are checked and cleaned, and where they are kept.
//!
//! An upload is trusted for nothing. Its format comes from its bytes (never its name or declared type), its
//! dimensions are bounded from the header before any pixel is decoded, and it is decoded and re-encoded as a
//! fresh JPEG, so that only pixels survive: no EXIF (GPS, camera serials), XMP, ICC or comment, nor anything
//! a polyglot file could smuggle. The stored objects are named by id only. All decoding is the `image`
//! crate's; nothing here parses an image format by hand.

use std::fmt;
use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, Rgb, RgbImage};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use uuid::Uuid;

use crate::error::AppError;

/// The largest upload accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// The longest side accepted, in pixels.
const MAX_SIDE: u32 = 8192;
/// The most pixels accepted (40 megapixels).
const MAX_PIXELS: u64 = 40_000_000;
/// What a decoder may allocate for one image, so that a header that lies about the image cannot exhaust memory.
const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;
/// A thumbnail fits in a square of this side.
const THUMB_SIDE: u32 = 320;
const JPEG_QUALITY: u8 = 85;

/// What an uploaded image is for; it decides who may see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    ShopPhoto,
    TherapistPhoto,
    MeterPhoto,
    IdDocument,
    TicketPhoto,
}

impl Purpose {
    pub const ALL: [Purpose; 5] =
        [Purpose::ShopPhoto, Purpose::TherapistPhoto, Purpose::MeterPhoto, Purpose::IdDocument, Purpose::TicketPhoto];

    /// Parses the wire name, e.g. `shop_photo`.
    pub fn parse(text: &str) -> Result<Purpose, AppError> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == text).ok_or_else(|| {
            AppError::validation(
                "purpose must be one of shop_photo, therapist_photo, meter_photo, id_document, ticket_photo",
            )
        })
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ShopPhoto => "shop_photo",
            Purpose::TherapistPhoto => "therapist_photo",
            Purpose::MeterPhoto => "meter_photo",
            Purpose::IdDocument => "id_document",
            Purpose::TicketPhoto => "ticket_photo",
        }
    }

    /// Storefront images anyone may see; every other purpose is private to the tenant's authorised staff.
    pub fn is_public(self) -> bool {
        matches!(self, Purpose::ShopPhoto | Purpose::TherapistPhoto)
    }
}

/// Why an upload was refused. Every message is safe to show to the uploader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("the image must be at most 10 MiB")]
    TooLarge,
    #[error("only JPEG, PNG and WebP images are accepted")]
    UnsupportedType,
    #[error("the image must be at most 8192 pixels a side and 40 megapixels")]
    DimensionsTooLarge,
    #[error("the image could not be read: it is damaged or uses an unsupported encoding")]
    Corrupt,
}

impl MediaError {
    /// The HTTP status for answering an upload refused for this reason.
    pub fn http_status(&self) -> u16 {
        match self {
            MediaError::TooLarge => 413,
            MediaError::UnsupportedType => 415,
            MediaError::DimensionsTooLarge | MediaError::Corrupt => 422,
        }
    }

    /// Limits errors mean the image is too big to decode; anything else from the decoder means it is unreadable.
    fn from_image(err: ImageError) -> MediaError {
        match err {
            ImageError::Limits(_) => MediaError::DimensionsTooLarge,
            _ => MediaError::Corrupt,
        }
    }
}

/// Outside the upload endpoint (e.g. GraphQL), a refused image is a validation error (400).
impl From<MediaError> for AppError {
    fn from(err: MediaError) -> Self {
        AppError::validation(err)
    }
}

/// A cleaned image: upright, metadata-free JPEG, and its JPEG thumbnail.
#[derive(Clone)]
pub struct Processed {
    pub width: u32,
    pub height: u32,
    pub image: Bytes,
    pub thumb: Bytes,
    pub thumb_width: u32,
    pub thumb_height: u32,
}

/// Sizes only: the bytes are no use in a log.
impl fmt::Debug for Processed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Processed({}x{}, {} bytes; thumb {}x{}, {} bytes)",
            self.width,
            self.height,
            self.image.len(),
            self.thumb_width,
            self.thumb_height,
            self.thumb.len()
        )
    }
}

/// Checks an upload and re-encodes it: JPEG, PNG or WebP in; upright JPEG without metadata out, with a
/// thumbnail that fits in 320×320. CPU-bound: call it from `spawn_blocking`.
pub fn process(upload: &[u8]) -> Result<Processed, MediaError> {
    if upload.len() > MAX_UPLOAD_BYTES {
        return Err(MediaError::TooLarge);
    }
    let mut reader = ImageReader::new(Cursor::new(upload)).with_guessed_format().map_err(|_| MediaError::Corrupt)?;
    if !matches!(reader.format(), Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) {
        return Err(MediaError::UnsupportedType);
    }

    // Nothing is decoded yet: making the decoder reads the header only, and refuses a side over the limit;
    // the pixel count is checked next, still from the header.
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(MediaError::from_image)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(MediaError::DimensionsTooLarge);
    }
    // The pixel buffer itself must fit in the allocation budget too (16-bit colour doubles it).
    limits.reserve(decoder.total_bytes()).map_err(MediaError::from_image)?;
    // Unreadable metadata is no reason to refuse the pixels: the image is then taken as it is.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let decoded = DynamicImage::from_decoder(decoder).map_err(MediaError::from_image)?;

    let mut upright = DynamicImage::ImageRgb8(flatten_onto_white(decoded));
    upright.apply_orientation(orientation);
    let image = encode_jpeg(&upright)?;
    let (width, height) = (upright.width(), upright.height());

    // Never enlarge: an image that already fits is its own thumbnail.
    let (thumb, thumb_width, thumb_height) = if width <= THUMB_SIDE && height <= THUMB_SIDE {
        (image.clone(), width, height)
    } else {
        let small = upright.thumbnail(THUMB_SIDE, THUMB_SIDE);
        (encode_jpeg(&small)?, small.width(), small.height())
    };
    Ok(Processed { width, height, image, thumb, thumb_width, thumb_height })
}

/// JPEG has no alpha: composite any transparency onto white, as a browser shows it on a white page.
fn flatten_onto_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let (a, white_share) = (u16::from(a), 255 * (255 - u16::from(a)));
        // At most (255·255 + 127) / 255 = 255, so the narrowing cannot lose anything.
        let over_white = |c: u8| ((u16::from(c) * a + white_share + 127) / 255) as u8;
        Rgb([over_white(r), over_white(g), over_white(b)])
    })
}

/// A baseline JPEG carrying nothing but the pixels (the encoder writes only a JFIF header).
fn encode_jpeg(image: &DynamicImage) -> Result<Bytes, MediaError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(image).map_err(MediaError::from_image)?;
    Ok(out.into())
}

/// Where cleaned images are kept: a local directory in development, an S3-compatible bucket in production.
///
/// Objects are `{tenant_id}/{media_id}` and `{tenant_id}/{media_id}.thumb`: named by id only, and reached only
/// with the tenant's id, so that one tenant cannot read another's image by guessing its media id.
#[derive(Clone, Debug)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
}

impl MediaStore {
    /// Files under `dir`, which is created if missing.
    pub fn local(dir: &Path) -> anyhow::Result<MediaStore> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating the media directory {}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(dir)?;
        Ok(MediaStore { store: Arc::new(store) })
    }

    /// The bucket named by `CIVIC_MEDIA_S3_BUCKET`, or `None` when it is unset. Everything else comes from the
    /// standard `AWS_*` variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, and
    /// `AWS_ENDPOINT` for an S3-compatible store such as MinIO, Tencent COS or Alibaba OSS; those last two
    /// also want `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`). A bucket with an invalid configuration is an error,
    /// not a silent fallback to local files.
    pub fn s3_from_env() -> anyhow::Result<Option<MediaStore>> {
        let Some(bucket) = std::env::var("CIVIC_MEDIA_S3_BUCKET").ok().filter(|b| !b.trim().is_empty()) else {
            return Ok(None);
        };
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket.trim())
            .build()
            .context("CIVIC_MEDIA_S3_BUCKET is set but the S3 configuration is invalid")?;
        Ok(Some(MediaStore { store: Arc::new(store) }))
    }

    fn key(tenant: Uuid, id: Uuid, thumb: bool) -> ObjectPath {
        let name = if thumb { format!("{id}.thumb") } else { id.to_string() };
        ObjectPath::from_iter([tenant.to_string(), name])
    }

    /// Stores the image and its thumbnail; when either fails, neither is left behind (best effort).
    pub async fn put(&self, tenant: Uuid, id: Uuid, p: &Processed) -> anyhow::Result<()> {
        let (image_key, thumb_key) = (Self::key(tenant, id, false), Self::key(tenant, id, true));
        let image = self.store.put(&image_key, PutPayload::from_bytes(p.image.clone()));
        let thumb = self.store.put(&thumb_key, PutPayload::from_bytes(p.thumb.clone()));
        if let Err(err) = tokio::try_join!(image, thumb) {
            // The write error is the one worth reporting; a failed clean-up leaves an unreferenced object.
            let _ = self.delete(tenant, id).await;
            return Err(err).context("storing an image");
        }
        Ok(())
    }

    /// The image (or its thumbnail), or `None` when there is no such object.
    pub async fn get(&self, tenant: Uuid, id: Uuid, thumb: bool) -> anyhow::Result<Option<Bytes>> {
        match self.store.get(&Self::key(tenant, id, thumb)).await {
            Ok(found) => Ok(Some(found.bytes().await.context("reading an image")?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err).context("reading an image"),
        }
    }

    /// Removes every object of a tenant (when the tenant is purged).
    pub async fn delete_tenant(&self, tenant: Uuid) -> anyhow::Result<usize> {
        use futures_util::TryStreamExt;
        let prefix = ObjectPath::from(tenant.to_string());
        let objects: Vec<_> =
            self.store.list(Some(&prefix)).try_collect().await.context("listing a tenant's images")?;
        for o in &objects {
            match self.store.delete(&o.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(err) => return Err(err).context("deleting a tenant's image"),
            }
        }
        Ok(objects.len())
    }

    /// Removes the image and its thumbnail; removing what is already gone succeeds.
    pub async fn delete(&self, tenant: Uuid, id: Uuid) -> anyhow::Result<()> {
        for thumb in [false, true] {
            match self.store.delete(&Self::key(tenant, id, thumb)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(err) => return Err(err).context("deleting an image"),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use exif::experimental::Writer;
    use exif::{Field, In, Rational, Tag, Value};
    use image::codecs::webp::WebPEncoder;
    use image::{ImageEncoder, Rgba, RgbaImage};

    use super::*;

    const RED: Rgb<u8> = Rgb([220, 20, 20]);
    const BLUE: Rgb<u8> = Rgb([20, 20, 220]);

    /// 40×20: a red left half and a blue right half.
    fn two_halves() -> RgbImage {
        RgbImage::from_fn(40, 20, |x, _| if x < 20 { RED } else { BLUE })
    }

    fn jpeg(image: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 95).encode_image(image).unwrap();
        out
    }

    /// A TIFF-structured EXIF block with Orientation = 6 (rotate 90° clockwise to display) and a GPS position.
    fn exif_with_orientation_and_gps() -> Vec<u8> {
        let degrees = |d| Rational { num: d, denom: 1 };
        let fields = [
            Field { tag: Tag::Orientation, ifd_num: In::PRIMARY, value: Value::Short(vec![6]) },
            Field { tag: Tag::GPSLatitudeRef, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"N".to_vec()]) },
            Field {
                tag: Tag::GPSLatitude,
                ifd_num: In::PRIMARY,
                value: Value::Rational(vec![degrees(31), degrees(13), degrees(50)]),
            },
            Field { tag: Tag::GPSLongitudeRef, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"E".to_vec()]) },
            Field {
                tag: Tag::GPSLongitude,
                ifd_num: In::PRIMARY,
                value: Value::Rational(vec![degrees(121), degrees(28), degrees(12)]),
            },
        ];
        let mut writer = Writer::new();
        for field in &fields {
            writer.push_field(field);
        }
        let mut tiff = Cursor::new(Vec::new());
        writer.write(&mut tiff, false).unwrap();
        tiff.into_inner()
    }

    /// Splices an APP1 "Exif" segment right after the SOI marker.
    fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
        assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
        let length = u16::try_from(2 + 6 + tiff.len()).unwrap();
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(b"Exif\0\0");
        out.extend_from_slice(tiff);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn read_exif(bytes: &[u8]) -> Result<exif::Exif, exif::Error> {
        exif::Reader::new().read_from_container(&mut Cursor::new(bytes))
    }

    fn close_to(actual: Rgb<u8>, expected: Rgb<u8>) -> bool {
        actual.0.iter().zip(expected.0).all(|(&a, e)| a.abs_diff(e) < 40)
    }

    fn refusal(upload: &[u8]) -> MediaError {
        process(upload).expect_err("the upload must be refused")
    }

    /// CRC-32 (ISO-HDLC, as PNG uses), bit by bit.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }

    /// A well-formed PNG of a few dozen bytes whose header claims an RGBA image of the given size.
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8 bits, RGBA, deflate, adaptive filter, no interlace
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        png_chunk(&mut out, b"IHDR", &ihdr);
        png_chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        png_chunk(&mut out, b"IEND", &[]);
        out
    }

    #[test]
    fn purposes_parse_from_their_wire_names() {
        for purpose in Purpose::ALL {
            assert_eq!(Purpose::parse(purpose.as_str()).unwrap(), purpose);
        }
        assert!(Purpose::ShopPhoto.is_public() && Purpose::TherapistPhoto.is_public());
        assert!(!Purpose::MeterPhoto.is_public() && !Purpose::IdDocument.is_public());
        assert!(!Purpose::TicketPhoto.is_public());
        for bad in ["", "avatar", "SHOP_PHOTO", "shop_photo "] {
            assert_eq!(Purpose::parse(bad).unwrap_err().code(), "VALIDATION", "{bad:?}");
        }
    }

    #[test]
    fn jpeg_is_turned_upright_and_loses_its_exif_and_gps() {
        let upload = with_exif(&jpeg(&two_halves()), &exif_with_orientation_and_gps());
        let exif = read_exif(&upload).expect("the test input carries EXIF");
        assert!(exif.get_field(Tag::GPSLatitude, In::PRIMARY).is_some());
        assert_eq!(exif.get_field(Tag::Orientation, In::PRIMARY).unwrap().value.get_uint(0), Some(6));

        let p = process(&upload).unwrap();
        assert_eq!((p.width, p.height), (20, 40));
        assert_eq!((p.thumb_width, p.thumb_height), (20, 40), "a small image is not enlarged");
        // Rotating 90° clockwise takes the left edge to the top.
        let out = image::load_from_memory_with_format(&p.image, ImageFormat::Jpeg).unwrap().into_rgb8();
        assert_eq!(out.dimensions(), (20, 40));
        assert!(close_to(*out.get_pixel(10, 8), RED), "top is red: {:?}", out.get_pixel(10, 8));
        assert!(close_to(*out.get_pixel(10, 32), BLUE), "bottom is blue: {:?}", out.get_pixel(10, 32));

        for bytes in [&p.image, &p.thumb] {
            assert!(read_exif(bytes).is_err(), "no EXIF survives");
            assert!(!bytes.windows(6).any(|w| w == b"Exif\0\0"));
            // Entropy-coded data stuffs every 0xFF with 0x00, so these pairs can only be markers: no APP1
            // (EXIF, XMP), APP2 (ICC profile) or COM segment.
            for marker in [[0xFF, 0xE1], [0xFF, 0xE2], [0xFF, 0xFE]] {
                assert!(!bytes.windows(2).any(|w| w == marker), "{marker:02X?}");
            }
        }
    }

    #[test]
    fn png_with_transparency_and_webp_are_accepted_as_jpeg() {
        let mut rgba = RgbaImage::from_pixel(600, 300, Rgba([0, 0, 0, 0]));
        rgba.put_pixel(0, 0, Rgba([0, 0, 0, 255]));
        let mut png = Vec::new();
        DynamicImage::ImageRgba8(rgba.clone()).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        let p = process(&png).unwrap();
        assert_eq!((p.width, p.height, p.thumb_width, p.thumb_height), (600, 300, 320, 160));
        assert_eq!(image::guess_format(&p.image).unwrap(), ImageFormat::Jpeg);
        assert_eq!(image::guess_format(&p.thumb).unwrap(), ImageFormat::Jpeg);
        let out = image::load_from_memory(&p.image).unwrap().into_rgb8();
        assert!(close_to(*out.get_pixel(300, 150), Rgb([255, 255, 255])), "transparency becomes white");

        let mut webp = Vec::new();
        WebPEncoder::new_lossless(&mut webp).write_image(&rgba, 600, 300, image::ExtendedColorType::Rgba8).unwrap();
        assert_eq!(image::guess_format(&webp).unwrap(), ImageFormat::WebP);
        let p = process(&webp).unwrap();
        assert_eq!((p.width, p.height, p.thumb_width, p.thumb_height), (600, 300, 320, 160));
    }

    #[test]
    fn markup_scripts_and_other_formats_are_refused_whatever_their_name() {
        let refused: [&[u8]; 6] = [
            b"<!doctype html><html><script>alert(1)</script></html>",
            b"<?php system($_GET['c']); ?>",
            br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
            b"just some text",
            b"",
        ];
        for upload in refused {
            assert_eq!(refusal(upload), MediaError::UnsupportedType, "{:?}", String::from_utf8_lossy(upload));
        }
        assert_eq!(MediaError::UnsupportedType.http_status(), 415);
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        let bomb = png_claiming(60_000, 60_000);
        assert!(bomb.len() < 100);
        let started = Instant::now();
        assert_eq!(refusal(&bomb), MediaError::DimensionsTooLarge);
        assert!(started.elapsed() < Duration::from_secs(1), "refused without decoding");

        // Within the per-side limit, over 40 megapixels.
        assert_eq!(refusal(&png_claiming(8000, 6000)), MediaError::DimensionsTooLarge);
        assert_eq!(MediaError::DimensionsTooLarge.http_status(), 422);
    }

    #[test]
    fn oversize_and_corrupt_uploads_are_refused() {
        let mut big = jpeg(&two_halves());
        big.resize(MAX_UPLOAD_BYTES + 1, 0);
        assert_eq!(refusal(&big), MediaError::TooLarge);
        assert_eq!(MediaError::TooLarge.http_status(), 413);

        let mut garbage = vec![0xFF, 0xD8, 0xFF, 0xE0];
        garbage.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        assert_eq!(refusal(&garbage), MediaError::Corrupt);

        let err: AppError = MediaError::Corrupt.into();
        assert_eq!((err.code(), err.http_status()), ("VALIDATION", 400));
    }

    #[tokio::test]
    async fn local_store_round_trips_by_tenant_and_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::local(&dir.path().join("media")).unwrap();
        let (tenant, other_tenant, id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let p = process(&jpeg(&RgbImage::from_pixel(800, 400, RED))).unwrap();

        assert_eq!(store.get(tenant, id, false).await.unwrap(), None);
        store.put(tenant, id, &p).await.unwrap();
        assert_eq!(store.get(tenant, id, false).await.unwrap(), Some(p.image.clone()));
        assert_eq!(store.get(tenant, id, true).await.unwrap(), Some(p.thumb.clone()));
        assert_eq!(store.get(other_tenant, id, false).await.unwrap(), None, "another tenant's id finds nothing");
        assert!(dir.path().join(format!("media/{tenant}/{id}.thumb")).is_file());

        store.delete(tenant, id).await.unwrap();
        assert_eq!(store.get(tenant, id, false).await.unwrap(), None);
        assert_eq!(store.get(tenant, id, true).await.unwrap(), None);
        store.delete(tenant, id).await.unwrap();
    }
}
