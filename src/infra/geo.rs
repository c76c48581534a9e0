//! Coordinates on the Earth: parse, don't validate.
//!
//! Maps in mainland China (AMap, Tencent Maps, WeChat's `gcj02` location) use GCJ-02, a deliberately obfuscated
//! variant of WGS-84; GPS receivers and maps elsewhere use WGS-84. The difference is several hundred meters in
//! Chinese cities, so every point is converted once, on the way in, and the service stores and compares GCJ-02
//! only: a [`GeoPoint`] is always GCJ-02.
//!
//! Distances are great-circle distances on a sphere (haversine). Over the few kilometers a storefront searches,
//! the sphere is off the ellipsoid by well under one percent, and GCJ-02 itself only approximates WGS-84.

use std::f64::consts::PI;

use geo::{Distance, Haversine, Point};
use rstar::{RTree, primitives::GeomWithData};
use uuid::Uuid;

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
    fn to_geo(self) -> Point<f64> {
        Point::new(self.lng, self.lat)
    }

    /// The point as a unit vector from the centre of the Earth (x towards 0° E on the equator, z towards the
    /// North Pole).
    fn unit_vector(self) -> [f64; 3] {
        let (lat, lng) = (self.lat.to_radians(), self.lng.to_radians());
        [lat.cos() * lng.cos(), lat.cos() * lng.sin(), lat.sin()]
    }
}

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

/// Great-circle distance in meters (haversine, on the GRS80 mean-radius sphere of the `geo` crate).
pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
    Haversine.distance(a.to_geo(), b.to_geo())
}

/// The radius of the sphere [`haversine_m`] measures on, so that the index's cut-off and the distances it
/// reports agree.
const EARTH_RADIUS_M: f64 = Haversine.radius();

/// How far beyond the exact cut-off [`NearestIndex::within`] still looks at candidates, in meters.
///
/// The index ranks by chord and the answer is decided by [`haversine_m`]; the two agree exactly in exact
/// arithmetic, and in floating point to within nanometers (centimeters next to the antipode). Candidates within
/// this margin are measured and then filtered, so rounding can never drop an item the haversine accepts.
const CUTOFF_MARGIN_M: f64 = 1.0;

/// The squared chord between two unit vectors that lie `meters` apart on the sphere (at most 4, the antipode).
fn chord_sq(meters: f64) -> f64 {
    let chord = 2.0 * ((meters / EARTH_RADIUS_M).min(PI) / 2.0).sin();
    chord * chord
}

/// An in-memory spatial index answering "which items lie within R meters of P, nearest first".
///
/// Each point is stored as a unit vector in 3-D. The straight-line (chord) distance between two unit vectors is
/// `2·sin(θ/2)` for the angle `θ` between them, which grows with `θ` over the whole range 0..=π: nearest by
/// chord is nearest along the great circle, anywhere on Earth, across the antimeridian and at the poles, with no
/// planar distortion. Build it from the items to search (for the storefront, the published ones) and share it
/// behind an `Arc`; it is immutable.
pub struct NearestIndex {
    tree: RTree<GeomWithData<[f64; 3], (Uuid, GeoPoint)>>,
}

impl NearestIndex {
    pub fn build(items: impl IntoIterator<Item = (Uuid, GeoPoint)>) -> NearestIndex {
        let entries = items.into_iter().map(|(id, point)| GeomWithData::new(point.unit_vector(), (id, point)));
        NearestIndex { tree: RTree::bulk_load(entries.collect()) }
    }

