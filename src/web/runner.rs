//! Runs a registered operation in process, as the page's caller: the same schema, hooks, limits and audit as a
//! request to `/graphql`. A page names its operations by name; a name that is not registered is refused, so a
//! page cannot send a document the API would not take from a client.

use std::net::IpAddr;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{
    app::{
        exec::{self, Web},
        hooks,
    },
    graphql::{context::RequestCtx, nul},
    kernel::Principal,
};

/// One refusal of an operation, as the API answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: String,
    pub message: String,
    pub reason: Option<String>,
    /// The input path of the refused value (`input.name`), when the API named one.
    pub field: Option<String>,
}

impl Failure {
    fn internal(message: impl Into<String>) -> Failure {
        Failure { code: "INTERNAL".into(), message: message.into(), reason: None, field: None }
    }
}

/// The caller of a page: who, under which request id, from where.
#[derive(Clone)]
pub struct Runner {
    pub web: Web,
    pub who: Principal,
    pub request_id: String,
    pub ip: IpAddr,
}

impl Runner {
    /// Runs the registered operation `name` and reads its data as `T`.
    pub async fn run<T: DeserializeOwned>(&self, name: &str, variables: Value) -> Result<T, Failure> {
        let data = self.run_value(name, variables).await?;
        serde_json::from_value(data).map_err(|e| Failure::internal(format!("{name}: unexpected answer: {e}")))
    }

    async fn run_value(&self, name: &str, variables: Value) -> Result<Value, Failure> {
        let Some((text, plan)) = self.web.plans.registered(name) else {
            return Err(Failure::internal(format!("{name} is not a registered operation")));
        };
        if let Some(tenant) = self.who.tenant()
            && plan.features.iter().any(|f| !tenant.has_feature(f))
        {
            return Err(Failure {
                code: "FORBIDDEN".into(),
                reason: Some("FEATURE_OFF".into()),
                ..Failure::internal("")
            });
        }
        // What a client's request would be refused for before it runs (a NUL in a form field), refused alike.
        let body =
            serde_json::to_vec(&serde_json::json!({ "query": text, "variables": &variables })).unwrap_or_default();
        if let Err(err) = nul::check(&body, text, Some(name)) {
            hooks::audit_unrun(&self.web.state, &self.who, &self.request_id, text, &body, &err).await;
            return Err(Failure {
                code: err.code().into(),
                message: err.to_string(),
                reason: err.reason().map(str::to_owned),
                field: err.field().map(str::to_owned),
            });
        }
        let ctx = RequestCtx::new(self.who.clone(), self.request_id.clone(), self.ip, None);
        let request = async_graphql::Request::new("")
            .operation_name(name)
            .variables(async_graphql::Variables::from_json(variables));
        let response = exec::execute(&self.web, ctx, request, &plan).await;
        if let Some(first) = response.errors.first() {
            let ext = first.extensions.as_ref();
            let text = |key: &str| {
                ext.and_then(|e| e.get(key)).and_then(|v| match v {
                    async_graphql::Value::String(s) => Some(s.clone()),
                    async_graphql::Value::Enum(s) => Some(s.to_string()),
                    _ => None,
                })
            };
            return Err(Failure {
                code: text("code").unwrap_or_else(|| "INTERNAL".into()),
                message: first.message.clone(),
                reason: text("reason"),
                field: text("field"),
            });
        }
        response.data.into_json().map_err(|e| Failure::internal(e.to_string()))
    }
}
