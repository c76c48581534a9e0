//! Uploaded images (shop and therapist photos, meter photos, documents): the table and the rules. The HTTP
//! endpoints are `POST /media` and `GET /media/{id}` (`http::media`); the image work is `infra::media`.

pub mod entity;
pub mod service;
