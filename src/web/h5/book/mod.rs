//! A consumer books a shop's service: one question a page (service, day, time, therapist), then a page to check
//! the answers, the booking, and its payment (in `orders`). The choices travel in the query string of GET forms
//! (the back button works, nothing is kept on the server, no JavaScript is needed); signing in is asked for when
//! the answers are to be checked.

mod steps;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form, Router,
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use serde_json::json;

use self::steps::{Answers, BookShop, Chosen, Group, Step, book_shop, resolve};
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
    Router::new().route("/h5/{tenant}/book/{shop}", get(step).post(submit))
}

const TAKEN: &str = "这个时间刚刚被别人预约了，请选择其他时间";

#[derive(Template, WebTemplate)]
#[template(path = "h5/book/step.html")]
struct StepPage {
    chrome: Chrome,
    errors: Errors,
    action: String,
    back: String,
    back_text: &'static str,
    /// What is being booked, above the question.
    caption: String,
    progress: String,
    hidden: Vec<(&'static str, String)>,
    name: &'static str,
    heading: &'static str,
    error: Option<&'static str>,
    groups: Vec<Group>,
    empty: &'static str,
    /// Where to choose again when there is nothing to choose (another day).
    empty_link: Option<(String, &'static str)>,
}

pub struct SummaryRow {
    key: &'static str,
    value: String,
    change: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "h5/book/check.html")]
struct CheckPage {
    chrome: Chrome,
    action: String,
    rows: Vec<SummaryRow>,
    hidden: Vec<(&'static str, String)>,
    payment_minutes: i64,
}

/// The address of the booking pages of `shop`.
fn book_path(shopper: &Shopper, shop: &str) -> String {
    shopper.link(&format!("book/{}", page::encode(shop)))
}

fn step_page(
    shopper: &Shopper,
    visit: &Visit,
    chosen: &Chosen,
    answers: &Answers,
    step: Step,
    error: Option<&'static str>,
) -> Response {
    let action = book_path(shopper, &chosen.shop.id);
    let (heading, groups, empty) = chosen.question(step, answers);
    let name = step.name();
    let mut errors = Errors::default();
    if let Some(message) = error {
        let target = if groups.is_empty() { format!("{name}-none") } else { format!("{name}-1") };
        errors.add(&target, message);
    }
    let (back, back_text) = match step {
        Step::Service => (shopper.link(&format!("shops/{}", page::encode(&chosen.shop.id))), "返回门店"),
        _ => {
            let previous = [Step::Service, Step::Date, Step::Time, Step::Therapist]
                .into_iter()
                .take_while(|s| *s != step)
                .last()
                .unwrap_or(Step::Service);
            (format!("{action}{}", answers.before(previous).query()), "返回上一步")
        }
    };
    let empty_link = (step == Step::Time && groups.is_empty())
        .then(|| (format!("{action}{}", answers.before(Step::Date).query()), "选择其他日期"));
    let number = match step {
        Step::Service => 1,
        Step::Date => 2,
        Step::Time => 3,
        _ => 4,
    };
    let caption = match step {
        Step::Service => chosen.shop.name.clone(),
        _ => format!("{} · {}", chosen.shop.name, chosen.service_words()),
    };
    StepPage {
        chrome: shopper.chrome(format!("{heading} - 预约{}", chosen.shop.name), visit).with_errors(error.is_some()),
        errors,
        action,
        back,
        back_text,
        caption,
        progress: format!("第 {number} 步，共 5 步"),
        hidden: answers.hidden(step),
        name,
        heading,
        error,
        groups,
        empty,
        empty_link,
    }
    .into_response()
}

fn check_page(shopper: &Shopper, visit: &Visit, chosen: &Chosen, answers: &Answers) -> Response {
    let action = book_path(shopper, &chosen.shop.id);
    let change = |step: Step| Some(format!("{action}{}", answers.before(step).query()));
    let rows = vec![
        SummaryRow { key: "门店", value: chosen.shop.name.clone(), change: None },
        SummaryRow { key: "服务项目", value: chosen.service_words(), change: change(Step::Service) },
        SummaryRow { key: "日期", value: chosen.date_words(), change: change(Step::Date) },
        SummaryRow { key: "时间", value: chosen.time_words(), change: change(Step::Time) },
        SummaryRow { key: "技师", value: chosen.therapist_words(), change: change(Step::Therapist) },
        SummaryRow { key: "价格", value: chosen.price(), change: None },
    ];
    CheckPage {
        chrome: shopper.chrome(format!("确认预约信息 - {}", chosen.shop.name), visit),
        action,
        rows,
        hidden: answers.hidden(Step::Check),
        payment_minutes: chosen.rules.payment_minutes,
    }
    .into_response()
}

/// The visitor and the shop of a booking page: the 404 page for a shop the tenant does not show.
async fn begin(web: &Web, visit: &Visit, slug: &str, shop: &str) -> Result<(Shopper, BookShop), Response> {
    let shopper = shopper(web, visit, slug).await?;
    match book_shop(&shopper, shop).await {
        Ok(Some(s)) => Ok((shopper, s)),
        Ok(None) => Err(page::error_status(web, visit, 404)),
        Err(f) => Err(page::failure_page(web, visit, &f)),
    }
}

/// A step of the booking: the first question not yet answered (again, with the reason, when the answer sent was
/// none or no longer valid); the answers to check once all are given, after signing in.
pub async fn step(
    State(web): State<Web>,
    Path((slug, shop)): Path<(String, String)>,
    visit: Visit,
    Query(answers): Query<Answers>,
) -> Response {
    let (shopper, shop) = match begin(&web, &visit, &slug, &shop).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (chosen, step, error) = match resolve(&shopper, shop, &answers).await {
        Ok(r) => r,
        Err(f) => return page::failure_page(&web, &visit, &f),
    };
    if step != Step::Check {
        return step_page(&shopper, &visit, &chosen, &answers, step, error);
    }
    if let Err(to_sign_in) = shopper.require_consumer(&web, &visit) {
        return to_sign_in;
    }
    check_page(&shopper, &visit, &chosen, &answers)
}

#[derive(Deserialize)]
struct Booked {
    #[serde(rename = "createBooking")]
    order: BookedOrder,
}

#[derive(Deserialize)]
struct BookedOrder {
    id: String,
}

/// Books, and goes on to pay; a time taken meanwhile asks for the time again.
pub async fn submit(
    State(web): State<Web>,
    Path((slug, shop)): Path<(String, String)>,
    visit: Visit,
    Form(answers): Form<Answers>,
) -> Response {
    let (shopper, shop) = match begin(&web, &visit, &slug, &shop).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !shopper.signed_in {
        // The session ended while the answers were checked: sign in, and check them again.
        let mut check = visit;
        check.path = format!("{}{}", book_path(&shopper, &shop.id), answers.query());
        return shopper.require_consumer(&web, &check).err().unwrap_or_else(|| page::error_status(&web, &check, 403));
    }
    let chosen = match resolve(&shopper, shop, &answers).await {
        Ok((chosen, Step::Check, _)) => chosen,
        Ok((chosen, step, _)) => {
            let message = match step {
                Step::Time => TAKEN,
                Step::Therapist => "您选择的技师在这个时间已有预约，请重新选择",
                _ => "请重新选择",
            };
            return step_page(&shopper, &visit, &chosen, &answers.before(step), step, Some(message));
        }
        Err(f) => return page::failure_page(&web, &visit, &f),
    };
    let therapist = answers.therapist.as_deref().filter(|t| *t != "any");
    let input = json!({
        "shopId": chosen.shop.id, "serviceItemId": answers.service, "therapistId": therapist, "start": answers.time,
    });
    let failure = match shopper.runner.run::<Booked>("CreateBooking", json!({ "input": input })).await {
        Ok(b) => {
            return Redirect::to(&shopper.link(&format!("orders/{}/pay", page::encode(&b.order.id)))).into_response();
        }
        Err(f) => f,
    };
    let taken = matches!((failure.code.as_str(), failure.reason.as_deref()), ("CONFLICT", Some("SLOT_TAKEN")))
        || (failure.code == "VALIDATION" && failure.field.as_deref() == Some("input.start"));
    if !taken {
        return page::failure_page(&web, &visit, &failure);
    }
    let again = answers.before(Step::Time);
    let shop = chosen.shop.clone();
    match resolve(&shopper, shop, &again).await {
        Ok((chosen, _, _)) => step_page(&shopper, &visit, &chosen, &again, Step::Time, Some(TAKEN)),
        Err(f) => page::failure_page(&web, &visit, &f),
    }
}
