pub mod m20261123_000001_platform_core;
pub mod m20261125_000001_generations;
