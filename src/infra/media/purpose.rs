//! What an upload is for, which decides who may see it and which tenants may upload it.

use crate::error::AppError;

/// What an uploaded image is for; it decides who may see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    ShopPhoto,
    TherapistPhoto,
    MeterPhoto,
    IdDocument,
    TicketPhoto,
}

impl Purpose {
    pub const ALL: [Purpose; 5] =
        [Purpose::ShopPhoto, Purpose::TherapistPhoto, Purpose::MeterPhoto, Purpose::IdDocument, Purpose::TicketPhoto];

    /// Parses the wire name, e.g. `shop_photo`.
    pub fn parse(text: &str) -> Result<Purpose, AppError> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == text).ok_or_else(|| {
            AppError::validation(
                "purpose must be one of shop_photo, therapist_photo, meter_photo, id_document, ticket_photo",
            )
        })
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ShopPhoto => "shop_photo",
            Purpose::TherapistPhoto => "therapist_photo",
            Purpose::MeterPhoto => "meter_photo",
            Purpose::IdDocument => "id_document",
            Purpose::TicketPhoto => "ticket_photo",
        }
    }

    /// The template feature (`tenants/*.toml`) a tenant needs to upload images for this purpose.
    pub fn feature(self) -> &'static str {
        match self {
            Purpose::ShopPhoto | Purpose::TherapistPhoto => "storefront",
            Purpose::MeterPhoto | Purpose::IdDocument => "water_accounts",
            Purpose::TicketPhoto => "tickets",
        }
    }

    /// Storefront images anyone may see; every other purpose is private to the tenant's authorised staff.
    pub fn is_public(self) -> bool {
        matches!(self, Purpose::ShopPhoto | Purpose::TherapistPhoto)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_parse_from_their_wire_names() {
        for purpose in Purpose::ALL {
            assert_eq!(Purpose::parse(purpose.as_str()).unwrap(), purpose);
        }
        assert!(Purpose::ShopPhoto.is_public() && Purpose::TherapistPhoto.is_public());
        assert!(!Purpose::MeterPhoto.is_public() && !Purpose::IdDocument.is_public());
        assert!(!Purpose::TicketPhoto.is_public());
        for bad in ["", "avatar", "SHOP_PHOTO", "shop_photo "] {
            assert_eq!(Purpose::parse(bad).unwrap_err().code(), "VALIDATION", "{bad:?}");
        }
    }

    #[test]
    fn each_purpose_needs_a_feature_a_template_offers() {
        let templates = [include_str!("../../../tenants/massage.toml"), include_str!("../../../tenants/water.toml")];
        for purpose in Purpose::ALL {
            let quoted = format!("\"{}\"", purpose.feature());
            assert!(templates.iter().any(|t| t.contains(&quoted)), "{purpose:?} needs {quoted}");
        }
        assert_eq!(Purpose::ShopPhoto.feature(), "storefront");
        assert_eq!(Purpose::MeterPhoto.feature(), "water_accounts");
        assert_eq!(Purpose::TicketPhoto.feature(), "tickets");
    }
}
