pub mod m20261124_000003_booking;
pub mod m20261206_000001_counter_bookings;
