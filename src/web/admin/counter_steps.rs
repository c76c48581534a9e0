//! The questions of a counter booking, in order, and what the answers so far choose: the first question not
//! yet (or no longer validly) answered is the one to ask.

use chrono::{Days, NaiveDate};
use serde::Deserialize;
use serde_json::json;

use super::{
    answers::{self, Named},
    counter::{Choice, PATH},
};
use crate::{
    kernel::StaffRole,
    web::{format, page::Staff, runner::Failure},
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Step {
    Shop,
    Service,
    Date,
    Time,
    Therapist,
    Customer,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Shop => "shop",
            Step::Service => "service",
            Step::Date => "date",
            Step::Time => "time",
            Step::Therapist => "therapist",
            Step::Customer => "customer",
        }
    }
}

const STEPS: [Step; 6] = [Step::Shop, Step::Service, Step::Date, Step::Time, Step::Therapist, Step::Customer];

/// The answers so far, as the query string (or hidden fields) carry them.
#[derive(Deserialize, Default, Clone)]
pub struct Answers {
    pub shop: Option<String>,
    pub service: Option<String>,
    pub date: Option<String>,
    pub time: Option<String>,
    pub therapist: Option<String>,
    /// The step whose form was sent: sent without an answer, it is asked again with the reason.
    pub step: Option<String>,
}

