//! A shop's promotions: each with its state (draft, published and waiting, running, ended) and the one step it
//! can take (publish; withdraw to draft before it starts; end while it runs), and a form to write a draft.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Fields, Head, Tab, manager, not_found, refused, tabs};
use crate::{
    app::exec::Web,
    web::{
        admin::answers::Connection,
        format,
        forms::{Errors, explain},
        page::{self, Chrome, Staff},
        runner::Failure,
        session::Visit,
    },
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Promotion {
    id: String,
    title: String,
    kind: String,
    percent_off: Option<i32>,
    amount_off_fen: Option<i64>,
    starts_at: String,
    ends_at: String,
    status: String,
}

#[derive(Deserialize)]
struct Answer {
    shop: Option<Head>,
    promotions: Connection<Promotion>,
}

/// One row of the table, with what can be done to it.
pub struct Row {
    id: String,
    title: String,
    offer: String,
    period: String,
    state: &'static str,
    /// (action, button words)
    action: Option<(&'static str, &'static str)>,
}

impl Row {
    /// Publishing is the step forward; withdrawing and ending are shown as secondary.
    pub fn button_class(&self) -> &'static str {
        if matches!(self.action, Some(("publish", _))) { "button" } else { "button button-secondary" }
    }
}

#[derive(Default)]
pub struct Form {
    title: String,
    body: String,
    starts: String,
    ends: String,
    kind: String,
    percent: String,
    amount: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/shop/promotions.html")]
struct ListPage {
    chrome: Chrome,
    errors: Errors,
    shop: Head,
    tabs: Vec<Tab>,
    rows: Vec<Row>,
    form: Form,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    p: Option<String>,
}

fn offer(p: &Promotion) -> String {
    match (p.kind.as_str(), p.percent_off, p.amount_off_fen) {
        ("PERCENT_OFF", Some(pct), _) => format!("优惠 {pct}%"),
        ("AMOUNT_OFF", _, Some(fen)) => format!("立减 {}", format::money(fen)),
        ("MEMBERS_ONLY", _, _) => "会员专享".into(),
        _ => "通知".into(),
    }
}

fn row(p: Promotion, zone: chrono_tz::Tz, now: DateTime<Utc>) -> Row {
    let at = |t: &str| DateTime::parse_from_rfc3339(t).ok().map(|t| t.with_timezone(&Utc));
    let (starts, ends) = (at(&p.starts_at), at(&p.ends_at));
    let ended = ends.is_some_and(|e| e <= now);
    let started = starts.is_some_and(|s| s <= now);
    let (state, action) = match (p.status.as_str(), started, ended) {
        (_, _, true) => ("已结束", None),
        ("PUBLISHED", true, false) => ("进行中", Some(("end", "结束活动"))),
        ("PUBLISHED", false, false) => ("已发布，未开始", Some(("withdraw", "撤回为草稿"))),
        _ => ("草稿", Some(("publish", "发布"))),
    };
    Row {
        period: format!("{} 至 {}", format::date_time(&p.starts_at, zone), format::date_time(&p.ends_at, zone)),
        offer: offer(&p),
        id: p.id,
        title: p.title,
        state,
        action,
    }
}

async fn load(staff: &Staff, id: &str) -> Result<Option<(Head, Vec<Promotion>)>, Failure> {
    let a: Answer = staff.runner.run("ManagerPromotions", json!({ "id": id })).await?;
    Ok(a.shop.map(|s| (s, a.promotions.nodes())))
}

async fn page(web: &Web, visit: &Visit, staff: &Staff, id: &str, form: Form, errors: Errors, done: &Done) -> Response {
    let (shop, list) = match load(staff, id).await {
        Ok(Some(l)) => l,
        Ok(None) => return not_found(web, visit),
        Err(f) => return refused(web, visit, &f),
    };
    let title_of = |pid: &Option<String>| {
        list.iter().find(|p| Some(&p.id) == pid.as_ref()).map(|p| p.title.clone()).unwrap_or_default()
    };
    let banner = match done.done.as_deref() {
        Some("created") => Some(format!("已保存草稿“{}”。发布后顾客才能看到。", title_of(&done.p))),
        Some("publish") => Some(format!("已发布“{}”，顾客在活动时间内可以看到。", title_of(&done.p))),
        Some("withdraw") => Some(format!("已撤回“{}”，现在是草稿。", title_of(&done.p))),
        Some("end") => Some(format!("已结束“{}”，顾客不再看到这个活动。", title_of(&done.p))),
        _ => None,
    };
    let now = web.state.now();
    let heading = format!("优惠活动：{}", shop.name);
    ListPage {
        chrome: Chrome::staff(heading, visit, staff, super::HOME).with_errors(!errors.is_empty()).with_banner(banner),
        errors,
        tabs: tabs(&shop.id, "/promotions"),
        rows: list.into_iter().map(|p| row(p, staff.zone, now)).collect(),
        shop,
        form,
    }
    .into_response()
}

pub async fn list(State(web): State<Web>, visit: Visit, Path(id): Path<String>, Query(q): Query<Done>) -> Response {
    match manager(&web, &visit).await {
        Ok(staff) => page(&web, &visit, &staff, &id, Form::default(), Errors::default(), &q).await,
        Err(r) => r,
    }
}

/// A date typed as `2026-12-06` (or `2026/12/6`, `2026年12月6日`).
fn date_of(text: &str) -> Option<NaiveDate> {
    let t: String = text.trim().replace(['/', '年', '月', '.'], "-").replace('日', "");
    NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()
}

pub async fn create(State(web): State<Web>, visit: Visit, Path(id): Path<String>, f: Fields) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = Form {
        title: f.get("title"),
        body: f.get("body"),
        starts: f.get("starts"),
        ends: f.get("ends"),
        kind: f.get("kind"),
        percent: f.get("percent"),
        amount: f.get("amount"),
    };
    let mut errors = Errors::default();
    if form.title.is_empty() {
        errors.add("title", "请填写活动标题");
    }
    let midnight = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0).and_then(|t| staff.zone.from_local_datetime(&t).earliest()).map(|t| t.to_rfc3339())
    };
    let starts = date_of(&form.starts);
    if starts.is_none() {
        errors.add("starts", "请按“年-月-日”填写开始日期，如 2026-12-06");
    }
    let ends = date_of(&form.ends);
    match (starts, ends) {
        (_, None) => errors.add("ends", "请按“年-月-日”填写结束日期，如 2026-12-31"),
        (Some(s), Some(e)) if e < s => errors.add("ends", "结束日期不能早于开始日期"),
        _ => {}
    }
    let mut input = json!({ "shopId": id, "title": form.title, "body": form.body });
    match form.kind.as_str() {
        "PERCENT_OFF" => match form.percent.parse::<i32>().ok().filter(|p| (1..=99).contains(p)) {
            Some(p) => input["percentOff"] = json!(p),
            None => errors.add("percent", "优惠比例请填写 1 到 99 之间的整数"),
        },
        "AMOUNT_OFF" => match super::services::fen_of(&form.amount).filter(|a| *a > 0) {
            Some(a) => input["amountOffFen"] = json!(a),
            None => errors.add("amount", "立减金额请填写大于 0 的金额，如 20"),
        },
        "NOTICE" => {}
        _ => errors.add("kind-1", "请选择活动类型"),
    }
    if !errors.is_empty() {
        return page(&web, &visit, &staff, &id, form, errors, &Done { done: None, p: None }).await;
    }
    input["kind"] = json!(form.kind);
    input["startsAt"] = json!(starts.and_then(midnight));
    input["endsAt"] = json!(ends.and_then(|e| e.checked_add_days(Days::new(1))).and_then(midnight));
    #[derive(Deserialize)]
    struct Created {
        #[serde(rename = "createPromotion")]
        promotion: Named,
    }
    #[derive(Deserialize)]
    struct Named {
        id: String,
    }
    match staff.runner.run::<Created>("ManagerCreatePromotion", json!({ "input": input })).await {
        Ok(c) => Redirect::to(&format!(
            "/admin/shops/{}/promotions?done=created&p={}",
            page::encode(&id),
            page::encode(&c.promotion.id)
        ))
        .into_response(),
        Err(failure) if failure.code == "VALIDATION" => {
            let fields = [
                ("input.title", "title"),
                ("input.body", "body"),
                ("input.startsAt", "starts"),
                ("input.endsAt", "ends"),
            ];
            errors.refused(&failure, &fields, "title");
            page(&web, &visit, &staff, &id, form, errors, &Done { done: None, p: None }).await
        }
        Err(failure) => refused(&web, &visit, &failure),
    }
}

