//! Uploaded images: what they are for, how they are checked and cleaned, and where they are kept.
//!
//! An upload is trusted for nothing. Its format comes from its bytes (never its name or declared type), its
//! dimensions are bounded from the header before any pixel is decoded, and it is decoded and re-encoded as a
//! fresh JPEG, so that only pixels survive: no EXIF (GPS, camera serials), XMP, ICC or comment, nor anything
//! a polyglot file could smuggle. The stored objects are named by id only. All decoding is the `image`
//! crate's; nothing here parses an image format by hand.

mod budget;
mod clean;
mod error;
#[cfg(test)]
mod fixtures;
mod purpose;
mod scale;
mod store;

pub use budget::{DecodeBudget, Refused as BudgetRefused, Reserved};
pub use clean::{MAX_UPLOAD_BYTES, Processed, decode_cost, process};
pub use error::MediaError;
pub use purpose::Purpose;
pub use store::MediaStore;
