//! Routing: the routes of the API, the checks every request passes before its operation
//! runs (auth, api-version, a known path, an allowed method), and the dispatch to the
//! resource modules.

use crate::config::EmulatorConfig;
use crate::fault::RequestKind;
use crate::store::State;

use super::incoming::Incoming;
use super::reply::{Outcome, Reply};
use super::{Shared, api_version, bitlocker_keys, jobs, locations, operations};

/// The routes of the API, with their decoded path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Route {
    Job {
        sub: String,
        rg: String,
        name: String,
    },
    BitLockerKeys {
        sub: String,
        rg: String,
        name: String,
    },
    ListBySubscription {
        sub: String,
    },
    ListByResourceGroup {
        sub: String,
        rg: String,
    },
    Locations,
    Location(String),
    Operations,
}

impl Route {
    /// Parse decoded path segments (fixed words are matched case-insensitively).
    pub fn parse(segs: &[String]) -> Option<Route> {
        let eq = |i: usize, word: &str| segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(word));
        let param = |i: usize| segs.get(i).filter(|s| !s.is_empty()).cloned();
        let provider_at = |i: usize| eq(i, "providers") && eq(i + 1, "Microsoft.ImportExport");
        if provider_at(0) {
            return match segs.len() {
                3 if eq(2, "locations") => Some(Route::Locations),
                4 if eq(2, "locations") => param(3).map(Route::Location),
                3 if eq(2, "operations") => Some(Route::Operations),
                _ => None,
            };
        }
        if !eq(0, "subscriptions") {
            return None;
        }
        let sub = param(1)?;
        if provider_at(2) && eq(4, "jobs") && segs.len() == 5 {
            return Some(Route::ListBySubscription { sub });
        }
        if !(eq(2, "resourceGroups") && provider_at(4) && eq(6, "jobs")) {
            return None;
        }
        let rg = param(3)?;
        match segs.len() {
            7 => Some(Route::ListByResourceGroup { sub, rg }),
            8 => Some(Route::Job {
                sub,
                rg,
                name: segs[7].clone(),
            }),
            9 if eq(8, "listBitLockerKeys") => Some(Route::BitLockerKeys {
                sub,
                rg,
                name: segs[7].clone(),
            }),
            _ => None,
        }
    }

    /// The request kind for `method` on this route, or `None` if the method is not allowed.
    pub fn kind(&self, method: &str) -> Option<RequestKind> {
        let kind = match (self, method) {
            (Route::Job { .. }, "GET") => RequestKind::GetJob,
            (Route::Job { .. }, "PUT") => RequestKind::CreateJob,
            (Route::Job { .. }, "PATCH") => RequestKind::UpdateJob,
            (Route::Job { .. }, "DELETE") => RequestKind::DeleteJob,
            (Route::BitLockerKeys { .. }, "POST") => RequestKind::ListBitLockerKeys,
            (Route::ListBySubscription { .. } | Route::ListByResourceGroup { .. }, "GET") => {
                RequestKind::ListJobs
            }
            (Route::Locations | Route::Location(_), "GET") => RequestKind::Locations,
            (Route::Operations, "GET") => RequestKind::Operations,
            _ => return None,
        };
        Some(kind)
    }

    /// Subscription, resource group and name of the job this route addresses.
    pub fn job(&self) -> Option<(&str, &str, &str)> {
        match self {
            Route::Job { sub, rg, name } | Route::BitLockerKeys { sub, rg, name } => {
                Some((sub, rg, name))
            }
            _ => None,
        }
    }
}

/// What an operation works with.
pub(super) struct Ctx<'a, 'r> {
    pub config: &'a EmulatorConfig,
    pub base_uri: &'a str,
    pub state: &'a mut State,
    pub req: &'a Incoming<'r>,
}

/// Auth, api-version, routing, then the operation itself.
pub(super) fn process(
    shared: &Shared,
    state: &mut State,
    req: &Incoming<'_>,
    route: Option<&Route>,
    kind: RequestKind,
) -> Outcome {
    let route = match check(&shared.config, req, route, kind) {
        Ok(route) => route,
        Err(reply) => return reply.into(),
    };
    let ctx = Ctx {
        config: &shared.config,
        base_uri: &shared.base_uri,
        state,
        req,
    };
    dispatch(ctx, route)
}

/// The checks every request passes, in order: auth, a decodable path, the api-version, a
/// known route (returned), an allowed method.
fn check<'a>(
    config: &EmulatorConfig,
    req: &Incoming<'_>,
    route: Option<&'a Route>,
    kind: RequestKind,
) -> Result<&'a Route, Reply> {
    if config.require_auth && !req.authorized() {
        return Err(Reply::error(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing or is not a bearer token.",
        ));
    }
    if req.segments.is_none() {
        return Err(Reply::bad_request(
            "The request path contains an invalid percent-encoding or is not UTF-8.",
        ));
    }
    api_version::check(req, route)?;
    let Some(route) = route else {
        return Err(Reply::error(
            404,
            "NotFound",
            format!(
                "No Microsoft.ImportExport resource matches the path '{}'.",
                req.decoded_path()
            ),
        ));
    };
    if kind == RequestKind::Other {
        return Err(Reply::error(
            405,
            "MethodNotAllowed",
            format!(
                "The method '{}' is not allowed on '{}'.",
                req.method,
                req.decoded_path()
            ),
        ));
    }
    Ok(route)
}

/// The operation for `route` and the request's method.
fn dispatch(ctx: Ctx<'_, '_>, route: &Route) -> Outcome {
    match (route, ctx.req.method.as_str()) {
        (Route::Job { sub, rg, name }, "GET") => jobs::get(&ctx, sub, rg, name).into(),
        (Route::Job { sub, rg, name }, "PUT") => jobs::create(ctx, sub, rg, name),
        (Route::Job { sub, rg, name }, "PATCH") => jobs::update(ctx, sub, rg, name),
        (Route::Job { sub, rg, name }, "DELETE") => jobs::delete(ctx, sub, rg, name),
        (Route::BitLockerKeys { sub, rg, name }, _) => {
            bitlocker_keys::list(&ctx, sub, rg, name).into()
        }
        (Route::ListBySubscription { sub }, _) => jobs::list(&ctx, sub, None).into(),
        (Route::ListByResourceGroup { sub, rg }, _) => jobs::list(&ctx, sub, Some(rg)).into(),
        (Route::Locations, _) => locations::list().into(),
        (Route::Location(name), _) => locations::get(name).into(),
        (Route::Operations, _) => operations::list().into(),
        // Unreachable: `kind` already filtered methods.
        (Route::Job { .. }, _) => {
            Reply::error(405, "MethodNotAllowed", "Method not allowed.").into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let segs = |p: &str| p.split('/').skip(1).map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            Route::parse(&segs(
                "/SUBSCRIPTIONS/s/resourcegroups/g/PROVIDERS/microsoft.importexport/JOBS/j"
            )),
            Some(Route::Job {
                sub: "s".into(),
                rg: "g".into(),
                name: "j".into()
            })
        );
        assert_eq!(
            Route::parse(&segs(
                "/subscriptions/s/providers/Microsoft.ImportExport/jobs"
            )),
            Some(Route::ListBySubscription { sub: "s".into() })
        );
        assert_eq!(
            Route::parse(&segs(
                "/subscriptions//providers/Microsoft.ImportExport/jobs"
            )),
            None
        );
        assert_eq!(
            Route::parse(&segs("/providers/Microsoft.ImportExport/operations")),
            Some(Route::Operations)
        );
        assert_eq!(Route::parse(&segs("/nothing")), None);
    }
}
