//! Changing one's own password.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    app::exec::Web,
    web::{
        forms::Errors,
        page::{self, Chrome},
        session::Visit,
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "admin/password.html")]
struct PasswordPage {
    chrome: Chrome,
    errors: Errors,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn form(State(web): State<Web>, visit: Visit, Query(q): Query<Done>) -> Response {
    match page::staff(&web, &visit).await {
        Ok(staff) => PasswordPage {
            chrome: Chrome::staff("修改密码", &visit, &staff, "/admin/password")
                .with_banner(q.done.is_some().then(|| "密码已修改".to_owned())),
            errors: Errors::default(),
        }
        .into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    again: String,
}

pub async fn submit(State(web): State<Web>, visit: Visit, Form(f): Form<PasswordForm>) -> Response {
    let staff = match page::staff(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut errors = Errors::default();
    if f.current.is_empty() {
        errors.add("current", "请输入当前密码");
    }
    if f.new.is_empty() {
        errors.add("new", "请输入新密码");
    } else if f.new != f.again {
        errors.add("again", "两次输入的新密码不一致");
    }
    if errors.is_empty() {
        let vars = json!({ "currentPassword": f.current, "newPassword": f.new });
        match staff.runner.run::<serde_json::Value>("ChangePassword", vars).await {
            Ok(_) => return Redirect::to("/admin/password?done=1").into_response(),
            Err(failure) => match failure.code.as_str() {
                "UNAUTHENTICATED" => errors.add("current", "当前密码不正确"),
                "RATE_LIMITED" => errors.add("current", "尝试次数过多，请稍后再试"),
                _ => errors.refused(&failure, &[("newPassword", "new"), ("currentPassword", "current")], "new"),
            },
        }
    }
    PasswordPage { chrome: Chrome::staff("修改密码", &visit, &staff, "/admin/password").with_errors(true), errors }
        .into_response()
}
