//! `POST /graphql`: one operation per request (an array body is refused with 400); `GET /graphql`: GraphiQL
//! outside production.

use std::{
    borrow::Cow,
    net::{IpAddr, SocketAddr},
    sync::Mutex,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header::CONTENT_TYPE},
    response::{Html, IntoResponse, Response},
};

use super::{MAX_BODY, OpLabel, REQUEST_ID, Web, body::refuse, client_addr};
use crate::{
    app::exec,
    error::{AppError, error_body},
    graphql::{context::RequestCtx, nul, response_cache::Plan},
    identity::principal,
    infra::cache::Source,
    kernel::Principal,
};
use bytes::Bytes;
use tracing::Instrument;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub async fn graphql(State(web): State<Web>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if let Some(refusal) = super::body::refuse_unless_json(&parts.headers) {
        return refusal;
    }
    let request_id = header(&parts.headers, REQUEST_ID.as_str()).unwrap_or("-").to_owned();
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return refuse(AppError::BodyTooLarge(MAX_BODY), &request_id),
    };
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return refuse(
            AppError::BadRequest("batched requests are not supported: send one operation".into()),
            &request_id,
        );
    }
    let Ok(envelope) = serde_json::from_slice::<Envelope>(&bytes) else { return not_graphql(&request_id) };
    let nul = nul::check(&bytes, &envelope.query, envelope.operation_name.as_deref());
    let who = match principal::resolve(
        &web.state,
        header(&parts.headers, "authorization"),
        header(&parts.headers, "x-tenant"),
    )
    .await
    {
        Ok(p) => p,
        Err(err) => return refuse(err, &request_id),
    };
    if let Err(err) = nul {
        // Boxed: a rare path, whose writes would otherwise enlarge every request's future.
        Box::pin(crate::app::hooks::audit_unrun(&web.state, &who, &request_id, &envelope.query, &bytes, &err)).await;
        return refuse(err, &request_id);
    }
    let machine = matches!(who, Principal::Platform | Principal::ApiKey { .. });
    let plan = web.plans.plan(&envelope.query);
    // Before the cache, so that no caller reads what its tenant's template does not offer.
    if let Some(tenant) = who.tenant()
        && let Some(off) = plan.features.iter().find(|f| !tenant.has_feature(f))
    {
        let err = AppError::forbidden_because("FEATURE_OFF", format!("this tenant's template does not offer {off}"));
        return refuse(err, &request_id);
    }
    if web.state.config.is_production() && !machine && !plan.registered {
        return refuse(AppError::OperationNotRegistered, &request_id);
    }
    // A span of its own, made once with both fields: recording them later into the request's span would
    // re-read and re-write that span's JSON fields twice a request.
    let label = plan.label.unwrap_or("graphql");
    let span =
        tracing::info_span!("graphql", tenant = who.tenant().map_or("-", |t| t.slug.as_str()), operation = label);
    let exec = Exec {
        web: &web,
        who,
        request_id: &request_id,
        ip: client_addr(peer),
        idempotency_key: header(&parts.headers, "idempotency-key").map(str::to_owned),
    };
    answer(exec, &plan, label, &envelope, &bytes).instrument(span).await
}

/// The answer to a request whose caller and document are known: from the cache when it may, else executed.
async fn answer(exec: Exec<'_>, plan: &Plan, label: &'static str, envelope: &Envelope<'_>, bytes: &Bytes) -> Response {
    let (web, request_id) = (exec.web, exec.request_id);
    let parse = || serde_json::from_slice::<async_graphql::Request>(bytes);
    let key = plan.key(&exec.who, envelope.operation_name.as_deref(), bytes);
    // A first ask of an answer that rarely repeats is answered without the cache (see `Policy::on_repeat`).
    let first_ask = key.as_ref().is_some_and(|(key, policy)| policy.on_repeat && !web.state.cache.asked_before(key));
    if let Some((key, policy)) = key.filter(|_| !first_ask) {
        // The leader's answer when it could not be cached (it holds errors): the others run their own.
        let uncached = Mutex::new(None);
        // Boxed: loading (executing, or writing directly) is the rarer path, and its state would otherwise be
        // carried, several times over inside the cache's own futures, by every request's future, hits included.
        let load = Box::pin(async {
            let Ok(gql) = parse() else { return None };
            let (body, errors) = exec.run(gql, plan).await;
            // Cacheable answers are read from the caller's tenant's storefront: they hold until it changes.
            let holds = match exec.who.tenant() {
                Some(tenant) if !errors => crate::app::cache::holds(&web.state, tenant, policy.ttl).await.ok(),
                _ => None,
            };
            match holds {
                Some(ttl) => Some((body, ttl)),
                None => {
                    *uncached.lock().unwrap_or_else(|p| p.into_inner()) = Some(body);
                    None
                }
            }
        });
        if let Some((entry, source)) = web.state.cache.get_or_load(key, load).await {
            return json(entry.body.clone(), label, Some(source));
        }
        if let Some(body) = uncached.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return json(body, label, Some(Source::Loaded));
        }
    }
    let Ok(gql) = parse() else { return not_graphql(request_id) };
    let (body, _) = Box::pin(exec.run(gql, plan)).await;
    json(body, label, first_ask.then_some(Source::Loaded))
}

