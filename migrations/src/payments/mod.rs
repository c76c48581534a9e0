pub mod m20261205_000002_payables;
