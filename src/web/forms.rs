//! Form errors, shown GOV.UK's way: a summary at the top that links to each field, and the message beside the
//! field it concerns.

use super::runner::Failure;

#[derive(Debug, Clone)]
pub struct FieldError {
    /// The id of the control the message is about.
    pub id: String,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, id: &str, message: impl Into<String>) {
        self.0.push(FieldError { id: id.to_owned(), message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message about the control `id`.
    pub fn of(&self, id: &str) -> Option<&str> {
        self.0.iter().find(|e| e.id == id).map(|e| e.message.as_str())
    }

    /// An API refusal, put beside the control that sent the refused value (`fields` maps input paths to
    /// control ids), else beside `fallback`.
    pub fn refused(&mut self, failure: &Failure, fields: &[(&str, &str)], fallback: &str) {
        let id = failure
            .field
            .as_deref()
            .and_then(|f| fields.iter().find(|(path, _)| f == *path || f.starts_with(&format!("{path}."))))
            .map_or(fallback, |(_, id)| id);
        self.add(id, explain(failure));
    }
}

/// What a refusal means to the person at the page, in their words.
pub fn explain(f: &Failure) -> String {
    match (f.code.as_str(), f.reason.as_deref()) {
        ("VALIDATION", Some("EMPTY")) => "请填写此项".into(),
        ("VALIDATION", Some("TOO_LONG")) => "内容太长".into(),
        ("VALIDATION", Some("WEAK_PASSWORD")) => {
            "密码太简单：至少 10 个字符，不要用常见密码、重复的字符或自己的名字".into()
        }
        ("VALIDATION", Some("CONTROL_CHARACTER" | "LINE_BREAK" | "BIDI_OVERRIDE" | "INVISIBLE_CHARACTER")) => {
            "包含不能使用的字符（如控制字符或换行），请删除后重试".into()
        }
        ("VALIDATION", _) => "填写的内容无效，请检查后重试".into(),
        ("RATE_LIMITED", _) => "尝试次数过多，请稍后再试".into(),
        ("CONFLICT", Some("NOT_STARTED")) => "还不能这样做：服务开始前一小时起才能完成，开始后才能标记未到店".into(),
        ("CONFLICT", Some("SLOT_TAKEN")) => "这个时间已被预约，请选择其他时间".into(),
        ("CONFLICT", Some("ORDER_STATUS" | "ORDER_CHANGED")) => "预约的状态已经变化，请刷新页面后再试".into(),
        ("CONFLICT", _) => "无法完成此操作，请刷新页面后再试".into(),
        ("FORBIDDEN", _) => "您没有权限进行此操作".into(),
        ("NOT_FOUND", _) => "找不到该记录".into(),
        ("UNAUTHENTICATED", _) => "登录已失效，请重新登录".into(),
        _ => "出现错误，请稍后再试".into(),
    }
}
