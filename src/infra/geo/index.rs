//! The spatial index behind "which items lie within R meters of P, nearest first".

use std::f64::consts::PI;

use geo::Haversine;
use rstar::{RTree, primitives::GeomWithData};
use uuid::Uuid;

use super::{GeoPoint, haversine_m};

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
    use crate::infra::geo::{Datum, wgs84_to_gcj02};

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