impl Answers {
    fn fields(&self) -> [(Step, Option<&String>); 5] {
        [
            (Step::Shop, self.shop.as_ref()),
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
            .take_while(|(s, _)| *s != step)
            .filter_map(|(s, v)| Some((s.name(), v?.clone())))
            .collect()
    }

    /// Only the answers before `step`.
    pub fn before(&self, step: Step) -> Answers {
        let order = |s: Step| STEPS.iter().position(|x| *x == s).unwrap_or(0);
        let keep = |s: Step, v: &Option<String>| if order(s) < order(step) { v.clone() } else { None };
        Answers {
            shop: keep(Step::Shop, &self.shop),
            service: keep(Step::Service, &self.service),
            date: keep(Step::Date, &self.date),
            time: keep(Step::Time, &self.time),
            therapist: keep(Step::Therapist, &self.therapist),
            step: None,
        }
    }

    /// The page that asks the first question these answers leave open.
    pub fn link(&self) -> String {
        let fields = self.hidden(Step::Customer);
        if fields.is_empty() {
            return PATH.to_owned();
        }
        format!("{PATH}?{}", serde_urlencoded::to_string(&fields).unwrap_or_default())
    }

    /// The page before `step`'s: the previous question, or today's bookings before the first one asked.
    pub fn back(&self, step: Step) -> String {
        match STEPS.iter().position(|x| *x == step).and_then(|i| i.checked_sub(1)).map(|i| STEPS[i]) {
            Some(Step::Shop) if self.shop.is_none() => "/admin/".to_owned(),
            Some(prev) => self.before(prev).link(),
            None => "/admin/".to_owned(),
        }
    }

    fn sent(&self, step: Step) -> bool {
        self.step.as_deref() == Some(step.name())
    }
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

#[derive(Deserialize)]
struct CounterShop {
    shop: Option<ShopServices>,
}

#[derive(Deserialize, Clone)]
pub struct ShopServices {
    pub id: String,
    pub name: String,
    pub services: Vec<Service>,
}

#[derive(Deserialize, Clone)]
pub struct Slot {
    pub start: String,
    pub end: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Slots {
    available_slots: Vec<Slot>,
}

/// What the answers choose, and what each open question offers.
pub struct Chosen {
    pub zone: chrono_tz::Tz,
    pub today: NaiveDate,
    pub shops: Vec<Named>,
    pub shop: Option<ShopServices>,
    pub service: Option<Service>,
    pub date: Option<NaiveDate>,
    pub slots: Vec<Slot>,
    pub time: Option<Slot>,
    /// Who is free at the chosen time.
    pub free: Vec<Named>,
    /// `Some(None)`: whoever is free.
    pub therapist: Option<Option<Named>>,
}

/// The shops the staff member books for: their own, or every shop for a tenant administrator.
async fn shops(staff: &Staff) -> Result<Vec<Named>, Failure> {
    if staff.role == StaffRole::TenantAdmin {
        return answers::tenant_shops(staff).await;
    }
    let mut named = vec![];
    for id in &staff.shop_ids {
        if let Some(s) = counter_shop(staff, &id.to_string()).await? {
            named.push(Named { id: s.id, name: s.name });
        }
    }
    Ok(named)
}

async fn counter_shop(staff: &Staff, id: &str) -> Result<Option<ShopServices>, Failure> {
    match staff.runner.run::<CounterShop>("CounterShop", json!({ "id": id })).await {
        Ok(s) => Ok(s.shop),
        Err(f) if f.code == "NOT_FOUND" || f.code == "VALIDATION" => Ok(None),
        Err(f) => Err(f),
    }
}

async fn slots(
    staff: &Staff,
    shop: &str,
    service: &str,
    therapist: Option<&str>,
    date: NaiveDate,
) -> Result<Vec<Slot>, Failure> {
    let vars = json!({ "shopId": shop, "serviceItemId": service, "therapistId": therapist, "date": date.to_string() });
    let mut found: Vec<Slot> = staff.runner.run::<Slots>("AvailableSlots", vars).await?.available_slots;
    found.dedup_by(|a, b| a.start == b.start);
    Ok(found)
}

/// Follows the answers in order: the choices they make, the first question to ask, and why it is asked again
/// (an answer sent empty or no longer valid).
pub async fn resolve(staff: &Staff, a: &Answers) -> Result<(Chosen, Step, Option<String>), Failure> {
    let today = staff.runner.web.state.now().with_timezone(&staff.zone).date_naive();
    let mut c = Chosen {
        zone: staff.zone,
        today,
        shops: shops(staff).await?,
        shop: None,
        service: None,
        date: None,
        slots: vec![],
        time: None,
        free: vec![],
        therapist: None,
    };
    let again = |step: Step, given: &Option<String>, message: &str| {
        (given.is_some() || a.sent(step)).then(|| message.to_owned())
    };
    let shop_id = match (&a.shop, c.shops.as_slice()) {
        (Some(id), shops) if shops.iter().any(|s| &s.id == id) => id.clone(),
        (None, [only]) => only.id.clone(),
        _ => return Ok((c, Step::Shop, again(Step::Shop, &a.shop, "请选择门店"))),
    };
    c.shop = counter_shop(staff, &shop_id).await?;
    let Some(shop) = c.shop.clone() else { return Ok((c, Step::Shop, Some("请选择门店".into()))) };
    match shop.services.iter().find(|s| s.active && Some(&s.id) == a.service.as_ref()) {
        Some(s) => c.service = Some(s.clone()),
        None => return Ok((c, Step::Service, again(Step::Service, &a.service, "请选择服务项目"))),
    }
    let service = c.service.clone().unwrap_or_else(|| unreachable!());
    let date = a.date.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    match date.filter(|d| *d >= today && (*d - today).num_days() < 7) {
        Some(d) => c.date = Some(d),
        None => return Ok((c, Step::Date, again(Step::Date, &a.date, "请选择日期"))),
    }
    let date = c.date.unwrap_or(today);
    c.slots = slots(staff, &shop.id, &service.id, None, date).await?;
    match c.slots.iter().find(|s| Some(&s.start) == a.time.as_ref()) {
        Some(s) => c.time = Some(s.clone()),
        None => return Ok((c, Step::Time, again(Step::Time, &a.time, "请选择时间"))),
    }
    let start = a.time.clone().unwrap_or_default();
    for t in &service.therapists {
        if slots(staff, &shop.id, &service.id, Some(&t.id), date).await?.iter().any(|s| s.start == start) {
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
    Ok((c, Step::Customer, None))
}

/// `12月7日 周一`, with `（今天）` or `（明天）`.
fn day_words(d: NaiveDate, today: NaiveDate) -> String {
    const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    use chrono::Datelike;
    let weekday = WEEKDAYS[d.weekday().num_days_from_monday() as usize];
    let near = match (d - today).num_days() {
        0 => "（今天）",
        1 => "（明天）",
        _ => "",
    };
    format!("{}{near}", d.format(&format!("%-m月%-d日 {weekday}")))
}

impl Chosen {
    fn slot_words(&self, s: &Slot) -> String {
        format!("{}–{}", format::clock(&s.start, self.zone), format::clock(&s.end, self.zone))
    }

    pub fn shop_name(&self) -> String {
        self.shop.as_ref().map(|s| s.name.clone()).unwrap_or_default()
    }

    pub fn service_words(&self) -> String {
        self.service.as_ref().map(|s| s.name.clone()).unwrap_or_default()
    }

    pub fn date_words(&self) -> String {
        self.date.map(|d| day_words(d, self.today)).unwrap_or_default()
    }

    pub fn time_words(&self) -> String {
        self.time.as_ref().map(|s| self.slot_words(s)).unwrap_or_default()
    }

    pub fn therapist_words(&self) -> String {
        match &self.therapist {
            Some(Some(t)) => t.name.clone(),
            _ => "不指定".into(),
        }
    }

    /// A step's question: its heading, its choices (the answer given checked), and what to say when there are none.
    pub fn question(&self, step: Step, a: &Answers) -> (&'static str, Vec<Choice>, String) {
        let choice = |value: &str, label: String, hint: String, given: &Option<String>| Choice {
            checked: given.as_deref() == Some(value),
            value: value.to_owned(),
            label,
            hint,
        };
        match step {
            Step::Shop => {
                let options =
                    self.shops.iter().map(|s| choice(&s.id, s.name.clone(), String::new(), &a.shop)).collect();
                ("选择门店", options, "您还没有负责的门店。请联系机构管理员。".into())
            }
            Step::Service => {
                let services = self.shop.iter().flat_map(|s| s.services.iter()).filter(|s| s.active);
                let options = services
                    .map(|s| {
                        let hint = format!("{} 分钟，{}", s.duration_minutes, format::money(s.price_fen));
                        choice(&s.id, s.name.clone(), hint, &a.service)
                    })
                    .collect();
                ("选择服务项目", options, "这家门店还没有可预约的服务项目。".into())
            }
            Step::Date => {
                let options = (0..7)
                    .filter_map(|n| self.today.checked_add_days(Days::new(n)))
                    .map(|d| choice(&d.to_string(), day_words(d, self.today), String::new(), &a.date))
                    .collect();
                ("选择日期", options, String::new())
            }
            Step::Time => {
                let options =
                    self.slots.iter().map(|s| choice(&s.start, self.slot_words(s), String::new(), &a.time)).collect();
                ("选择时间", options, "这一天没有空闲的时间。请返回选择其他日期。".into())
            }
            Step::Therapist | Step::Customer => {
                let mut options = vec![choice("any", "不指定".into(), "由空闲的技师服务".into(), &a.therapist)];
                options.extend(self.free.iter().map(|t| choice(&t.id, t.name.clone(), String::new(), &a.therapist)));
                ("选择技师", options, String::new())
            }
        }
    }
}
