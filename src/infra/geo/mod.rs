//! Coordinates on the Earth: parse, don't validate.
//!
//! Maps in mainland China (AMap, Tencent Maps, WeChat's `gcj02` location) use GCJ-02, a deliberately obfuscated
//! variant of WGS-84; GPS receivers and maps elsewhere use WGS-84. The difference is several hundred meters in
//! Chinese cities, so every point is converted once, on the way in, and the service stores and compares GCJ-02
//! only: a [`GeoPoint`] is always GCJ-02.
//!
//! Distances are great-circle distances on a sphere (haversine). Over the few kilometers a storefront searches,
//! the sphere is off the ellipsoid by well under one percent, and GCJ-02 itself only approximates WGS-84.

mod gcj02;
mod index;
mod point;

pub use gcj02::wgs84_to_gcj02;
pub use index::NearestIndex;
pub use point::{Datum, GeoPoint, haversine_m};
