//! Platform core: the tenant registry, staff, consumers, audit log.

use sea_orm_migration::prelude::*;

use crate::tenant_table::{col, ident as id, tenant_fk, tenant_id_col, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The registry of tenants is the one table without a tenant_id: it is read before a tenant is known
        // (by slug or API key hash), through the named paths of `db::unscoped`.
        manager
            .create_table(
                Table::create()
                    .table(id("tenants"))
                    .col(col("id").uuid().not_null().primary_key())
                    .col(col("slug").string_len(63).not_null().unique_key())
                    .col(col("name").string_len(200).not_null())
                    .col(col("template").string_len(32).not_null())
                    .col(col("kind").string_len(32).not_null())
                    .col(col("time_zone").string_len(64).not_null())
                    .col(col("status").string_len(16).not_null())
                    .col(col("api_key_hash").string_len(64).null().unique_key())
                    .col(col("wechat_app_id").string_len(64).null())
                    .col(col("wechat_secret_enc").text().null())
                    .col(col("is_load_test").boolean().not_null().default(false))
                    .col(col("created_at").timestamp_with_time_zone().not_null())
                    .col(col("updated_at").timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;

        tenant_table(
            manager,
            Table::create()
                .table(id("staff"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("username").string_len(64).not_null())
                .col(col("display_name").string_len(100).not_null())
                .col(col("password_hash").text().not_null())
                .col(col("role").string_len(32).not_null())
                .col(col("shop_ids").json().not_null())
                .col(col("phone_enc").text().null())
                .col(col("phone_hash").string_len(64).null())
                .col(col("active").boolean().not_null().default(true))
                .col(col("session_epoch").integer().not_null().default(0))
                .col(col("recent_failures").json().not_null())
                .col(col("locked_until").timestamp_with_time_zone().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .primary_key(Index::create().col(id("tenant_id")).col(id("id")))
                .foreign_key(&mut tenant_fk("staff"))
                .to_owned(),
            "staff",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_staff_username")
                    .table(id("staff"))
                    .col(id("tenant_id"))
                    .col(id("username"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_staff_phone_hash")
                    .table(id("staff"))
                    .col(id("tenant_id"))
                    .col(id("phone_hash"))
                    .to_owned(),
            )
            .await?;

        tenant_table(
            manager,
            Table::create()
                .table(id("consumers"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("app_id").string_len(64).not_null())
                .col(col("openid_hash").string_len(64).not_null())
                .col(col("openid_enc").text().not_null())
                .col(col("unionid_enc").text().null())
                .col(col("phone_enc").text().null())
                .col(col("phone_hash").string_len(64).null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("last_login_at").timestamp_with_time_zone().not_null())
                .primary_key(Index::create().col(id("tenant_id")).col(id("id")))
                .foreign_key(&mut tenant_fk("consumers"))
                .to_owned(),
            "consumers",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_consumers_openid")
                    .table(id("consumers"))
                    .col(id("tenant_id"))
                    .col(id("app_id"))
                    .col(id("openid_hash"))
                    .unique()
                    .to_owned(),
            )
            .await?;

        // Audit rows of the platform operator that concern no tenant carry the nil tenant id, so this table has
        // no foreign key to tenants; `tenant purge` deletes a tenant's rows by id.
        tenant_table(
            manager,
            Table::create()
                .table(id("audit_log"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("at").timestamp_with_time_zone().not_null())
                .col(col("actor_kind").string_len(16).not_null())
                .col(col("actor_id").string_len(64).null())
                .col(col("action").string_len(64).not_null())
                .col(col("target").string_len(128).null())
                .col(col("outcome").string_len(32).not_null())
                .col(col("request_id").string_len(64).not_null())
                .primary_key(Index::create().col(id("tenant_id")).col(id("id")))
                .to_owned(),
            "audit_log",
        )
        .await?;
        Ok(())
    }
}
