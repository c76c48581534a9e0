//! Sign-in throttles and single-use OAuth states replace the per-account lockout on the staff row.
//!
//! `sign_in_throttles` counts wrong passwords per keyed hash (of a name and a client address, or of a name
//! alone) and remembers where a name last signed in; it never holds a name or an address in clear.
//! `oauth_states` holds each `state` that `wechatAuthorizeUrl` handed out until `wechatLogin` consumes it or it
//! expires. The tenant's WeChat configuration gains the origin of its H5 pages, where sign-ins may return to.

use sea_orm_migration::prelude::*;

use crate::tenant_table::{col, ident, index, pk, tenant_fk, tenant_id_col, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tenant_table(
            manager,
            Table::create()
                .table(ident("sign_in_throttles"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("key_hash").string_len(64).not_null())
                .col(col("failures").integer().not_null().default(0))
                .col(col("window_started_at").timestamp_with_time_zone().not_null())
                .col(col("last_success_at").timestamp_with_time_zone().null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut tenant_fk("sign_in_throttles"))
                .to_owned(),
            "sign_in_throttles",
        )
        .await?;
        index(manager, "ux_sign_in_throttles_hash", "sign_in_throttles", &["tenant_id", "key_hash"], true).await?;
        index(manager, "ix_sign_in_throttles_updated", "sign_in_throttles", &["tenant_id", "updated_at"], false)
            .await?;

        tenant_table(
            manager,
            Table::create()
                .table(ident("oauth_states"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("expires_at").timestamp_with_time_zone().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut tenant_fk("oauth_states"))
                .to_owned(),
            "oauth_states",
        )
        .await?;
        index(manager, "ix_oauth_states_expires", "oauth_states", &["tenant_id", "expires_at"], false).await?;

        manager
            .alter_table(
                Table::alter()
                    .table(ident("tenants"))
                    .add_column(col("wechat_h5_origin").string_len(200).null())
                    .to_owned(),
            )
            .await?;
        // SQLite drops one column per ALTER TABLE.
        for column in ["recent_failures", "locked_until"] {
            manager.alter_table(Table::alter().table(ident("staff")).drop_column(ident(column)).to_owned()).await?;
        }
        Ok(())
    }
}
