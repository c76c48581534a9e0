//! Uploaded images (shop and therapist photos, meter photos, documents): the table and the HTTP endpoints.

pub mod entity;
