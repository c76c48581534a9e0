//! Why an upload is refused, and how that is answered.

use image::ImageError;

use crate::error::{AppError, Refusal};

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
    #[error("the image has too many pixels to be processed here; send a smaller one")]
    NeedsTooMuchMemory,
}

impl MediaError {
    /// The HTTP status for answering an upload refused for this reason.
    pub fn http_status(&self) -> u16 {
        match self {
            MediaError::TooLarge => 413,
            MediaError::UnsupportedType => 415,
            MediaError::DimensionsTooLarge | MediaError::Corrupt | MediaError::NeedsTooMuchMemory => 422,
        }
    }

    /// What a client may branch on (`extensions.reason`).
    pub fn reason(&self) -> &'static str {
        match self {
            MediaError::TooLarge => "FILE_TOO_LARGE",
            MediaError::UnsupportedType => "UNSUPPORTED_TYPE",
            MediaError::DimensionsTooLarge | MediaError::NeedsTooMuchMemory => "IMAGE_TOO_LARGE",
            MediaError::Corrupt => "IMAGE_UNREADABLE",
        }
    }

    /// Limits errors mean the image is too big to decode; anything else from the decoder means it is unreadable.
    pub(super) fn from_image(err: ImageError) -> MediaError {
        match err {
            ImageError::Limits(_) => MediaError::DimensionsTooLarge,
            _ => MediaError::Corrupt,
        }
    }
}

/// Outside the upload endpoint (e.g. GraphQL), a refused image is a validation error (400).
impl From<MediaError> for AppError {
    fn from(err: MediaError) -> Self {
        AppError::Validation(Refusal { reason: Some(err.reason()), ..Refusal::new(err) })
    }
}