/// What a request body must hold before anything else is read of it: its document and the operation to run.
/// Borrowed from the body; variables are parsed only when the answer is not cached.
#[derive(serde::Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow)]
    query: Cow<'a, str>,
    #[serde(rename = "operationName", default, borrow)]
    operation_name: Option<Cow<'a, str>>,
}

fn not_graphql(request_id: &str) -> Response {
    refuse(AppError::BadRequest("the body must be a JSON object with a GraphQL query".into()), request_id)
}

/// What executing a request needs besides the request.
struct Exec<'a> {
    web: &'a Web,
    who: Principal,
    request_id: &'a str,
    ip: IpAddr,
    idempotency_key: Option<String>,
}

impl Exec<'_> {
    /// The serialized response, and whether it holds errors. A registered document is not parsed again; a plain
    /// query runs on the schema without hooks; some are answered without the executor (`graphql::direct`).
    async fn run(&self, gql: async_graphql::Request, plan: &Plan) -> (Bytes, bool) {
        if let Some(direct) = &plan.direct {
            let name = gql.operation_name.as_deref();
            // Boxed, like the execution: every cacheable request's future, hits included, carries this one.
            if let Some(body) = Box::pin(direct.answer(&self.web.state, &self.who, name, &gql.variables)).await {
                return (body, false);
            }
        }
        let ctx = RequestCtx::new(self.who.clone(), self.request_id.to_owned(), self.ip, self.idempotency_key.clone());
        let response = exec::execute(self.web, ctx, gql, plan).await;
        let errors = !response.errors.is_empty();
        // Most answers are a few kilobytes: start there rather than grow by doubling from nothing.
        let mut body = Vec::with_capacity(4096);
        let body = match serde_json::to_writer(&mut body, &response) {
            Ok(()) => Bytes::from(body),
            Err(e) => {
                tracing::error!(error = %e, "response not serializable");
                let err = AppError::Internal(anyhow::anyhow!("response not serializable"));
                return (Bytes::from(error_body(&err, self.request_id).to_string()), true);
            }
        };
        (body, errors)
    }
}

/// A JSON answer with its metrics label; cacheable requests say in `X-Cache` where the answer came from.
fn json(body: Bytes, label: &'static str, source: Option<Source>) -> Response {
    let mut http = ([(CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(source) = source {
        http.headers_mut().insert("x-cache", HeaderValue::from_static(source.as_str()));
    }
    http.extensions_mut().insert(OpLabel(label));
    http
}

pub async fn graphiql(State(web): State<Web>) -> Response {
    if web.state.config.is_production() {
        return StatusCode::NOT_FOUND.into_response();
    }
    Html(crate::web::graphiql_page()).into_response()
}

#[cfg(test)]
mod tests {
    use std::mem::size_of;

    /// Every request's future is allocated and moved whole, whatever path it takes; under hundreds of concurrent
    /// requests its size is memory traffic. Execution, loading past the cache, a staff member's row and a first
    /// sight of a tenant are boxed, so that a cached answer's future stays small (it was 18.7 KB before).
    #[test]
    fn a_requests_future_carries_no_rare_path_inline() {
        fn future_of<F, Fut>(_: F) -> usize
        where
            F: Fn(axum::extract::State<super::Web>, axum::extract::Request) -> Fut,
        {
            size_of::<Fut>()
        }
        fn resolve_of<'a, F, Fut>(_: F) -> usize
        where
            F: Fn(&'a crate::state::AppState, Option<&'a str>, Option<&'a str>) -> Fut,
        {
            size_of::<Fut>()
        }
        let (request, resolve) = (future_of(super::graphql), resolve_of(crate::identity::principal::resolve));
        assert!(request <= 4096, "the request's future is {request} bytes");
        assert!(resolve <= 512, "resolving the caller is {resolve} bytes");
    }
}
