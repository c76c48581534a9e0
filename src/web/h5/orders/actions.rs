//! What a consumer does to a booking: pay it, cancel it (the refund shown before confirming), review it.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{OrderPage, consumer, their_order, view::Order};
use crate::{
    app::exec::Web,
    web::{
        format,
        forms::{Errors, explain},
        h5::shopper::Shopper,
        page::{self, Chrome},
        session::Visit,
    },
};

/// The booking's page, after `done`.
fn to_order(shopper: &Shopper, id: &str, done: &str) -> Response {
    Redirect::to(&shopper.link(&format!("orders/{}?done={done}", page::encode(id)))).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "h5/orders/pay.html")]
struct PayPage {
    chrome: Chrome,
    errors: Errors,
    base: String,
    zone: Tz,
    o: Order,
    simulated: bool,
}

fn pay_form(web: &Web, shopper: &Shopper, visit: &Visit, o: Order, errors: Errors) -> Response {
    PayPage {
        chrome: shopper.chrome(format!("支付预约 - {}", o.service_name), visit).with_errors(!errors.is_empty()),
        errors,
        base: shopper.link(""),
        zone: shopper.tenant.time_zone,
        o,
        simulated: !web.state.config.is_production(),
    }
    .into_response()
}

/// The amount to pay and the button that pays it; a booking no longer waiting for payment shows its page.
pub async fn pay_page(State(web): State<Web>, Path((slug, id)): Path<(String, String)>, visit: Visit) -> Response {
    let shopper = match consumer(&web, &visit, &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match their_order(&web, &visit, &shopper, &id).await {
        Ok(o) if o.pending_payment() => pay_form(&web, &shopper, &visit, o, Errors::default()),
        Ok(o) => Redirect::to(&shopper.link(&format!("orders/{}", page::encode(&o.id)))).into_response(),
        Err(r) => r,
    }
}

/// Pays (in development the simulated provider settles at once), then the booking's page says so.
pub async fn pay(State(web): State<Web>, Path((slug, id)): Path<(String, String)>, visit: Visit) -> Response {
    let shopper = match consumer(&web, &visit, &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let o = match their_order(&web, &visit, &shopper, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let failure = match shopper.runner.run::<Value>("PayOrder", json!({ "id": o.id })).await {
        Ok(_) => return to_order(&shopper, &o.id, "paid"),
        Err(f) => f,
    };
    if !matches!(failure.code.as_str(), "CONFLICT" | "PAYMENT_FAILED" | "RATE_LIMITED") {
        return page::failure_page(&web, &visit, &failure);
    }
    // Read again: it may have expired meanwhile, or been paid in another window.
    let o = match their_order(&web, &visit, &shopper, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let mut errors = Errors::default();
    let message = match o.status.as_str() {
        "EXPIRED" => "这笔预约已超过支付时限，已自动取消。请重新预约。".to_owned(),
        "PENDING_PAYMENT" if failure.code == "PAYMENT_FAILED" => "支付没有成功，请重试".to_owned(),
        "PENDING_PAYMENT" => explain(&failure),
        _ => return to_order(&shopper, &o.id, "paid"),
    };
    errors.add("pay", message);
    pay_form(&web, &shopper, &visit, o, errors)
}

#[derive(Template, WebTemplate)]
#[template(path = "h5/orders/cancel.html")]
struct CancelPage {
    chrome: Chrome,
    errors: Errors,
    base: String,
    zone: Tz,
    o: Order,
    reason: String,
}

impl CancelPage {
    /// What cancelling now refunds, as the API worked it out for this consumer.
    fn refund(&self) -> String {
        format::money(self.o.refund_if_cancelled_fen.unwrap_or(0))
    }

    /// Less than all that is still unrefunded: the late-cancellation rule applies.
    fn partial(&self) -> bool {
        self.o.refund_if_cancelled_fen.unwrap_or(0) < self.o.paid_fen - self.o.refunded_fen
    }
}

fn cancel_form(shopper: &Shopper, visit: &Visit, o: Order, errors: Errors, reason: String) -> Response {
    CancelPage {
        chrome: shopper.chrome(format!("取消预约 - {}", o.service_name), visit).with_errors(!errors.is_empty()),
        errors,
        base: shopper.link(""),
        zone: shopper.tenant.time_zone,
        o,
        reason,
    }
    .into_response()
}

/// The booking to cancel and the refund cancelling it makes, before anything is done.
pub async fn cancel_page(State(web): State<Web>, Path((slug, id)): Path<(String, String)>, visit: Visit) -> Response {
    let shopper = match consumer(&web, &visit, &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match their_order(&web, &visit, &shopper, &id).await {
        Ok(o) => cancel_form(&shopper, &visit, o, Errors::default(), String::new()),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

pub async fn cancel(
    State(web): State<Web>,
    Path((slug, id)): Path<(String, String)>,
    visit: Visit,
    Form(form): Form<CancelForm>,
) -> Response {
    let shopper = match consumer(&web, &visit, &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let o = match their_order(&web, &visit, &shopper, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let reason = form.reason.trim();
    let vars = json!({ "id": o.id, "reason": if reason.is_empty() { None } else { Some(reason) } });
    let failure = match shopper.runner.run::<Value>("CancelOrder", vars).await {
        Ok(_) => return to_order(&shopper, &o.id, "cancelled"),
        Err(f) => f,
    };
    let mut errors = Errors::default();
    match (failure.code.as_str(), failure.reason.as_deref()) {
        ("VALIDATION", _) => errors.add("reason", explain(&failure)),
        ("CONFLICT", Some("APPOINTMENT_BEGUN")) => errors.add("cancel", "服务已经开始，不能在线取消。请致电门店。"),
        ("CONFLICT", _) => errors.add("cancel", explain(&failure)),
        _ => return page::failure_page(&web, &visit, &failure),
    }
    // What the page says now is what cancelling now would refund.
    let o = match their_order(&web, &visit, &shopper, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    cancel_form(&shopper, &visit, o, errors, form.reason)
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    text: String,
}

pub async fn review(
    State(web): State<Web>,
    Path((slug, id)): Path<(String, String)>,
    visit: Visit,
    Form(form): Form<ReviewForm>,
) -> Response {
    let shopper = match consumer(&web, &visit, &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let o = match their_order(&web, &visit, &shopper, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let mut errors = Errors::default();
    let rating = form.rating.parse::<i32>().ok().filter(|r| (1..=5).contains(r));
    if let Some(rating) = rating {
        let vars = json!({ "id": o.id, "rating": rating, "text": form.text.trim() });
        match shopper.runner.run::<Value>("ReviewOrder", vars).await {
            Ok(_) => return to_order(&shopper, &o.id, "reviewed"),
            Err(f) if f.code == "VALIDATION" && f.field.as_deref() == Some("text") => errors.add("text", explain(&f)),
            Err(f) if f.code == "VALIDATION" => errors.add("rating-5", explain(&f)),
            Err(f) if f.code == "CONFLICT" => errors.add("text", explain(&f)),
            Err(f) => return page::failure_page(&web, &visit, &f),
        }
    } else {
        errors.add("rating-5", "请选择评分");
    }
    let mut page = OrderPage::new(&shopper, &visit, o, errors, None);
    page.rating = form.rating;
    page.text = form.text;
    page.into_response()
}
