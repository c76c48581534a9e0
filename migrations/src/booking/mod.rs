pub mod m20261124_000003_booking;
