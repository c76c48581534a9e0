//! The questions of a consumer's booking, in order, and what the answers so far choose: the first question not
//! yet (or no longer validly) answered is the one to ask.

use chrono::{Datelike, Days, NaiveDate, Timelike};
use serde::Deserialize;
use serde_json::json;

use crate::{
    booking::rules::BookingRules,
    web::{format, h5::shopper::Shopper, runner::Failure},
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Step {
    Service,
    Date,
    Time,
    Therapist,
    Check,
}

const STEPS: [Step; 5] = [Step::Service, Step::Date, Step::Time, Step::Therapist, Step::Check];

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Service => "service",
            Step::Date => "date",
            Step::Time => "time",
            Step::Therapist => "therapist",
            Step::Check => "check",
        }
    }

    fn order(self) -> usize {
        STEPS.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// The answers so far, as the query string (or the hidden fields of the last form) carry them.
#[derive(Deserialize, Default, Clone)]
pub struct Answers {
    pub service: Option<String>,
    pub date: Option<String>,
    pub time: Option<String>,
    pub therapist: Option<String>,
    /// The step whose form was sent: sent without an answer, it is asked again with the reason.
    pub step: Option<String>,
}

impl Answers {
    fn fields(&self) -> [(Step, Option<&String>); 4] {
        [
            (Step::Service, self.service.as_ref()),
            (Step::Date, self.date.as_ref()),
            (Step::Time, self.time.as_ref()),
            (Step::Therapist, self.therapist.as_ref()),
        ]
    }

    /// The answers given before `step`, as hidden fields of its form.
    pub fn hidden(&self, step: Step) -> Vec<(&'static str, String)> {
        self.fields()
            .into_iter()
            .filter(|(s, _)| s.order() < step.order())
            .filter_map(|(s, v)| Some((s.name(), v?.clone())))
            .collect()
    }

    /// Only the answers before `step`.
    pub fn before(&self, step: Step) -> Answers {
        let keep = |s: Step, v: &Option<String>| if s.order() < step.order() { v.clone() } else { None };
        Answers {
            service: keep(Step::Service, &self.service),
            date: keep(Step::Date, &self.date),
            time: keep(Step::Time, &self.time),
            therapist: keep(Step::Therapist, &self.therapist),
            step: None,
        }
    }

    /// The query that asks the first question these answers leave open (`?…`, or nothing).
    pub fn query(&self) -> String {
        let fields = self.hidden(Step::Check);
        if fields.is_empty() {
            String::new()
        } else {
            format!("?{}", serde_urlencoded::to_string(&fields).unwrap_or_default())
        }
    }

    fn sent(&self, step: Step) -> bool {
        self.step.as_deref() == Some(step.name())
    }
}

#[derive(Deserialize, Clone)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub id: String,
    pub name: String,
    pub duration_minutes: i64,
    pub price_fen: i64,
    pub active: bool,
    pub therapists: Vec<Named>,
}

#[derive(Deserialize, Clone)]
pub struct BookShop {
    pub id: String,
    pub name: String,
    pub services: Vec<Service>,
}

#[derive(Deserialize, Clone)]
pub struct Slot {
    pub start: String,
    pub end: String,
}

