//! Storefront: shops, therapists, service items, promotions, media, and per-tenant revision counters.

use sea_orm_migration::prelude::*;

use crate::tenant_table::{col, ident as id, index, pk, scoped_fk, tenant_fk, tenant_id_col, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tenant_table(
            manager,
            Table::create()
                .table(id("tenant_revisions"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("area").string_len(32).not_null())
                .col(col("value").big_integer().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut tenant_fk("tenant_revisions"))
                .to_owned(),
            "tenant_revisions",
        )
        .await?;
        index(manager, "ux_tenant_revisions_area", "tenant_revisions", &["tenant_id", "area"], true).await?;

        tenant_table(
            manager,
            Table::create()
                .table(id("media"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("purpose").string_len(32).not_null())
                .col(col("width").integer().not_null())
                .col(col("height").integer().not_null())
                .col(col("thumb_width").integer().not_null())
                .col(col("thumb_height").integer().not_null())
                .col(col("bytes").big_integer().not_null())
                .col(col("uploaded_by").string_len(64).not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut tenant_fk("media"))
                .to_owned(),
            "media",
        )
        .await?;

        tenant_table(
            manager,
            Table::create()
                .table(id("shops"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("name").string_len(100).not_null())
                .col(col("intro").text().not_null())
                .col(col("address").string_len(200).not_null())
                .col(col("district").string_len(50).not_null())
                .col(col("phone").string_len(20).not_null())
                .col(col("lat").double().not_null())
                .col(col("lng").double().not_null())
                .col(col("opening_hours").json().not_null())
                .col(col("closed_dates").json().not_null())
                .col(col("tags").json().not_null())
                .col(col("photo_ids").json().not_null())
                .col(col("step_free").boolean().not_null())
                .col(col("guide_dogs").boolean().not_null())
                .col(col("braille_price_list").boolean().not_null())
                .col(col("audio_price_list").boolean().not_null())
                .col(col("status").string_len(16).not_null())
                .col(col("rating_sum").big_integer().not_null().default(0))
                .col(col("rating_count").big_integer().not_null().default(0))
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut tenant_fk("shops"))
                .to_owned(),
            "shops",
        )
        .await?;
        index(manager, "ix_shops_status", "shops", &["tenant_id", "status"], false).await?;

        tenant_table(
            manager,
            Table::create()
                .table(id("therapists"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("shop_id").uuid().not_null())
                .col(col("name").string_len(50).not_null())
                .col(col("photo_id").uuid().null())
                .col(col("gender").string_len(16).not_null())
                .col(col("title").string_len(50).not_null())
                .col(col("years_of_practice").integer().not_null())
                .col(col("specialties").json().not_null())
                .col(col("intro").text().not_null())
                .col(col("schedule").json().null())
                .col(col("active").boolean().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut scoped_fk("therapists", "shop_id", "shops"))
                .to_owned(),
            "therapists",
        )
        .await?;
        index(manager, "ix_therapists_shop", "therapists", &["tenant_id", "shop_id"], false).await?;

        tenant_table(
            manager,
            Table::create()
                .table(id("service_items"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("shop_id").uuid().not_null())
                .col(col("name").string_len(100).not_null())
                .col(col("description").text().not_null())
                .col(col("category").string_len(50).not_null())
                .col(col("duration_minutes").integer().not_null())
                .col(col("price_fen").big_integer().not_null())
                .col(col("active").boolean().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut scoped_fk("service_items", "shop_id", "shops"))
                .to_owned(),
            "service_items",
        )
        .await?;
        index(manager, "ix_service_items_shop", "service_items", &["tenant_id", "shop_id"], false).await?;

        tenant_table(
            manager,
            Table::create()
                .table(id("service_therapists"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("service_item_id").uuid().not_null())
                .col(col("therapist_id").uuid().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut scoped_fk("service_therapists", "service_item_id", "service_items"))
                .foreign_key(&mut scoped_fk("service_therapists", "therapist_id", "therapists"))
                .to_owned(),
            "service_therapists",
        )
        .await?;
        index(
            manager,
            "ux_service_therapists",
            "service_therapists",
            &["tenant_id", "service_item_id", "therapist_id"],
            true,
        )
        .await?;

        tenant_table(
            manager,
            Table::create()
                .table(id("promotions"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("title").string_len(100).not_null())
                .col(col("body").text().not_null())
                .col(col("kind").string_len(16).not_null())
                .col(col("percent_off").integer().null())
                .col(col("amount_off_fen").big_integer().null())
                .col(col("call_phone").string_len(20).null())
                .col(col("starts_at").timestamp_with_time_zone().not_null())
                .col(col("ends_at").timestamp_with_time_zone().not_null())
                .col(col("status").string_len(16).not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut tenant_fk("promotions"))
                .to_owned(),
            "promotions",
        )
        .await?;

        tenant_table(
            manager,
            Table::create()
                .table(id("promotion_shops"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("promotion_id").uuid().not_null())
                .col(col("shop_id").uuid().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut scoped_fk("promotion_shops", "promotion_id", "promotions"))
                .foreign_key(&mut scoped_fk("promotion_shops", "shop_id", "shops"))
                .to_owned(),
            "promotion_shops",
        )
        .await?;
        index(manager, "ux_promotion_shops", "promotion_shops", &["tenant_id", "promotion_id", "shop_id"], true)
            .await?;
        index(manager, "ix_promotion_shops_shop", "promotion_shops", &["tenant_id", "shop_id"], false).await?;
        Ok(())
    }
}
