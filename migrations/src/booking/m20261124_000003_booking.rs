//! Bookings as orders: orders, per-slot claims (the double-booking guard), payments and their notifications,
//! refunds, reviews, and the notice outbox.

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
                .table(id("orders"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("consumer_id").uuid().not_null())
                .col(col("shop_id").uuid().not_null())
                .col(col("service_item_id").uuid().not_null())
                .col(col("therapist_id").uuid().not_null())
                .col(col("start_at").timestamp_with_time_zone().not_null())
                .col(col("end_at").timestamp_with_time_zone().not_null())
                .col(col("status").string_len(20).not_null())
                .col(col("amount_fen").big_integer().not_null())
                .col(col("paid_fen").big_integer().not_null())
                .col(col("refunded_fen").big_integer().not_null())
                .col(col("price_snapshot").json().not_null())
                .col(col("refund_policy").json().not_null())
                .col(col("expires_at").timestamp_with_time_zone().not_null())
                .col(col("cancel_reason").string_len(200).null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut scoped_fk("orders", "consumer_id", "consumers"))
                .foreign_key(&mut scoped_fk("orders", "shop_id", "shops"))
                .foreign_key(&mut scoped_fk("orders", "service_item_id", "service_items"))
                .foreign_key(&mut scoped_fk("orders", "therapist_id", "therapists"))
                .to_owned(),
            "orders",
        )
        .await?;
        index(manager, "ix_orders_consumer", "orders", &["tenant_id", "consumer_id", "id"], false).await?;
        index(manager, "ix_orders_shop_start", "orders", &["tenant_id", "shop_id", "start_at"], false).await?;
        index(manager, "ix_orders_status_expiry", "orders", &["tenant_id", "status", "expires_at"], false).await?;

        // One row per therapist and 15-minute cell an order holds (its service time plus the buffer). The unique
        // key makes double booking impossible on every backend; an unpaid order's claims carry its expiry.
        tenant_table(
            manager,
            Table::create()
                .table(id("slot_claims"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("therapist_id").uuid().not_null())
                .col(col("cell_start").timestamp_with_time_zone().not_null())
                .col(col("order_id").uuid().not_null())
                .col(col("expires_at").timestamp_with_time_zone().null())
                .primary_key(&mut pk())
                .foreign_key(&mut scoped_fk("slot_claims", "order_id", "orders"))
                .foreign_key(&mut scoped_fk("slot_claims", "therapist_id", "therapists"))
                .to_owned(),
            "slot_claims",
        )
        .await?;
        index(manager, "ux_slot_claims_cell", "slot_claims", &["tenant_id", "therapist_id", "cell_start"], true)
            .await?;
        index(manager, "ix_slot_claims_order", "slot_claims", &["tenant_id", "order_id"], false).await?;

        tenant_table(
            manager,
            Table::create()
                .table(id("payments"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("order_id").uuid().not_null())
                .col(col("idempotency_key").string_len(100).not_null())
                .col(col("request_hash").string_len(64).not_null())
                .col(col("amount_fen").big_integer().not_null())
                .col(col("status").string_len(16).not_null())
                .col(col("provider").string_len(32).not_null())
                .col(col("provider_txn_id").string_len(64).null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut scoped_fk("payments", "order_id", "orders"))
                .to_owned(),
            "payments",
        )
        .await?;
        index(manager, "ux_payments_idempotency", "payments", &["tenant_id", "idempotency_key"], true).await?;
        index(manager, "ix_payments_order", "payments", &["tenant_id", "order_id"], false).await?;

        // Each provider notification is applied once: its transaction id is unique.
        tenant_table(
            manager,
            Table::create()
                .table(id("payment_events"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("provider").string_len(32).not_null())
                .col(col("provider_txn_id").string_len(64).not_null())
                .col(col("payment_id").uuid().not_null())
                .col(col("amount_fen").big_integer().not_null())
                .col(col("outcome").string_len(32).not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut scoped_fk("payment_events", "payment_id", "payments"))
                .to_owned(),
            "payment_events",
        )
        .await?;
        index(manager, "ux_payment_events_txn", "payment_events", &["tenant_id", "provider", "provider_txn_id"], true)
            .await?;

        tenant_table(
            manager,
            Table::create()
                .table(id("refunds"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("order_id").uuid().not_null())
                .col(col("refund_no").string_len(64).not_null())
                .col(col("amount_fen").big_integer().not_null())
                .col(col("status").string_len(16).not_null())
                .col(col("reason").string_len(200).null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut scoped_fk("refunds", "order_id", "orders"))
                .to_owned(),
            "refunds",
        )
        .await?;
        index(manager, "ux_refunds_no", "refunds", &["tenant_id", "refund_no"], true).await?;

        tenant_table(
            manager,
            Table::create()
                .table(id("reviews"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("order_id").uuid().not_null())
                .col(col("consumer_id").uuid().not_null())
                .col(col("shop_id").uuid().not_null())
                .col(col("rating").small_integer().not_null())
                .col(col("text").text().not_null())
                .col(col("reply").text().null())
                .col(col("replied_at").timestamp_with_time_zone().null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut scoped_fk("reviews", "order_id", "orders"))
                .foreign_key(&mut scoped_fk("reviews", "shop_id", "shops"))
                .to_owned(),
            "reviews",
        )
        .await?;
        index(manager, "ux_reviews_order", "reviews", &["tenant_id", "order_id"], true).await?;

        // Messages to shops (SMS, voice call) and consumers (WeChat template), written with the change that
        // causes them and delivered at least once by the dispatcher.
        tenant_table(
            manager,
            Table::create()
                .table(id("notices"))
                .col(tenant_id_col())
                .col(col("id").uuid().not_null())
                .col(col("order_id").uuid().null())
                .col(col("channel").string_len(24).not_null())
                .col(col("event").string_len(32).not_null())
                .col(col("payload").json().not_null())
                .col(col("attempts").integer().not_null())
                .col(col("next_attempt_at").timestamp_with_time_zone().not_null())
                .col(col("delivered_at").timestamp_with_time_zone().null())
                .col(col("last_error").string_len(200).null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk())
                .foreign_key(&mut tenant_fk("notices"))
                .to_owned(),
            "notices",
        )
        .await?;
        index(manager, "ix_notices_due", "notices", &["tenant_id", "delivered_at", "next_attempt_at"], false).await?;
        Ok(())
    }
}