/// One choice of a step: its control's id, value, label and hint.
pub struct Choice {
    pub id: String,
    pub value: String,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

/// Choices under a heading of their own (the times of a part of the day), or under none.
pub struct Group {
    pub legend: Option<&'static str>,
    pub choices: Vec<Choice>,
}

/// What the answers choose, and what each open question offers.
pub struct Chosen {
    pub zone: chrono_tz::Tz,
    pub today: NaiveDate,
    pub rules: BookingRules,
    pub shop: BookShop,
    pub service: Option<Service>,
    pub date: Option<NaiveDate>,
    pub slots: Vec<Slot>,
    pub time: Option<Slot>,
    /// Who is free at the chosen time.
    pub free: Vec<Named>,
    /// `Some(None)`: whoever is free.
    pub therapist: Option<Option<Named>>,
}

/// The shop's bookable services; `None` when the tenant has no such shop (or it is not published).
pub async fn book_shop(shopper: &Shopper, id: &str) -> Result<Option<BookShop>, Failure> {
    #[derive(Deserialize)]
    struct Answer {
        shop: Option<BookShop>,
    }
    match shopper.runner.run::<Answer>("H5BookShop", json!({ "id": id })).await {
        Ok(a) => Ok(a.shop),
        Err(f) if f.code == "NOT_FOUND" || f.code == "VALIDATION" => Ok(None),
        Err(f) => Err(f),
    }
}

async fn slots(
    shopper: &Shopper,
    shop: &str,
    service: &str,
    therapist: Option<&str>,
    date: NaiveDate,
) -> Result<Vec<Slot>, Failure> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        available_slots: Vec<Slot>,
    }
    let vars = json!({ "shopId": shop, "serviceItemId": service, "therapistId": therapist, "date": date.to_string() });
    let mut found = shopper.runner.run::<Answer>("AvailableSlots", vars).await?.available_slots;
    found.dedup_by(|a, b| a.start == b.start);
    Ok(found)
}

/// Follows the answers in order: the choices they make, the first question to ask, and why it is asked again
/// (an answer sent empty or no longer valid).
pub async fn resolve(
    shopper: &Shopper,
    shop: BookShop,
    a: &Answers,
) -> Result<(Chosen, Step, Option<&'static str>), Failure> {
    let zone = shopper.tenant.time_zone;
    let today = shopper.runner.web.state.now().with_timezone(&zone).date_naive();
    let mut c = Chosen {
        zone,
        today,
        rules: BookingRules::for_tenant(&shopper.tenant),
        shop,
        service: None,
        date: None,
        slots: vec![],
        time: None,
        free: vec![],
        therapist: None,
    };
    let again = |step: Step, given: &Option<String>, message: &'static str| {
        (given.is_some() || a.sent(step)).then_some(message)
    };
    match c.shop.services.iter().find(|s| s.active && Some(&s.id) == a.service.as_ref()) {
        Some(s) => c.service = Some(s.clone()),
        None => return Ok((c, Step::Service, again(Step::Service, &a.service, "请选择服务项目"))),
    }
    let service = c.service.clone().unwrap_or_else(|| unreachable!());
    let date = a.date.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    match date.filter(|d| c.days().contains(d)) {
        Some(d) => c.date = Some(d),
        None => return Ok((c, Step::Date, again(Step::Date, &a.date, "请选择日期"))),
    }
    let date = c.date.unwrap_or(today);
    c.slots = slots(shopper, &c.shop.id, &service.id, None, date).await?;
    match c.slots.iter().find(|s| Some(&s.start) == a.time.as_ref()) {
        Some(s) => c.time = Some(s.clone()),
        None => return Ok((c, Step::Time, again(Step::Time, &a.time, "请选择时间"))),
    }
    let start = a.time.clone().unwrap_or_default();
    for t in &service.therapists {
        if slots(shopper, &c.shop.id, &service.id, Some(&t.id), date).await?.iter().any(|s| s.start == start) {
            c.free.push(t.clone());
        }
    }
    match a.therapist.as_deref() {
        Some("any") => c.therapist = Some(None),
        Some(id) if c.free.iter().any(|t| t.id == id) => {
            c.therapist = Some(c.free.iter().find(|t| t.id == id).cloned());
        }
        _ => return Ok((c, Step::Therapist, again(Step::Therapist, &a.therapist, "请选择技师"))),
    }
    Ok((c, Step::Check, None))
}

const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

/// `12月8日 周二`.
fn day_words(d: NaiveDate) -> String {
    format!("{}月{}日 {}", d.month(), d.day(), WEEKDAYS[d.weekday().num_days_from_monday() as usize])
}

/// The part of the day a start falls in.
fn part_of_day(hour: u32) -> &'static str {
    match hour {
        0..12 => "上午",
        12..18 => "下午",
        _ => "晚上",
    }
}

