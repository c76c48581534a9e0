//! Booking a customer who calls or walks in: one question a page (shop, service, day, time, therapist), then the
//! customer's details, a page to check the answers, and the booking, which is confirmed at once and paid at the
//! shop. The choices travel in the query string of GET forms (the back button works, no JavaScript is needed);
//! the customer's name and phone are posted, never put in an address.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::counter_steps::{Answers, Chosen, Step, resolve};
use crate::{
    app::exec::Web,
    infra::phone::PhoneNumber,
    web::{
        forms::{Errors, explain},
        page::{self, Chrome, Staff},
        session::Visit,
    },
};

pub const PATH: &str = "/admin/bookings/new";
const TAKEN: &str = "该时间已被预约，请选择其他时间";

/// One choice of a step.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/counter_step.html")]
struct StepPage {
    chrome: Chrome,
    errors: Errors,
    back: String,
    hidden: Vec<(&'static str, String)>,
    name: &'static str,
    heading: &'static str,
    error: Option<String>,
    options: Vec<Choice>,
    empty: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/counter_customer.html")]
struct CustomerPage {
    chrome: Chrome,
    errors: Errors,
    back: String,
    hidden: Vec<(&'static str, String)>,
    name: String,
    phone: String,
    channels: Vec<Choice>,
}

pub struct SummaryRow {
    key: &'static str,
    value: String,
    change: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/counter_check.html")]
struct CheckPage {
    chrome: Chrome,
    rows: Vec<SummaryRow>,
    hidden: Vec<(&'static str, String)>,
}

/// The customer's details as posted, with the choices before them.
#[derive(Deserialize, Default)]
pub struct Details {
    #[serde(flatten)]
    answers: Answers,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    edit: Option<String>,
}

impl Details {
    /// Every answer as hidden fields, for the next form.
    fn hidden(&self) -> Vec<(&'static str, String)> {
        let mut fields = self.answers.hidden(Step::Customer);
        fields.extend([("name", self.name.clone()), ("phone", self.phone.clone()), ("channel", self.channel.clone())]);
        fields
    }
}

/// The channels staff book by, in their words (none for anything else).
fn channel_label(channel: &str) -> &'static str {
    match channel {
        "PHONE" | "WALK_IN" => super::channel_label(channel),
        _ => "",
    }
}

fn step_page(
    visit: &Visit,
    staff: &Staff,
    chosen: &Chosen,
    answers: &Answers,
    step: Step,
    error: Option<String>,
) -> Response {
    if step == Step::Customer {
        let details = Details { answers: answers.clone(), ..Details::default() };
        return customer_page(visit, staff, &details, Errors::default());
    }
    let (heading, options, empty) = chosen.question(step, answers);
    let mut errors = Errors::default();
    if let Some(message) = &error {
        let target = if options.is_empty() { format!("{}-none", step.name()) } else { format!("{}-1", step.name()) };
        errors.add(&target, message.clone());
    }
    StepPage {
        chrome: Chrome::staff(heading, visit, staff, PATH).with_errors(error.is_some()),
        errors,
        back: answers.back(step),
        hidden: answers.hidden(step),
        name: step.name(),
        heading,
        error,
        options,
        empty,
    }
    .into_response()
}

fn customer_page(visit: &Visit, staff: &Staff, d: &Details, errors: Errors) -> Response {
    let channels = ["PHONE", "WALK_IN"]
        .into_iter()
        .map(|c| Choice {
            value: c.into(),
            label: channel_label(c).into(),
            hint: String::new(),
            checked: d.channel == c,
        })
        .collect();
    CustomerPage {
        chrome: Chrome::staff("顾客信息", visit, staff, PATH).with_errors(!errors.is_empty()),
        errors,
        back: d.answers.back(Step::Customer),
        hidden: d.answers.hidden(Step::Customer),
        name: d.name.clone(),
        phone: d.phone.clone(),
        channels,
    }
    .into_response()
}

/// A step of the booking: the first question not yet answered (again, with the reason, when the answer sent
/// was none or no longer valid).
pub async fn step(State(web): State<Web>, visit: Visit, Query(answers): Query<Answers>) -> Response {
    let staff = match page::staff(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match resolve(&staff, &answers).await {
        Ok((chosen, step, error)) => step_page(&visit, &staff, &chosen, &answers, step, error),
        Err(f) => page::failure_page(&web, &visit, &f),
    }
}

/// The customer's details checked, then the answers to check (or the details again to change them).
pub async fn check(State(web): State<Web>, visit: Visit, Form(d): Form<Details>) -> Response {
    let staff = match page::staff(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (chosen, step, error) = match resolve(&staff, &d.answers).await {
        Ok(r) => r,
        Err(f) => return page::failure_page(&web, &visit, &f),
    };
    if step != Step::Customer {
        return step_page(&visit, &staff, &chosen, &d.answers.before(step), step, error);
    }
    if d.edit.is_some() {
        return customer_page(&visit, &staff, &d, Errors::default());
    }
    let mut errors = Errors::default();
    let name = d.name.trim();
    if name.is_empty() {
        errors.add("name", "请输入顾客姓名");
    } else if name.chars().count() > 50 {
        errors.add("name", "姓名不能超过 50 个字");
    }
    let phone = PhoneNumber::parse(&d.phone).map(|p| p.as_str().to_owned());
    if phone.is_err() {
        errors.add("phone", "请输入 11 位手机号码");
    }
    if channel_label(&d.channel).is_empty() {
        errors.add("channel-1", "请选择预约方式");
    }
    if !errors.is_empty() {
        return customer_page(&visit, &staff, &d, errors);
    }
    let change = |step: Step| Some(d.answers.before(step).link());
    let mut rows = vec![];
    if chosen.shops.len() > 1 {
        rows.push(SummaryRow { key: "门店", value: chosen.shop_name(), change: change(Step::Shop) });
    }
    rows.extend([
        SummaryRow { key: "服务项目", value: chosen.service_words(), change: change(Step::Service) },
        SummaryRow { key: "日期", value: chosen.date_words(), change: change(Step::Date) },
        SummaryRow { key: "时间", value: chosen.time_words(), change: change(Step::Time) },
        SummaryRow { key: "技师", value: chosen.therapist_words(), change: change(Step::Therapist) },
        SummaryRow { key: "顾客姓名", value: name.to_owned(), change: None },
        SummaryRow { key: "手机号码", value: phone.unwrap_or_default(), change: None },
        SummaryRow { key: "预约方式", value: channel_label(&d.channel).to_owned(), change: None },
    ]);
    CheckPage { chrome: Chrome::staff("确认预约信息", &visit, &staff, PATH), rows, hidden: d.hidden() }.into_response()
}

#[derive(Deserialize)]
struct Booked {
    #[serde(rename = "createCounterBooking")]
    order: BookedOrder,
}

#[derive(Deserialize)]
struct BookedOrder {
    id: String,
}

/// Books, and shows the booking; a slot taken meanwhile asks for the time again, refused details ask for them.
pub async fn submit(State(web): State<Web>, visit: Visit, Form(d): Form<Details>) -> Response {
    let staff = match page::staff(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let a = &d.answers;
    // The answers are asked again from the first that no longer holds (a time booked by someone else since).
    let chosen = match resolve(&staff, a).await {
        Ok((chosen, Step::Customer, _)) => chosen,
        Ok((chosen, step, _)) => {
            let message = match step {
                Step::Time => TAKEN,
                Step::Therapist => "所选技师在这个时间已有预约，请重新选择",
                _ => "请重新选择",
            };
            return step_page(&visit, &staff, &chosen, &a.before(step), step, Some(message.into()));
        }
        Err(f) => return page::failure_page(&web, &visit, &f),
    };
    let shop = chosen.shop.as_ref().map(|s| s.id.clone());
    let therapist = a.therapist.as_deref().filter(|t| *t != "any");
    let input = json!({
        "shopId": shop, "serviceItemId": a.service, "therapistId": therapist, "start": a.time,
        "customerName": d.name, "customerPhone": d.phone, "channel": d.channel,
    });
    let failure = match staff.runner.run::<Booked>("CreateCounterBooking", json!({ "input": input })).await {
        Ok(b) => {
            return Redirect::to(&format!("/admin/orders/{}?done=booked", page::encode(&b.order.id))).into_response();
        }
        Err(f) => f,
    };
    let field = failure.field.as_deref().unwrap_or("");
    let time_again = match (failure.code.as_str(), failure.reason.as_deref()) {
        ("CONFLICT", Some("SLOT_TAKEN")) => Some(TAKEN),
        ("VALIDATION", _) if field == "input.start" => Some("该时间已不可预约，请选择其他时间"),
        _ => None,
    };
    if let Some(message) = time_again {
        let answers = a.before(Step::Time);
        return match resolve(&staff, &answers).await {
            Ok((chosen, _, _)) => step_page(&visit, &staff, &chosen, &answers, Step::Time, Some(message.into())),
            Err(f) => page::failure_page(&web, &visit, &f),
        };
    }
    if failure.code == "VALIDATION" && field.starts_with("input.customer") {
        let mut errors = Errors::default();
        errors.add(if field == "input.customerPhone" { "phone" } else { "name" }, explain(&failure));
        return customer_page(&visit, &staff, &d, errors);
    }
    page::failure_page(&web, &visit, &failure)
}
