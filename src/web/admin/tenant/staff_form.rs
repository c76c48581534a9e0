//! The form of a staff account (new or changed): fields read from the posted pairs (the shops are repeated
//! checkboxes), checked before the API is asked, and the choices the form offers.

use serde::Deserialize;

use super::ROLES;
use crate::web::{admin::answers::Named, forms::Errors, runner::Failure};

/// What the staff form holds, as posted.
#[derive(Default, Clone)]
pub struct StaffFields {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: String,
    pub shop_ids: Vec<String>,
    /// `yes` or `no`, on the change form.
    pub active: String,
}

impl StaffFields {
    pub fn from_pairs(pairs: &[(String, String)]) -> StaffFields {
        let one =
            |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
        StaffFields {
            username: one("username"),
            display_name: one("display_name"),
            password: pairs.iter().find(|(k, _)| k == "password").map(|(_, v)| v.clone()).unwrap_or_default(),
            role: one("role"),
            shop_ids: pairs.iter().filter(|(k, _)| k == "shops").map(|(_, v)| v.clone()).collect(),
            active: one("active"),
        }
    }

    /// Whether the role works for shops (and so needs at least one).
    pub fn needs_shops(&self) -> bool {
        matches!(self.role.as_str(), "SHOP_MANAGER" | "SHOP_STAFF")
    }

    /// What the form can tell before asking the API. `new` checks the fields only a new account has.
    pub fn check(&self, new: bool) -> Errors {
        let mut errors = Errors::default();
        if new && self.username.is_empty() {
            errors.add("username", "请输入用户名");
        }
        if self.display_name.is_empty() {
            errors.add("display_name", "请输入姓名");
        }
        if new && self.password.is_empty() {
            errors.add("password", "请输入初始密码");
        }
        if !ROLES.iter().any(|(r, _)| *r == self.role) {
            errors.add("role-1", "请选择角色");
        } else if self.needs_shops() && self.shop_ids.is_empty() {
            errors.add("shops-1", "店长和店员至少要选择一家门店");
        }
        if !new && !matches!(self.active.as_str(), "yes" | "no") {
            errors.add("active-1", "请选择账号是否可以登录");
        }
        errors
    }

    /// An API refusal, beside the field it is about.
    pub fn refused(errors: &mut Errors, failure: &Failure) {
        if failure.code == "CONFLICT" {
            errors.add("username", "这个用户名已被使用，请换一个");
            return;
        }
        if failure.reason.as_deref() == Some("UNKNOWN_SHOP") {
            errors.add("shops-1", "所选门店不存在，请刷新页面后重新选择");
            return;
        }
        errors.refused(
            failure,
            &[
                ("input.username", "username"),
                ("input.password", "password"),
                ("input.displayName", "display_name"),
                ("input.role", "role-1"),
                ("input.shopIds", "shops-1"),
            ],
            "display_name",
        );
    }
}

/// A choice of the form (a role radio, a shop checkbox).
pub struct Choice {
    pub value: String,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

pub fn role_choices(chosen: &str) -> Vec<Choice> {
    ROLES
        .iter()
        .map(|(role, hint)| Choice {
            value: (*role).to_owned(),
            label: super::role_label(role).to_owned(),
            hint: (*hint).to_owned(),
            checked: *role == chosen,
        })
        .collect()
}

pub fn active_choices(chosen: &str) -> Vec<Choice> {
    [("yes", "可以登录", ""), ("no", "停用", "不能再登录，已登录的会话立即结束")]
        .into_iter()
        .map(|(value, label, hint)| Choice {
            value: value.to_owned(),
            label: label.to_owned(),
            hint: hint.to_owned(),
            checked: value == chosen,
        })
        .collect()
}

pub fn shop_choices(shops: &[Named], chosen: &[String]) -> Vec<Choice> {
    shops
        .iter()
        .map(|s| Choice {
            value: s.id.clone(),
            label: s.name.clone(),
            hint: String::new(),
            checked: chosen.contains(&s.id),
        })
        .collect()
}

/// A staff account as the API answers it.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct StaffRow {
    pub id: String,
    #[serde(default)]
    pub username: String,
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub shop_ids: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}