impl Chosen {
    /// The bookable days: today up to the tenant's horizon.
    fn days(&self) -> Vec<NaiveDate> {
        (0..=self.rules.horizon_days.max(0) as u64).filter_map(|n| self.today.checked_add_days(Days::new(n))).collect()
    }

    fn slot_words(&self, s: &Slot) -> String {
        format!("{}–{}", format::clock(&s.start, self.zone), format::clock(&s.end, self.zone))
    }

    pub fn service_words(&self) -> String {
        self.service.as_ref().map(|s| s.name.clone()).unwrap_or_default()
    }

    pub fn price(&self) -> String {
        self.service.as_ref().map(|s| format::money(s.price_fen)).unwrap_or_default()
    }

    /// `今天（12月6日 周日）`, `12月8日 周二`.
    pub fn date_words(&self) -> String {
        let Some(d) = self.date else { return String::new() };
        match (d - self.today).num_days() {
            0 => format!("今天（{}）", day_words(d)),
            1 => format!("明天（{}）", day_words(d)),
            _ => day_words(d),
        }
    }

    pub fn time_words(&self) -> String {
        self.time.as_ref().map(|s| self.slot_words(s)).unwrap_or_default()
    }

    pub fn therapist_words(&self) -> String {
        match &self.therapist {
            Some(Some(t)) => t.name.clone(),
            _ => "任意技师".into(),
        }
    }

    /// A step's question: its heading, its choices in groups (the answer given checked), and what to say when
    /// there are none.
    pub fn question(&self, step: Step, a: &Answers) -> (&'static str, Vec<Group>, &'static str) {
        let name = step.name();
        let mut n = 0;
        let mut choice = |value: &str, label: String, hint: String, given: &Option<String>| {
            n += 1;
            Choice {
                id: format!("{name}-{n}"),
                checked: given.as_deref() == Some(value),
                value: value.to_owned(),
                label,
                hint,
            }
        };
        let one =
            |choices: Vec<Choice>| if choices.is_empty() { vec![] } else { vec![Group { legend: None, choices }] };
        match step {
            Step::Service => {
                let services = self.shop.services.iter().filter(|s| s.active);
                let choices = services
                    .map(|s| {
                        let hint = format!("{} 分钟，{}", s.duration_minutes, format::money(s.price_fen));
                        choice(&s.id, s.name.clone(), hint, &a.service)
                    })
                    .collect();
                ("选择服务项目", one(choices), "这家门店还没有可以预约的服务项目。")
            }
            Step::Date => {
                let choices = self
                    .days()
                    .into_iter()
                    .map(|d| {
                        let (label, hint) = match (d - self.today).num_days() {
                            0 => ("今天".to_owned(), day_words(d)),
                            1 => ("明天".to_owned(), day_words(d)),
                            _ => (day_words(d), String::new()),
                        };
                        choice(&d.to_string(), label, hint, &a.date)
                    })
                    .collect();
                ("选择日期", one(choices), "")
            }
            Step::Time => {
                let mut groups: Vec<Group> = vec![];
                for s in &self.slots {
                    let hour = format::instant(&s.start, self.zone).map_or(0, |t| t.hour());
                    let c = choice(&s.start, self.slot_words(s), String::new(), &a.time);
                    match groups.last_mut() {
                        Some(g) if g.legend == Some(part_of_day(hour)) => g.choices.push(c),
                        _ => groups.push(Group { legend: Some(part_of_day(hour)), choices: vec![c] }),
                    }
                }
                ("选择时间", groups, "这一天没有空闲的时间。")
            }
            Step::Therapist | Step::Check => {
                let mut choices =
                    vec![choice("any", "任意技师".into(), "由这个时间空闲的技师为您服务".into(), &a.therapist)];
                choices.extend(self.free.iter().map(|t| choice(&t.id, t.name.clone(), String::new(), &a.therapist)));
                ("选择技师", one(choices), "")
            }
        }
    }
}
