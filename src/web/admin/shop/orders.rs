//! A shop's bookings in a date range (and of one status), by time, a page of the API's connection at a time;
//! the same range downloads as CSV (`orders_csv`).

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use chrono::{Days, NaiveDate, TimeZone};
use serde::Deserialize;
use serde_json::json;

use super::{Head, Tab, manager, not_found, refused, tabs};
use crate::{
    app::exec::Web,
    web::{
        admin::{answers::Named, channel_label, status_label},
        format,
        forms::Errors,
        page::{Chrome, Staff},
        runner::Failure,
        session::Visit,
    },
};

/// The statuses to filter by, in the order they are offered.
pub const STATUSES: [&str; 7] =
    ["PENDING_PAYMENT", "PAID", "CONFIRMED", "COMPLETED", "CANCELLED", "EXPIRED", "NO_SHOW"];
/// The longest range shown or exported at once.
const MAX_DAYS: u64 = 366;
const PAGE: i64 = 50;

#[derive(Deserialize, Default, Clone)]
pub struct RangeQuery {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
}

/// A checked range: the first and last day (the tenant's calendar), and a status or all.
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub status: Option<&'static str>,
}

impl Range {
    /// The range asked for; by default the seven days from today. Errors name the field they are about.
    pub fn parse(q: &RangeQuery, today: NaiveDate) -> Result<Range, Errors> {
        let mut errors = Errors::default();
        let day =
            |v: &Option<String>, default: NaiveDate, id: &str, errors: &mut Errors| match v.as_deref().map(str::trim) {
                None | Some("") => Some(default),
                Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().or_else(|| {
                    errors.add(id, "请按“年-月-日”填写日期，如 2026-12-06");
                    None
                }),
            };
        let from = day(&q.from, today, "from", &mut errors);
        let to = day(&q.to, today.checked_add_days(Days::new(6)).unwrap_or(today), "to", &mut errors);
        let status = match q.status.as_deref().unwrap_or("") {
            "" => None,
            s => STATUSES.iter().find(|x| **x == s).copied().or_else(|| {
                errors.add("status-1", "请选择一个状态");
                None
            }),
        };
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                errors.add("to", "结束日期不能早于开始日期");
            } else if (t - f).num_days() as u64 >= MAX_DAYS {
                errors.add("to", "一次最多查看 366 天");
            }
        }
        match (from, to) {
            (Some(from), Some(to)) if errors.is_empty() => Ok(Range { from, to, status }),
            _ => Err(errors),
        }
    }

    /// The variables of `ManagerOrders` for this range in `zone`.
    pub fn variables(&self, shop: &str, zone: chrono_tz::Tz, first: i64, after: Option<&str>) -> serde_json::Value {
        let midnight = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0).and_then(|t| zone.from_local_datetime(&t).earliest()).map(|t| t.to_rfc3339())
        };
        json!({
            "id": shop, "from": midnight(self.from), "to": self.to.checked_add_days(Days::new(1)).and_then(midnight),
            "status": self.status, "first": first, "after": after,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub status: String,
    pub channel: String,
    pub customer_name: Option<String>,
    pub customer_phone_masked: Option<String>,
    pub service_name: String,
    pub start: String,
    pub end: String,
    pub amount_fen: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    pub therapist_id: Option<String>,
}

#[derive(Deserialize)]
pub struct Edge {
    pub node: Order,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(Deserialize)]
pub struct Orders {
    pub edges: Vec<Edge>,
    #[serde(rename = "pageInfo")]
    pub page_info: PageInfo,
}

#[derive(Deserialize)]
pub struct ShopNames {
    pub id: String,
    pub name: String,
    pub therapists: Vec<Named>,
}

impl ShopNames {
    pub fn therapist(&self, id: &Option<String>) -> String {
        id.as_ref()
            .and_then(|id| self.therapists.iter().find(|t| &t.id == id))
            .map_or("不指定".to_owned(), |t| t.name.clone())
    }
}

#[derive(Deserialize)]
pub struct Answer {
    pub shop: Option<ShopNames>,
    #[serde(rename = "shopOrders")]
    pub orders: Orders,
}

/// One page of the range's orders, when the caller sees the shop.
pub async fn fetch(
    staff: &Staff,
    shop: &str,
    range: &Range,
    first: i64,
    after: Option<&str>,
) -> Result<Answer, Failure> {
    staff.runner.run("ManagerOrders", range.variables(shop, staff.zone, first, after)).await
}

pub struct Row {
    id: String,
    when: String,
    service: String,
    therapist: String,
    customer: String,
    phone: String,
    status: &'static str,
    amount: String,
}

pub struct StatusChoice {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/shop/orders.html")]
struct OrdersPage {
    chrome: Chrome,
    errors: Errors,
    shop: Head,
    tabs: Vec<Tab>,
    from: String,
    to: String,
    statuses: Vec<StatusChoice>,
    caption: String,
    rows: Vec<Row>,
    /// The query of the next page, when there is one.
    next: Option<String>,
    first_page: Option<String>,
    csv: String,
}

fn query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs.iter().filter(|(_, v)| !v.is_empty()).collect::<Vec<_>>()).unwrap_or_default()
}