    /// At most `limit` items within `radius_m` meters of `center` (inclusive), with their [`haversine_m`]
    /// distance, nearest first and equal distances by id. A negative or NaN radius finds nothing.
    pub fn within(&self, center: GeoPoint, radius_m: f64, limit: usize) -> Vec<(Uuid, f64)> {
        if limit == 0 || radius_m.is_nan() || radius_m < 0.0 {
            return Vec::new();
        }
        let mut found: Vec<(Uuid, f64)> = Vec::new();
        let mut cutoff = chord_sq(radius_m + CUTOFF_MARGIN_M);
        for (entry, distance_2) in self.tree.nearest_neighbor_iter_with_distance_2(&center.unit_vector()) {
            if distance_2 > cutoff {
                break;
            }
            let (id, point) = entry.data;
            let distance = haversine_m(center, point);
            if distance <= radius_m {
                found.push((id, distance));
                if found.len() == limit {
                    // Whatever lies further than all of these cannot make the answer; only near-ties, which the
                    // sort below settles by id, are still worth measuring.
                    let farthest = found.iter().map(|&(_, d)| d).fold(0.0, f64::max);
                    cutoff = chord_sq(farthest + CUTOFF_MARGIN_M);
                }
            }
        }
        found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        found.truncate(limit);
        found
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use geo::Destination;
    use rand::{Rng, SeedableRng, rngs::StdRng};

    use super::*;

    fn gcj(lat: f64, lng: f64) -> GeoPoint {
        GeoPoint::parse(lat, lng, Datum::Gcj02).unwrap()
    }

    /// The point `meters` away from `origin` in direction `bearing` (degrees clockwise from north).
    fn walk(origin: GeoPoint, bearing: f64, meters: f64) -> GeoPoint {
        let p = Haversine.destination(origin.to_geo(), bearing, meters);
        gcj(p.y(), p.x())
    }

    /// The answer `within` must give, by measuring every item.
    fn brute_force(items: &[(Uuid, GeoPoint)], center: GeoPoint, radius_m: f64, limit: usize) -> Vec<(Uuid, f64)> {
        let mut all: Vec<(Uuid, f64)> =
            items.iter().map(|&(id, p)| (id, haversine_m(center, p))).filter(|&(_, d)| d <= radius_m).collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        all.truncate(limit);
        all
    }

    fn random_id(rng: &mut StdRng) -> Uuid {
        Uuid::from_u128(rng.random())
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

    #[test]
    fn within_equals_brute_force_over_beijing() {
        let mut rng = StdRng::seed_from_u64(20240607);
        let mut items: Vec<(Uuid, GeoPoint)> = (0..10_000)
            .map(|_| (random_id(&mut rng), gcj(rng.random_range(39.6..40.2), rng.random_range(116.0..116.8))))
            .collect();
        // Items sharing a location, so that equal distances must be ordered by id.
        for i in 0..100 {
            items.push((random_id(&mut rng), items[i * 7].1));
        }
        let index = NearestIndex::build(items.iter().copied());
        assert_eq!(index.len(), items.len());

        let (mut cut_by_limit, mut cut_by_radius) = (0, 0);
        for _ in 0..50 {
            let center = gcj(rng.random_range(39.6..40.2), rng.random_range(116.0..116.8));
            let radius_m = rng.random_range(200.0..20_000.0);
            let limit = rng.random_range(1..=100);
            let got = index.within(center, radius_m, limit);
            let want = brute_force(&items, center, radius_m, limit);
            // Same ids in the same order; the distances are the same haversine, so they are identical.
            assert_eq!(got, want, "center {center:?}, radius {radius_m} m, limit {limit}");
            assert!(got.iter().all(|&(_, d)| d <= radius_m));
            if got.len() == limit {
                cut_by_limit += 1;
            } else {
                cut_by_radius += 1;
            }
        }
        // Both ways a query ends were exercised.
        assert!(cut_by_limit > 0 && cut_by_radius > 0, "{cut_by_limit} by limit, {cut_by_radius} by radius");
    }

    #[test]
    fn within_equals_brute_force_anywhere_on_earth() {
        let mut rng = StdRng::seed_from_u64(7);
        let items: Vec<(Uuid, GeoPoint)> = (0..2_000)
            .map(|_| {
                // Uniform on the sphere, so the poles get their share.
                let lat = rng.random_range(-1.0f64..=1.0).asin().to_degrees();
                (random_id(&mut rng), gcj(lat, rng.random_range(-180.0..=180.0)))
            })
            .collect();
        let index = NearestIndex::build(items.iter().copied());
        for _ in 0..50 {
            let lat = rng.random_range(-1.0f64..=1.0).asin().to_degrees();
            let center = gcj(lat, rng.random_range(-180.0..=180.0));
            // Up to the antipode and beyond.
            let radius_m = rng.random_range(0.0..21_000_000.0);
            let limit = rng.random_range(1..=3_000);
            assert_eq!(index.within(center, radius_m, limit), brute_force(&items, center, radius_m, limit));
        }
    }

    #[test]
    fn within_honours_the_radius() {
        let center = gcj(39.9087, 116.3975);
        let (inside, outside) = (Uuid::from_u128(1), Uuid::from_u128(2));
        for bearing in [0.0, 45.0, 90.0, 180.0, 270.0] {
            let index = NearestIndex::build([
                (inside, walk(center, bearing, 999.99)),
                (outside, walk(center, bearing, 1000.01)),
            ]);
            let got = index.within(center, 1000.0, 10);
            assert_eq!(got.len(), 1, "bearing {bearing}: {got:?}");
            assert_eq!(got[0].0, inside);
            assert!((got[0].1 - 999.99).abs() < 1e-6, "{got:?}");
            assert_eq!(index.within(center, 1000.02, 10).len(), 2);
        }
    }

    #[test]
    fn within_crosses_the_antimeridian_and_the_pole() {
        let east = (Uuid::from_u128(1), gcj(0.0, 179.999));
        let west = (Uuid::from_u128(2), gcj(0.0, -179.999));
        let north = (Uuid::from_u128(3), gcj(89.999, 0.0));
        let beyond_pole = (Uuid::from_u128(4), gcj(89.999, 180.0));
        let index = NearestIndex::build([east, west, north, beyond_pole]);
        let got = index.within(west.1, 300.0, 10);
        assert_eq!(got.iter().map(|&(id, _)| id).collect::<Vec<_>>(), [west.0, east.0]);
        let got = index.within(north.1, 300.0, 10);
        assert_eq!(got.iter().map(|&(id, _)| id).collect::<Vec<_>>(), [north.0, beyond_pole.0]);
    }

    #[test]
    fn within_orders_nearest_first_then_by_id() {
        let center = gcj(31.2304, 121.4737);
        let near = walk(center, 10.0, 100.0);
        let ids: Vec<Uuid> = (1..=4).map(Uuid::from_u128).collect();
        let index = NearestIndex::build([
            (ids[3], near),
            (ids[0], walk(center, 200.0, 300.0)),
            (ids[2], near),
            (ids[1], walk(center, 90.0, 200.0)),
        ]);
        let order = |limit| index.within(center, 1_000.0, limit).into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        assert_eq!(order(10), [ids[2], ids[3], ids[1], ids[0]]);
        assert_eq!(order(1), [ids[2]]);
    }

    #[test]
    fn a_wgs84_query_is_answered_like_its_gcj02_conversion() {
        let mut rng = StdRng::seed_from_u64(3);
        let items: Vec<(Uuid, GeoPoint)> = (0..2_000)
            .map(|_| (random_id(&mut rng), gcj(rng.random_range(39.85..39.95), rng.random_range(116.35..116.45))))
            .collect();
        let index = NearestIndex::build(items);
        let (lat, lng) = (39.9, 116.4);
        let (gcj_lat, gcj_lng) = wgs84_to_gcj02(lat, lng);
        let from_wgs84 = index.within(GeoPoint::parse(lat, lng, Datum::Wgs84).unwrap(), 500.0, 20);
        assert!(!from_wgs84.is_empty());
        assert_eq!(from_wgs84, index.within(gcj(gcj_lat, gcj_lng), 500.0, 20));
        // The datum matters: the same numbers read as GCJ-02 are some 500 m away.
        assert_ne!(from_wgs84, index.within(gcj(lat, lng), 500.0, 20));
    }

    #[test]
    fn degenerate_queries_find_nothing() {
        let center = gcj(39.9, 116.4);
        let empty = NearestIndex::build([]);
        assert!(empty.is_empty());
        assert_eq!(empty.len(), 0);
        assert!(empty.within(center, 1_000.0, 10).is_empty());
        let index = NearestIndex::build([(Uuid::from_u128(1), center)]);
        assert!(!index.is_empty());
        assert!(index.within(center, 1_000.0, 0).is_empty());
        assert!(index.within(center, -1.0, 10).is_empty());
        assert!(index.within(center, f64::NAN, 10).is_empty());
        assert_eq!(index.within(center, 0.0, 10), [(Uuid::from_u128(1), 0.0)]);
        assert_eq!(index.within(center, f64::INFINITY, 10).len(), 1);
    }

    #[test]
    fn index_can_be_shared_across_tasks() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<NearestIndex>();
    }
}
