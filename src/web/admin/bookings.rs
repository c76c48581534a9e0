//! Bookings at the counter: a day's bookings of the staff member's shops, a booking's page, and what staff do
//! to a booking (confirm, complete, no-show, cancel with a full refund).

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use chrono::{Days, Duration, NaiveDate, TimeZone};
use serde::Deserialize;
use serde_json::json;

use super::{
    answers::{self, Connection, Named},
    channel_label, status_label,
};
use crate::{
    app::exec::Web,
    kernel::StaffRole,
    web::{
        format,
        forms::{Errors, explain},
        page::{self, Chrome, Staff},
        runner::Failure,
        session::Visit,
    },
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DayOrder {
    id: String,
    status: String,
    service_name: String,
    start: String,
    end: String,
    amount_fen: i64,
    therapist_id: Option<String>,
    channel: String,
    customer_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShopDay {
    shop: Option<ShopNames>,
    shop_orders: Connection<DayOrder>,
}

#[derive(Deserialize)]
struct ShopNames {
    name: String,
    therapists: Vec<Named>,
}

/// One row of a day's table.
pub struct Row {
    id: String,
    time: String,
    service: String,
    therapist: String,
    customer: String,
    status: &'static str,
    amount: String,
}

pub struct ShopTable {
    caption: String,
    rows: Vec<Row>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/today.html")]
pub struct TodayPage {
    chrome: Chrome,
    heading: String,
    shops: Vec<ShopTable>,
    previous: String,
    next: String,
    today: bool,
}

#[derive(Deserialize)]
pub struct DayQuery {
    date: Option<String>,
}

/// The shops a staff member works for: their own, or every shop for a tenant administrator.
async fn shop_ids(staff: &Staff) -> Result<Vec<String>, Failure> {
    if staff.role != StaffRole::TenantAdmin {
        return Ok(staff.shop_ids.iter().map(|id| id.to_string()).collect());
    }
    Ok(answers::tenant_shops::<Named>(staff).await?.into_iter().map(|s| s.id).collect())
}

pub async fn today(State(web): State<Web>, visit: Visit, Query(q): Query<DayQuery>) -> Response {
    let staff = match page::staff(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let now = web.state.now().with_timezone(&staff.zone);
    let date =
        q.date.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).unwrap_or(now.date_naive());
    let bound = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| staff.zone.from_local_datetime(&t).earliest())
            .map(|t| t.to_rfc3339())
            .unwrap_or_default()
    };
    let next_day = date.checked_add_days(Days::new(1)).unwrap_or(date);
    let previous_day = date.checked_sub_days(Days::new(1)).unwrap_or(date);
    let ids = match shop_ids(&staff).await {
        Ok(ids) => ids,
        Err(f) => return page::failure_page(&web, &visit, &f),
    };
    let day_words = date.format("%-m月%-d日").to_string();
    let mut shops = vec![];
    for id in ids {
        let vars = json!({ "shopId": id, "from": bound(date), "to": bound(next_day) });
        let day: ShopDay = match staff.runner.run("ShopDay", vars).await {
            Ok(d) => d,
            Err(f) => return page::failure_page(&web, &visit, &f),
        };
        let Some(shop) = day.shop else { continue };
        let mut orders: Vec<DayOrder> = day.shop_orders.nodes();
        orders.sort_by(|a, b| a.start.cmp(&b.start));
        let therapist = |id: &Option<String>| {
            id.as_ref()
                .and_then(|id| shop.therapists.iter().find(|t| &t.id == id))
                .map_or("不指定".to_owned(), |t| t.name.clone())
        };
        let rows = orders
            .iter()
            .map(|o| Row {
                id: o.id.clone(),
                time: format!("{}–{}", format::clock(&o.start, staff.zone), format::clock(&o.end, staff.zone)),
                service: o.service_name.clone(),
                therapist: therapist(&o.therapist_id),
                customer: o.customer_name.clone().unwrap_or_else(|| channel_label(&o.channel).to_owned()),
                status: status_label(&o.status),
                amount: format::money(o.amount_fen),
            })
            .collect();
        shops.push(ShopTable { caption: format!("{}：{day_words}的预约", shop.name), rows });
    }
    let is_today = date == now.date_naive();
    let heading = if is_today { format!("今日预约（{day_words}）") } else { format!("{day_words}的预约") };
    TodayPage {
        chrome: Chrome::staff(heading.clone(), &visit, &staff, "/admin/"),
        heading,
        shops,
        previous: previous_day.format("%Y-%m-%d").to_string(),
        next: next_day.format("%Y-%m-%d").to_string(),
        today: is_today,
    }
    .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderAnswer {
    order: Option<Order>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Order {
    id: String,
    status: String,
    service_name: String,
    start: String,
    end: String,
    amount_fen: i64,
    paid_fen: i64,
    refunded_fen: i64,
    cancel_reason: Option<String>,
    shop: OrderShop,
    channel: String,
    customer_name: Option<String>,
    customer_phone_masked: Option<String>,
}

#[derive(Deserialize)]
struct OrderShop {
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/order.html")]
pub struct OrderPage {
    chrome: Chrome,
    errors: Errors,
    id: String,
    heading: String,
    shop: String,
    service: String,
    when: String,
    status: &'static str,
    amount: String,
    paid: String,
    refunded: String,
    cancel_reason: String,
    channel: &'static str,
    customer: String,
    customer_phone: String,
    refund_if_cancelled: String,
    can_confirm: bool,
    can_complete: bool,
    can_no_show: bool,
    can_cancel: bool,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// The banner after a change, by the action that made it.
fn done_banner(done: Option<&str>) -> Option<String> {
    let text = match done? {
        "booked" => "预约成功，已确认。顾客到店后付款。",
        "confirm" => "已确认预约",
        "complete" => "已完成服务",
        "no-show" => "已标记为未到店",
        "cancel" => "已取消预约，款项将原路退回",
        _ => return None,
    };
    Some(text.to_owned())
}

async fn order_page(web: &Web, visit: &Visit, staff: &Staff, id: &str, errors: Errors, done: Option<&str>) -> Response {
    let answer: OrderAnswer = match staff.runner.run("Order", json!({ "id": id })).await {
        Ok(a) => a,
        Err(f) => return page::failure_page(web, visit, &f),
    };
    let Some(o) = answer.order else { return page::error_status(web, visit, 404) };
    let when = format!("{}–{}", format::date_time(&o.start, staff.zone), format::clock(&o.end, staff.zone));
    let heading = format!("预约：{} {}", o.service_name, when);
    let st = o.status.as_str();
    let now = web.state.now();
    let started = chrono::DateTime::parse_from_rfc3339(&o.start).ok().map(|t| t.with_timezone(&chrono::Utc));
    OrderPage {
        chrome: Chrome::staff(heading.clone(), visit, staff, "/admin/")
            .with_errors(!errors.is_empty())
            .with_banner(done_banner(done)),
        errors,
        id: o.id,
        heading,
        shop: o.shop.name,
        service: o.service_name,
        when,
        status: status_label(st),
        amount: format::money(o.amount_fen),
        paid: format::money(o.paid_fen),
        refunded: format::money(o.refunded_fen),
        cancel_reason: o.cancel_reason.unwrap_or_default(),
        channel: channel_label(&o.channel),
        customer: o.customer_name.unwrap_or_default(),
        customer_phone: o.customer_phone_masked.unwrap_or_default(),
        refund_if_cancelled: format::money((o.paid_fen - o.refunded_fen).max(0)),
        can_confirm: st == "PAID",
        // What the API allows: completing from an hour before the start, a no-show after it.
        can_complete: matches!(st, "PAID" | "CONFIRMED") && started.is_some_and(|s| now >= s - Duration::hours(1)),
        can_no_show: matches!(st, "PAID" | "CONFIRMED") && started.is_some_and(|s| now >= s),
        can_cancel: matches!(st, "PENDING_PAYMENT" | "PAID" | "CONFIRMED"),
    }
    .into_response()
}

pub async fn order(State(web): State<Web>, visit: Visit, Path(id): Path<String>, Query(q): Query<Done>) -> Response {
    match page::staff(&web, &visit).await {
        Ok(staff) => order_page(&web, &visit, &staff, &id, Errors::default(), q.done.as_deref()).await,
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    reason: String,
}

pub async fn act(
    State(web): State<Web>,
    visit: Visit,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ActForm>,
) -> Response {
    let staff = match page::staff(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (op, vars, control) = match action.as_str() {
        "confirm" => ("ConfirmOrder", json!({ "id": id }), "confirm"),
        "complete" => ("CompleteOrder", json!({ "id": id }), "complete"),
        "no-show" => ("MarkNoShow", json!({ "id": id }), "no-show"),
        "cancel" => {
            let reason = f.reason.trim();
            let reason = if reason.is_empty() { None } else { Some(reason) };
            ("CancelOrder", json!({ "id": id, "reason": reason }), "reason")
        }
        _ => return page::error_status(&web, &visit, 404),
    };
    match staff.runner.run::<serde_json::Value>(op, vars).await {
        Ok(_) => Redirect::to(&format!("/admin/orders/{}?done={action}", page::encode(&id))).into_response(),
        Err(f) if matches!(f.code.as_str(), "VALIDATION" | "CONFLICT") => {
            let mut errors = Errors::default();
            errors.add(control, explain(&f));
            order_page(&web, &visit, &staff, &id, errors, None).await
        }
        Err(f) => page::failure_page(&web, &visit, &f),
    }
}
