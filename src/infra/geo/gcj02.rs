//! WGS-84 to GCJ-02, the datum of maps in mainland China.

use std::f64::consts::PI;

/// Semi-major axis of the Krasovsky 1940 ellipsoid, in meters, on which GCJ-02 computes its offset.
const KRASOVSKY_A: f64 = 6_378_245.0;
/// First eccentricity squared of the Krasovsky 1940 ellipsoid: the published 0.00669342162296594323, rounded
/// to the nearest `f64`.
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;

/// Converts WGS-84 degrees to GCJ-02 degrees, `(lat, lng)` in and out.
///
/// GCJ-02 is WGS-84 plus an offset of a few hundred meters given by two trigonometric polynomials in the
/// position relative to (35° N, 105° E); the offset is expressed in meters and turned into degrees with the
/// radii of curvature of the Krasovsky ellipsoid. The formula is the one every public implementation uses; it is
/// applied inside a rough bounding box of mainland China only (which also covers neighbouring countries, as in
/// those implementations), and points outside the box are returned unchanged.
pub fn wgs84_to_gcj02(lat: f64, lng: f64) -> (f64, f64) {
    let in_box = (72.004..=137.8347).contains(&lng) && (0.8293..=55.8271).contains(&lat);
    if !in_box {
        return (lat, lng);
    }
    let (x, y) = (lng - 105.0, lat - 35.0);
    let phi = lat.to_radians();
    let w = 1.0 - KRASOVSKY_EE * phi.sin() * phi.sin();
    let meridian_radius = KRASOVSKY_A * (1.0 - KRASOVSKY_EE) / (w * w.sqrt());
    let parallel_radius = KRASOVSKY_A / w.sqrt() * phi.cos();
    let d_lat = (north_offset_m(x, y) / meridian_radius).to_degrees();
    let d_lng = (east_offset_m(x, y) / parallel_radius).to_degrees();
    (lat + d_lat, lng + d_lng)
}

/// The wave term shared by both offsets of GCJ-02, in meters.
fn gcj02_ripple(x: f64) -> f64 {
    (20.0 * (6.0 * PI * x).sin() + 20.0 * (2.0 * PI * x).sin()) * 2.0 / 3.0
}

/// GCJ-02's northward offset in meters, `x` and `y` being degrees east of 105° and north of 35°.
fn north_offset_m(x: f64, y: f64) -> f64 {
    let polynomial = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    let waves = (20.0 * (PI * y).sin() + 40.0 * (PI * y / 3.0).sin()) * 2.0 / 3.0
        + (160.0 * (PI * y / 12.0).sin() + 320.0 * (PI * y / 30.0).sin()) * 2.0 / 3.0;
    polynomial + gcj02_ripple(x) + waves
}

/// GCJ-02's eastward offset in meters, `x` and `y` being degrees east of 105° and north of 35°.
fn east_offset_m(x: f64, y: f64) -> f64 {
    let polynomial = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    let waves = (20.0 * (PI * x).sin() + 40.0 * (PI * x / 3.0).sin()) * 2.0 / 3.0
        + (150.0 * (PI * x / 12.0).sin() + 300.0 * (PI * x / 30.0).sin()) * 2.0 / 3.0;
    polynomial + gcj02_ripple(x) + waves
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::geo::{Datum, GeoPoint, haversine_m};

    fn gcj(lat: f64, lng: f64) -> GeoPoint {
        GeoPoint::parse(lat, lng, Datum::Gcj02).unwrap()
    }

    #[test]
    fn wgs84_to_gcj02_matches_published_vectors() {
        // (WGS-84 lat, lng) -> (GCJ-02 lat, lng). The first three are the test vectors of eviltransform
        // (github.com/googollee/eviltransform, python/test.py and go/transform_test.go: Shanghai, Shenzhen,
        // Beijing); the fourth is the wgs84togcj02(116.404, 39.915) result printed in coordtransform
        // (github.com/wandergis/coordtransform, test/app.js; its arguments are lng, lat).
        let vectors = [
            ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
            ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
            ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
            ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
        ];
        for ((lat, lng), (want_lat, want_lng)) in vectors {
            let (got_lat, got_lng) = wgs84_to_gcj02(lat, lng);
            // The sources print full doubles; 1e-9 degrees is about 0.1 mm.
            assert!((got_lat - want_lat).abs() < 1e-9, "lat of ({lat}, {lng}): {got_lat} != {want_lat}");
            assert!((got_lng - want_lng).abs() < 1e-9, "lng of ({lat}, {lng}): {got_lng} != {want_lng}");
        }
    }

    #[test]
    fn points_outside_china_are_unchanged() {
        for (lat, lng) in [(48.8566, 2.3522), (35.6762, 139.6503), (-33.8688, 151.2093), (40.7128, -74.006)] {
            assert_eq!(wgs84_to_gcj02(lat, lng), (lat, lng));
            assert_eq!(GeoPoint::parse(lat, lng, Datum::Wgs84).unwrap(), gcj(lat, lng));
        }
    }

    #[test]
    fn wgs84_points_in_beijing_move_by_a_few_hundred_meters() {
        for lat in [39.6, 39.8, 39.9, 40.0, 40.2] {
            for lng in [116.0, 116.2, 116.4, 116.6, 116.8] {
                let shift = haversine_m(GeoPoint::parse(lat, lng, Datum::Wgs84).unwrap(), gcj(lat, lng));
                assert!((100.0..=700.0).contains(&shift), "({lat}, {lng}) moved {shift} m");
            }
        }
    }
}
