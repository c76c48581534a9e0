//! The datum of a caller's coordinates, the GCJ-02 point the service keeps, and the distance between two points.

use geo::{Distance, Haversine, Point};

use super::wgs84_to_gcj02;
use crate::error::AppError;

/// The datum a caller's coordinates are expressed in.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Datum {
    /// GPS, and maps outside mainland China.
    #[graphql(name = "WGS84")]
    Wgs84,
    /// Maps in mainland China (AMap, Tencent Maps, WeChat's `gcj02` location); what the service stores.
    #[graphql(name = "GCJ02")]
    Gcj02,
}

/// A point on the Earth in GCJ-02 degrees, latitude within −90..=90 and longitude within −180..=180.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeoPoint {
    lat: f64,
    lng: f64,
}

impl GeoPoint {
    /// A point sent by a caller in `datum`; WGS-84 is converted to GCJ-02.
    pub fn parse(lat: f64, lng: f64, datum: Datum) -> Result<GeoPoint, AppError> {
        if !lat.is_finite() || !lng.is_finite() {
            return Err(AppError::validation("latitude and longitude must be finite numbers"));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(AppError::validation("latitude must be between -90 and 90 degrees"));
        }
        if !(-180.0..=180.0).contains(&lng) {
            return Err(AppError::validation("longitude must be between -180 and 180 degrees"));
        }
        let (lat, lng) = match datum {
            Datum::Wgs84 => wgs84_to_gcj02(lat, lng),
            Datum::Gcj02 => (lat, lng),
        };
        Ok(GeoPoint { lat, lng })
    }

    /// A GCJ-02 point read back from our own database, where only [`GeoPoint::parse`] wrote it.
    pub fn gcj02_unchecked(lat: f64, lng: f64) -> GeoPoint {
        debug_assert!((-90.0..=90.0).contains(&lat), "latitude out of range: {lat}");
        debug_assert!((-180.0..=180.0).contains(&lng), "longitude out of range: {lng}");
        GeoPoint { lat, lng }
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lng(self) -> f64 {
        self.lng
    }

    /// The point for the `geo` crate: x is the longitude, y the latitude.
    pub(super) fn to_geo(self) -> Point<f64> {
        Point::new(self.lng, self.lat)
    }

    /// The point as a unit vector from the centre of the Earth (x towards 0° E on the equator, z towards the
    /// North Pole).
    pub(super) fn unit_vector(self) -> [f64; 3] {
        let (lat, lng) = (self.lat.to_radians(), self.lng.to_radians());
        [lat.cos() * lng.cos(), lat.cos() * lng.sin(), lat.sin()]
    }
}

/// Great-circle distance in meters (haversine, on the GRS80 mean-radius sphere of the `geo` crate).
pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
    Haversine.distance(a.to_geo(), b.to_geo())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_what_is_not_a_position() {
        for (lat, lng) in [
            (f64::NAN, 116.4),
            (39.9, f64::NAN),
            (f64::INFINITY, 116.4),
            (39.9, f64::NEG_INFINITY),
            (91.0, 116.4),
            (-90.5, 116.4),
            (39.9, -181.0),
            (39.9, 180.5),
        ] {
            for datum in [Datum::Wgs84, Datum::Gcj02] {
                let err = GeoPoint::parse(lat, lng, datum).unwrap_err();
                assert_eq!(err.code(), "VALIDATION", "({lat}, {lng})");
                assert!(err.to_string().contains("itude"), "{err}");
            }
        }
        assert!(GeoPoint::parse(91.0, 0.0, Datum::Gcj02).unwrap_err().to_string().contains("latitude"));
        assert!(GeoPoint::parse(0.0, -181.0, Datum::Gcj02).unwrap_err().to_string().contains("longitude"));
        for (lat, lng) in [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0)] {
            let p = GeoPoint::parse(lat, lng, Datum::Wgs84).unwrap();
            assert_eq!((p.lat(), p.lng()), (lat, lng));
        }
    }
}
