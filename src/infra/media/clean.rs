//! Checking an upload and re-encoding it to a clean JPEG with its thumbnail.

use std::fmt;
use std::io::Cursor;

use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{ColorType, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::MediaError;
use super::scale::{decode_jpeg_scaled, fitted, flatten_onto_white, jpeg_scaled_header};

/// The largest upload accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// The longest side accepted, in pixels.
const MAX_SIDE: u32 = 8192;
/// The most pixels accepted (40 megapixels).
const MAX_PIXELS: u64 = 40_000_000;
/// What a decoder may allocate for one image, so that a header that lies about the image cannot exhaust memory.
pub(super) const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;
/// The longest side of a stored image: a larger upload is scaled down (a shop photo, an identity document or a
/// meter's dial reads well at this size), a JPEG while it is decoded.
const MAX_STORED_SIDE: u32 = 4096;
/// A thumbnail fits in a square of this side.
const THUMB_SIDE: u32 = 320;
const JPEG_QUALITY: u8 = 85;

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

/// An accepted upload's decoder, made from its header alone (no pixel decoded yet), and its format. Refuses an
/// upload too large, of another format, or whose dimensions are over the limits.
fn open(upload: &[u8]) -> Result<(impl ImageDecoder + '_, ImageFormat), MediaError> {
    if upload.len() > MAX_UPLOAD_BYTES {
        return Err(MediaError::TooLarge);
    }
    let mut reader = ImageReader::new(Cursor::new(upload)).with_guessed_format().map_err(|_| MediaError::Corrupt)?;
    let format = match reader.format() {
        Some(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
        _ => return Err(MediaError::UnsupportedType),
    };

    // Nothing is decoded yet: making the decoder reads the header only, and refuses a side over the limit;
    // the pixel count is checked next, still from the header.
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits.clone());
    let decoder = reader.into_decoder().map_err(MediaError::from_image)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(MediaError::DimensionsTooLarge);
    }
    // The pixel buffer itself must fit in the allocation budget too (16-bit colour doubles it).
    limits.reserve(decoder.total_bytes()).map_err(MediaError::from_image)?;
    Ok((decoder, format))
}

/// The most memory, in bytes, that [`process`] takes at once for this upload, estimated from its header alone
/// (cheap: no pixel is decoded); or the refusal that `process` would give from the header.
pub fn decode_cost(upload: &[u8]) -> Result<u64, MediaError> {
    decode_cost_within(upload, MAX_STORED_SIDE)
}

fn decode_cost_within(upload: &[u8], max_side: u32) -> Result<u64, MediaError> {
    let (mut decoder, format) = open(upload)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    let (fit_w, fit_h) = fitted(width, height, max_side);
    let stored = 3 * u64::from(fit_w) * u64::from(fit_h);
    // Turning by a quarter copies the image; the encoded JPEG is well under half a byte a pixel.
    let turn = if turns_a_quarter(orientation) { stored } else { 0 };
    let finish = stored + turn + stored / 6;
    if format == ImageFormat::Jpeg
        && let Some(scaled) = jpeg_scaled_header(upload, width, height, max_side)
    {
        // Decoded at a fraction of its size: the decoder's component planes and its RGB output.
        let coefficients = if scaled.progressive { 6 * pixels } else { 0 };
        let decoded = 2 * 3 * u64::from(scaled.width) * u64::from(scaled.height);
        let resize = if (scaled.width, scaled.height) == (fit_w, fit_h) { 0 } else { stored };
        let peak = [decoded + coefficients, decoded + resize, finish].into_iter().max().unwrap_or_default();
        return Ok(peak + 1024 * 1024);
    }
    let rgb = 3 * pixels;
    let decoded = decoder.total_bytes();
    // Besides its output, a JPEG decoder may keep every coefficient (progressive images) and a WebP decoder
    // whole colour planes; a PNG decoder keeps a few rows.
    let decoding = if format == ImageFormat::Png { 0 } else { 3 * pixels };
    // To 8-bit RGB: in place for 8-bit RGB and RGBA, a new buffer for anything else.
    let to_rgb = match decoder.color_type() {
        ColorType::Rgb8 | ColorType::Rgba8 => 0,
        c if c.has_alpha() => 4 * pixels,
        _ => rgb,
    };
    let resize = if (fit_w, fit_h) == (width, height) { 0 } else { stored };
    let peak = [decoded + decoding, decoded + to_rgb, rgb + resize, finish].into_iter().max().unwrap_or_default();
    Ok(peak + 1024 * 1024)
}

fn turns_a_quarter(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    )
}

/// Checks an upload and re-encodes it: JPEG, PNG or WebP in; upright JPEG without metadata out, with a
/// thumbnail that fits in 320×320. CPU-bound: call it from `spawn_blocking`, holding the part of the
/// [`DecodeBudget`](super::DecodeBudget) that [`decode_cost`] asks.
pub fn process(upload: &[u8]) -> Result<Processed, MediaError> {
    process_within(upload, MAX_STORED_SIDE)
}