pub async fn act(
    State(web): State<Web>,
    visit: Visit,
    Path((id, pid, action)): Path<(String, String, String)>,
) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let op = match action.as_str() {
        "publish" => "ManagerPublishPromotion",
        "withdraw" => "ManagerWithdrawPromotion",
        "end" => "ManagerEndPromotion",
        _ => return not_found(&web, &visit),
    };
    // Only a promotion of this shop is acted on from its page.
    match load(&staff, &id).await {
        Ok(Some((_, list))) if list.iter().any(|p| p.id == pid) => {}
        Ok(_) => return not_found(&web, &visit),
        Err(f) => return refused(&web, &visit, &f),
    }
    match staff.runner.run::<Value>(op, json!({ "id": pid })).await {
        Ok(_) => Redirect::to(&format!(
            "/admin/shops/{}/promotions?done={action}&p={}",
            page::encode(&id),
            page::encode(&pid)
        ))
        .into_response(),
        Err(failure) if failure.code == "CONFLICT" => {
            let mut errors = Errors::default();
            let message = if failure.reason.as_deref() == Some("PROMOTION_NOT_RUNNING") {
                "这个活动现在没有在进行，不能结束；请刷新页面后再试".to_owned()
            } else {
                explain(&failure)
            };
            errors.add(&format!("act-{pid}"), message);
            page(&web, &visit, &staff, &id, Form::default(), errors, &Done { done: None, p: None }).await
        }
        Err(failure) => refused(&web, &visit, &failure),
    }
}
