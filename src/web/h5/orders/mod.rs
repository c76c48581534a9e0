//! A consumer's bookings: the list (those ahead first), a booking's page (pay while it waits for payment,
//! cancel with the refund shown before confirming, review once completed).

mod actions;
mod view;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono_tz::Tz;
use serde::Deserialize;

use self::view::Order;
use super::shopper::{Shopper, shopper};
use crate::{
    app::exec::Web,
    web::{
        forms::Errors,
        page::{self, Chrome},
        session::Visit,
    },
};

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/h5/{tenant}/orders", get(list))
        .route("/h5/{tenant}/orders/{id}", get(order))
        .route("/h5/{tenant}/orders/{id}/pay", get(actions::pay_page).post(actions::pay))
        .route("/h5/{tenant}/orders/{id}/cancel", get(actions::cancel_page).post(actions::cancel))
        .route("/h5/{tenant}/orders/{id}/review", post(actions::review))
}

/// The signed-in consumer of a tenant's pages, or the answer that sends them to sign in first.
async fn consumer(web: &Web, visit: &Visit, slug: &str) -> Result<Shopper, Response> {
    let shopper = shopper(web, visit, slug).await?;
    shopper.require_consumer(web, visit)?;
    Ok(shopper)
}

/// The consumer's booking `id`, or the 404 page when it is not theirs.
async fn their_order(web: &Web, visit: &Visit, shopper: &Shopper, id: &str) -> Result<Order, Response> {
    match view::load(shopper, id).await {
        Ok(Some(o)) => Ok(o),
        Ok(None) => Err(page::error_status(web, visit, 404)),
        Err(f) => Err(page::failure_page(web, visit, &f)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "h5/orders/list.html")]
struct ListPage {
    chrome: Chrome,
    base: String,
    zone: Tz,
    ahead: Vec<Order>,
    past: Vec<Order>,
}

pub async fn list(State(web): State<Web>, Path(slug): Path<String>, visit: Visit) -> Response {
    let shopper = match consumer(&web, &visit, &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match view::mine(&shopper).await {
        Ok((ahead, past)) => ListPage {
            chrome: shopper.chrome("我的预约", &visit),
            base: shopper.link(""),
            zone: shopper.tenant.time_zone,
            ahead,
            past,
        }
        .into_response(),
        Err(f) => page::failure_page(&web, &visit, &f),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "h5/orders/order.html")]
pub(super) struct OrderPage {
    chrome: Chrome,
    errors: Errors,
    base: String,
    zone: Tz,
    o: Order,
    /// The review as typed, kept when it is refused.
    rating: String,
    text: String,
}

impl OrderPage {
    fn new(shopper: &Shopper, visit: &Visit, o: Order, errors: Errors, banner: Option<String>) -> OrderPage {
        OrderPage {
            chrome: shopper
                .chrome(format!("{} - 我的预约", o.service_name), visit)
                .with_errors(!errors.is_empty())
                .with_banner(banner),
            errors,
            base: shopper.link(""),
            zone: shopper.tenant.time_zone,
            o,
            rating: String::new(),
            text: String::new(),
        }
    }

    fn ratings(&self) -> Vec<(String, &'static str, bool)> {
        const WORDS: [&str; 5] = ["1 分：很不满意", "2 分：不满意", "3 分：一般", "4 分：满意", "5 分：非常满意"];
        (1..=5).rev().map(|n| (n.to_string(), WORDS[n - 1], self.rating == n.to_string())).collect()
    }
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// What a change just done says on the booking's page.
fn banner(done: Option<&str>, o: &Order) -> Option<String> {
    match done? {
        "paid" if o.paid_fen > 0 => Some(format!("支付成功，已支付 {}。预约已提交，门店确认后即可到店。", o.paid())),
        "paid" => Some("支付已提交，正在等待支付结果。".into()),
        "cancelled" if o.refunded_fen > 0 => Some(format!("预约已取消，{} 将原路退回。", o.refunded())),
        "cancelled" => Some("预约已取消。".into()),
        "reviewed" => Some("感谢您的评价。".into()),
        _ => None,
    }
}

pub async fn order(
    State(web): State<Web>,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<Done>,
    visit: Visit,
) -> Response {
    let shopper = match consumer(&web, &visit, &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match their_order(&web, &visit, &shopper, &id).await {
        Ok(o) => {
            let said = banner(q.done.as_deref(), &o);
            OrderPage::new(&shopper, &visit, o, Errors::default(), said).into_response()
        }
        Err(r) => r,
    }
}