fn process_within(upload: &[u8], max_side: u32) -> Result<Processed, MediaError> {
    let (mut decoder, format) = open(upload)?;
    // Unreadable metadata is no reason to refuse the pixels: the image is then taken as it is.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let (width, height) = decoder.dimensions();
    let scaled = match format {
        ImageFormat::Jpeg => decode_jpeg_scaled(upload, width, height, max_side)?,
        _ => None,
    };
    let decoded = match scaled {
        Some(image) => image,
        None => DynamicImage::from_decoder(decoder).map_err(MediaError::from_image)?,
    };
    let mut rgb = flatten_onto_white(decoded);
    let (fit_w, fit_h) = fitted(rgb.width(), rgb.height(), max_side);
    if (fit_w, fit_h) != rgb.dimensions() {
        // Area averaging in integers: no intermediate buffer beside the two images (a filtered resize keeps
        // a float copy as large as the output's width times the input's height).
        rgb = image::imageops::thumbnail(&rgb, fit_w, fit_h);
    }
    let mut upright = DynamicImage::ImageRgb8(rgb);
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

/// A baseline JPEG carrying nothing but the pixels (the encoder writes only a JFIF header).
fn encode_jpeg(image: &DynamicImage) -> Result<Bytes, MediaError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(image).map_err(MediaError::from_image)?;
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use exif::{In, Tag};
    use image::codecs::webp::WebPEncoder;
    use image::{ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};

    use super::*;
    use crate::error::AppError;
    use crate::infra::media::fixtures::*;

    fn read_exif(bytes: &[u8]) -> Result<exif::Exif, exif::Error> {
        exif::Reader::new().read_from_container(&mut Cursor::new(bytes))
    }

    fn close_to(actual: Rgb<u8>, expected: Rgb<u8>) -> bool {
        actual.0.iter().zip(expected.0).all(|(&a, e)| a.abs_diff(e) < 40)
    }

    fn refusal(upload: &[u8]) -> MediaError {
        process(upload).expect_err("the upload must be refused")
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

    #[test]
    fn the_decode_cost_is_read_from_the_header_and_covers_the_decoded_pixels() {
        // A few dozen bytes that claim 8000×5000 RGBA: 160 MB once decoded.
        let claimed = png_claiming(8000, 5000);
        let cost = decode_cost(&claimed).unwrap();
        assert!((160_000_000..200_000_000).contains(&cost), "{cost}");
        let small = decode_cost(&jpeg(&two_halves())).unwrap();
        assert!(small < 2 * 1024 * 1024, "{small}");
        // A quarter turn (EXIF orientation 6) needs a second copy of the pixels.
        let turned = decode_cost(&with_exif(&jpeg(&RgbImage::new(2000, 1000)), &exif_with_orientation_and_gps()));
        let straight = decode_cost(&jpeg(&RgbImage::new(2000, 1000)));
        assert!(turned.unwrap() > straight.unwrap());
        assert_eq!(decode_cost(&png_claiming(60_000, 60_000)), Err(MediaError::DimensionsTooLarge));
    }

    #[test]
    fn a_large_jpeg_is_decoded_scaled_down_and_stored_within_the_longest_side() {
        // 1,000 × 600 against a longest side of 200: decoded at an eighth (125 × 75), which fits.
        let big =
            jpeg(&RgbImage::from_fn(1000, 600, |x, _| if x < 500 { Rgb([200, 30, 30]) } else { Rgb([30, 30, 200]) }));
        let header = jpeg_scaled_header(&big, 1000, 600, 200).unwrap();
        assert_eq!((header.width, header.height, header.progressive), (125, 75, false));
        let out = process_within(&big, 200).unwrap();
        assert_eq!((out.width, out.height), (125, 75));
        let stored = image::load_from_memory(&out.image).unwrap().to_rgb8();
        assert!(close_to(*stored.get_pixel(10, 40), Rgb([200, 30, 30])));
        assert!(close_to(*stored.get_pixel(115, 40), Rgb([30, 30, 200])));
        // Against 500, a half (500 × 300) fits.
        assert_eq!(process_within(&big, 500).map(|o| (o.width, o.height)).unwrap(), (500, 300));
        // Scaled decoding costs a fraction of the full decode.
        let scaled = decode_cost_within(&big, 200).unwrap();
        let full = decode_cost_within(&big, 4096).unwrap();
        assert!(scaled < full / 2, "{scaled} vs {full}");
        // A PNG is decoded whole and then fitted; an image within the side is kept as it is.
        let mut png = vec![];
        DynamicImage::ImageRgba8(RgbaImage::new(1000, 600))
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let png = process_within(&png, 200).unwrap();
        assert_eq!((png.width, png.height), (200, 120));
        let small = process_within(&big, 4096).unwrap();
        assert_eq!((small.width, small.height), (1000, 600));
    }
}
