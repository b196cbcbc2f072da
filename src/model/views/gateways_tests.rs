use super::*;
use crate::k8s::SourceState;
use crate::model::fixtures::{Fixtures, objects::*};

const WRITTEN: &str = "2025-06-01T11:50:00Z";

fn project_all(fixtures: Fixtures) -> GatewaysView {
    project(&fixtures.build(), &Scope::All)
}

fn healthy_backend(fixtures: Fixtures, ns: &str, name: &str) -> Fixtures {
    fixtures.with(service(ns, name, &[("http", 8080)])).with(endpoint_slice(
        ns,
        name,
        "http",
        &[("eu-west-1a", true), ("eu-west-1b", true)],
    ))
}

#[test]
fn a_route_whose_backend_is_gone_is_an_error_with_the_controllers_reason_first() {
    let fixtures = Fixtures::new()
        .with(gateway("infra", "edge", Some(true)))
        .with(http_route(
            "shop",
            "cart",
            "cart.example.com",
            ("infra", "edge"),
            "cart-v2",
            Some(false),
            WRITTEN,
        ))
        .with(http_route("shop", "web", "www.example.com", ("infra", "edge"), "web", Some(true), WRITTEN));
    let view = project_all(healthy_backend(fixtures, "shop", "web"));

    let names: Vec<&str> = view.routes.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["cart", "web"], "trouble first");
    let cart = &view.routes[0];
    assert_eq!(cart.severity, Severity::Error);
    assert_eq!(cart.flags, [RouteFlag::RefsUnresolved, RouteFlag::ServiceMissing]);
    assert_eq!(
        cart.reason.as_deref(),
        Some("ResolvedRefs: BackendNotFound (Service shop/cart-v2 not found)")
    );
    assert_eq!(cart.backends[0].verdict, RouteVerdict::ServiceMissing);
    assert_eq!(cart.parents, ["infra/edge/https"]);
    assert_eq!(cart.last_write.map(|t| t.to_string()).as_deref(), Some("2025-06-01T11:50:00Z"));

    let web = &view.routes[1];
    assert_eq!((web.severity, web.endpoints), (Severity::Ok, ReadyTotal { ready: 2, total: 2 }));
    assert_eq!(web.backends[0].endpoints_by_zone.len(), 2, "endpoints per zone");

    let found = findings(&view);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].kind.as_str(), found[0].name.as_str()), ("HTTPRoute", "cart"));
    assert!(found[0].message.contains("cart.example.com"), "{}", found[0].message);
    assert!(found[0].message.contains("BackendNotFound"), "{}", found[0].message);
}

#[test]
fn a_gateway_not_programmed_fails_itself_and_every_route_on_it() {
    let fixtures = Fixtures::new()
        .with(gateway("infra", "edge", Some(false)))
        .with(http_route("shop", "web", "www.example.com", ("infra", "edge"), "web", Some(true), WRITTEN))
        .with(http_route(
            "shop",
            "lost",
            "lost.example.com",
            ("infra", "nowhere"),
            "web",
            Some(true),
            WRITTEN,
        ));
    let view = project_all(healthy_backend(fixtures, "shop", "web"));

    let gw = &view.gateways[0];
    assert_eq!(
        (gw.severity, gw.verdict.as_str(), gw.programmed),
        (Severity::Error, "not programmed", Some(false))
    );
    assert!(gw.reason.as_deref().is_some_and(|r| r.contains("NoResources")), "{:?}", gw.reason);
    assert_eq!(gw.listeners[0].problem.as_deref(), Some("Programmed"));

    let flags = |name: &str| view.routes.iter().find(|r| r.name == name).map(|r| r.flags.clone());
    assert_eq!(flags("web"), Some(vec![RouteFlag::GatewayNotProgrammed]));
    assert_eq!(flags("lost"), Some(vec![RouteFlag::GatewayMissing]));
    assert_eq!(findings(&view).len(), 3);
}

#[test]
fn no_ready_endpoints_fails_a_route_unless_its_weight_is_zero() {
    let mut canary =
        http_route("shop", "web", "www.example.com", ("infra", "edge"), "web", Some(true), WRITTEN);
    canary.spec.rules[0].backend_refs.push(crate::k8s::gateway_api::BackendRef {
        name: "web-canary".into(),
        port: Some(8080),
        weight: Some(0),
        ..Default::default()
    });
    let fixtures = Fixtures::new()
        .with(gateway("infra", "edge", Some(true)))
        .with(canary)
        .with(service("shop", "web-canary", &[("http", 8080)]))
        .with(endpoint_slice("shop", "web-canary", "http", &[("eu-west-1a", false)]));
    let view = project_all(healthy_backend(fixtures, "shop", "web"));
    let web = &view.routes[0];
    assert_eq!(web.backends[1].verdict, RouteVerdict::NoReadyEndpoints);
    assert_eq!((web.severity, web.flags.len()), (Severity::Ok, 0), "{:?}", web.flags);
    assert_eq!(web.endpoints, ReadyTotal { ready: 2, total: 3 });
}

#[test]
fn a_route_no_controller_has_seen_is_information_and_an_absent_api_is_said() {
    let fixtures = Fixtures::new()
        .with(http_route("shop", "web", "www.example.com", ("infra", "edge"), "web", None, WRITTEN))
        .with(gateway("infra", "edge", None));
    let view = project_all(healthy_backend(fixtures, "shop", "web"));
    assert_eq!(
        (view.routes[0].severity, view.routes[0].flags.as_slice()),
        (Severity::Info, &[RouteFlag::NoStatus][..])
    );
    assert_eq!(view.gateways[0].severity, Severity::Info);
    assert!(findings(&view).is_empty());
    assert_eq!(view.unavailable, None);

    let absent = Fixtures::new()
        .source(Kind::HttpRoute, SourceState::Unavailable { reason: "not served by this cluster".into() });
    assert_eq!(project_all(absent).unavailable.as_deref(), Some("Gateway API not installed"));
}

#[test]
fn escape_sequences_in_status_never_reach_the_view() {
    let mut route =
        http_route("shop", "web", "www.example.com", ("infra", "edge"), "gone", Some(false), WRITTEN);
    if let Some(status) = route.status.as_mut() {
        status.parents[0].conditions[1].message = Some("Service \u{1b}]52;c;ZXZpbA==\u{7} not found".into());
    }
    let view = project_all(Fixtures::new().with(gateway("infra", "edge", Some(true))).with(route));
    let reason = view.routes[0].reason.clone().unwrap_or_default();
    assert!(!reason.contains('\u{1b}') && !reason.contains('\u{7}'), "{reason:?}");
}
