//! Making large images small without holding them twice: a JPEG decoded at a fraction of its size (the
//! decoder's scaled inverse DCT), the size that fits the stored bound, and transparency flattened in place.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, RgbImage};

use super::{MediaError, clean::MAX_DECODE_ALLOC};

/// The size that fits in a square of `max_side`, never larger than the image.
pub(super) fn fitted(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_side {
        return (width, height);
    }
    let scale = |side: u32| ((u64::from(side) * u64::from(max_side)).div_ceil(u64::from(long)) as u32).max(1);
    (scale(width), scale(height))
}

/// What the JPEG decoder will produce when asked for at least the fitted size of a larger JPEG.
pub(super) struct ScaledJpeg {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) progressive: bool,
    pub(super) divisor: u32,
}

/// The JPEG decoder's header of an upload larger than `max_side`, scaled by the least of a half, a quarter or an
/// eighth that makes it fit (the decoder's scaled inverse DCT); `None` when it would not be scaled.
pub(super) fn jpeg_scaled_header(upload: &[u8], width: u32, height: u32, max_side: u32) -> Option<ScaledJpeg> {
    let long = width.max(height);
    let divisor = [2u32, 4, 8].into_iter().find(|d| long.div_ceil(*d) <= max_side).unwrap_or(8);
    if long <= max_side {
        return None;
    }
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(upload));
    decoder.read_info().ok()?;
    let info = decoder.info()?;
    if !matches!(info.pixel_format, jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::RGB24) {
        return None;
    }
    let request = |side: u32| u16::try_from(side.div_ceil(divisor)).ok();
    let (w, h) = decoder.scale(request(width)?, request(height)?).ok()?;
    // A progressive JPEG keeps every coefficient at full size until its last scan: scaling saves little, so it
    // is decoded whole like any other image.
    let progressive = info.coding_process == jpeg_decoder::CodingProcess::DctProgressive;
    (u32::from(w) < width && !progressive).then_some(ScaledJpeg {
        width: w.into(),
        height: h.into(),
        progressive,
        divisor,
    })
}

/// Decodes a large JPEG at a fraction of its size (the decoder's scaled inverse DCT): a quarter, a sixteenth or
/// a sixty-fourth of the memory and time. `None` when the decoder cannot scale this one (CMYK, 16-bit).
pub(super) fn decode_jpeg_scaled(
    upload: &[u8],
    width: u32,
    height: u32,
    max_side: u32,
) -> Result<Option<DynamicImage>, MediaError> {
    let Some(header) = jpeg_scaled_header(upload, width, height, max_side) else { return Ok(None) };
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(upload));
    decoder.set_max_decoding_buffer_size(MAX_DECODE_ALLOC as usize);
    decoder.read_info().map_err(|_| MediaError::Corrupt)?;
    let request = |side: u32| side.div_ceil(header.divisor) as u16;
    let (w, h) = decoder.scale(request(width), request(height)).map_err(|_| MediaError::Corrupt)?;
    debug_assert_eq!((u32::from(w), u32::from(h)), (header.width, header.height));
    let pixels = decoder.decode().map_err(|_| MediaError::Corrupt)?;
    let (w, h) = (u32::from(w), u32::from(h));
    let image = match decoder.info().map(|i| i.pixel_format) {
        Some(jpeg_decoder::PixelFormat::RGB24) => RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8),
        Some(jpeg_decoder::PixelFormat::L8) => GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8),
        _ => None,
    };
    image.map(Some).ok_or(MediaError::Corrupt)
}

/// JPEG has no alpha: composite any transparency onto white, as a browser shows it on a white page. 8-bit RGBA
/// is flattened in its own buffer, so that the largest images are not held twice.
pub(super) fn flatten_onto_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let (width, height) = (image.width(), image.height());
    let mut bytes = image.into_rgba8().into_raw();
    let pixels = bytes.len() / 4;
    for i in 0..pixels {
        let [r, g, b, a] = [bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3]];
        let (a, white_share) = (u16::from(a), 255 * (255 - u16::from(a)));
        // At most (255·255 + 127) / 255 = 255, so the narrowing cannot lose anything.
        let over_white = |c: u8| ((u16::from(c) * a + white_share + 127) / 255) as u8;
        // Pixel i's RGB goes where pixel i's RGBA began or earlier: nothing not yet read is overwritten.
        bytes[3 * i..3 * i + 3].copy_from_slice(&[over_white(r), over_white(g), over_white(b)]);
    }
    bytes.truncate(3 * pixels);
    bytes.shrink_to_fit();
    RgbImage::from_raw(width, height, bytes).expect("three bytes a pixel")
}
