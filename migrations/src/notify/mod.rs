pub mod m20261205_000001_outbox;
