//! The bookings of a date range as CSV for Excel: UTF-8 with a byte order mark (so Excel reads Chinese), times
//! in the tenant's zone, money in yuan with two decimals, phones masked as the API masks them. It runs the
//! page's operation page by page.

use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Redirect, Response},
};

use super::{
    manager, not_found,
    orders::{Range, RangeQuery, fetch},
    refused,
};
use crate::{
    app::exec::Web,
    web::{admin::channel_label, admin::status_label, format, page, session::Visit},
};

/// A page of the export: the API's most.
const PAGE: i64 = 100;
/// At most this many pages (10,000 bookings) in one file.
const MAX_PAGES: usize = 100;

const HEADER: [&str; 12] = [
    "开始时间",
    "结束时间",
    "服务项目",
    "技师",
    "顾客",
    "手机",
    "预约方式",
    "状态",
    "金额（元）",
    "已付（元）",
    "已退（元）",
    "订单号",
];

/// A CSV field: quoted when it must be, and never read by a spreadsheet as a formula.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

fn yuan(fen: i64) -> String {
    format::money(fen).replace('¥', "")
}

fn local(rfc3339: &str, zone: chrono_tz::Tz) -> String {
    format::instant(rfc3339, zone).map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

pub async fn export(
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
    let Ok(range) = Range::parse(&q, today) else {
        // The page says what is wrong with the range.
        let query =
            serde_urlencoded::to_string([("from", &q.from), ("to", &q.to), ("status", &q.status)]).unwrap_or_default();
        return Redirect::to(&format!("/admin/shops/{}/orders?{query}", page::encode(&id))).into_response();
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&HEADER.map(field).join(","));
    out.push_str("\r\n");
    let mut after: Option<String> = None;
    let mut rows = vec![];
    for _ in 0..MAX_PAGES {
        let answer = match fetch(&staff, &id, &range, PAGE, after.as_deref()).await {
            Ok(a) => a,
            Err(f) => return refused(&web, &visit, &f),
        };
        let Some(shop) = answer.shop else { return not_found(&web, &visit) };
        for o in answer.orders.edges.into_iter().map(|e| e.node) {
            let zone = staff.zone;
            let line = [
                local(&o.start, zone),
                local(&o.end, zone),
                o.service_name.clone(),
                shop.therapist(&o.therapist_id),
                o.customer_name.clone().unwrap_or_default(),
                o.customer_phone_masked.clone().unwrap_or_default(),
                channel_label(&o.channel).to_owned(),
                status_label(&o.status).to_owned(),
                yuan(o.amount_fen),
                yuan(o.paid_fen),
                yuan(o.refunded_fen),
                o.id.clone(),
            ];
            rows.push((o.start.clone(), line.iter().map(|f| field(f)).collect::<Vec<_>>().join(",")));
        }
        match answer.orders.page_info {
            p if p.has_next_page => after = p.end_cursor,
            _ => break,
        }
        if after.is_none() {
            break;
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, line) in rows {
        out.push_str(&line);
        out.push_str("\r\n");
    }
    let name = format!("orders-{}-{}.csv", range.from, range.to);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_and_never_formulas() {
        assert_eq!(field("王女士"), "王女士");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=SUM(A1)"), "'=SUM(A1)");
    }
}