pub async fn list(
    State(web): State<Web>,
    visit: Visit,
    Path(id): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let today = web.state.now().with_timezone(&staff.zone).date_naive();
    let (range, errors) = match Range::parse(&q, today) {
        Ok(r) => (r, Errors::default()),
        Err(e) => {
            (Range::parse(&RangeQuery::default(), today).unwrap_or(Range { from: today, to: today, status: None }), e)
        }
    };
    let after = if errors.is_empty() { q.after.as_deref().filter(|a| !a.is_empty()) } else { None };
    let answer = match fetch(&staff, &id, &range, PAGE, after).await {
        Ok(a) => a,
        Err(f) => return refused(&web, &visit, &f),
    };
    let Some(shop) = answer.shop else { return not_found(&web, &visit) };
    let mut orders: Vec<Order> = answer.orders.edges.into_iter().map(|e| e.node).collect();
    orders.sort_by(|a, b| a.start.cmp(&b.start));
    let zone = staff.zone;
    let rows = orders
        .iter()
        .map(|o| Row {
            id: o.id.clone(),
            when: format!("{}–{}", format::date_time(&o.start, zone), format::clock(&o.end, zone)),
            service: o.service_name.clone(),
            therapist: shop.therapist(&o.therapist_id),
            customer: o.customer_name.clone().unwrap_or_else(|| channel_label(&o.channel).to_owned()),
            phone: o.customer_phone_masked.clone().unwrap_or_default(),
            status: status_label(&o.status),
            amount: format::money(o.amount_fen),
        })
        .collect();
    // What the form shows: what was typed, when it was wrong.
    let (from, to) = if errors.is_empty() {
        (range.from.to_string(), range.to.to_string())
    } else {
        (q.from.clone().unwrap_or_default(), q.to.clone().unwrap_or_default())
    };
    let status = range.status.unwrap_or("");
    let base = [("from", range.from.to_string()), ("to", range.to.to_string()), ("status", status.to_owned())];
    let base: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let next = answer.orders.page_info.end_cursor.filter(|_| answer.orders.page_info.has_next_page).map(|c| {
        let mut pairs = base.clone();
        pairs.push(("after", &c));
        query(&pairs)
    });
    let words = |d: NaiveDate| d.format("%Y年%-m月%-d日").to_string();
    let status_words = range.status.map(|s| format!("，{}", status_label(s))).unwrap_or_default();
    let caption = format!(
        "{}：{} 至 {}的预约{status_words}{}",
        shop.name,
        words(range.from),
        words(range.to),
        if after.is_some() { "（后续页）" } else { "" }
    );
    let heading = format!("预约记录：{}", shop.name);
    let statuses = std::iter::once(("", "全部"))
        .chain(STATUSES.iter().map(|s| (*s, status_label(s))))
        .map(|(value, label)| StatusChoice { value, label, checked: value == status })
        .collect();
    OrdersPage {
        chrome: Chrome::staff(heading, &visit, &staff, super::HOME).with_errors(!errors.is_empty()),
        errors,
        tabs: tabs(&shop.id, "/orders"),
        shop: Head { id: shop.id.clone(), name: shop.name.clone() },
        from,
        to,
        statuses,
        caption,
        rows,
        next,
        first_page: after.map(|_| query(&base)),
        csv: query(&base),
    }
    .into_response()
}
