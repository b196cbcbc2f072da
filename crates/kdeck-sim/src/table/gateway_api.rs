//! Rows for Gateway API's kinds, as their CRDs' additionalPrinterColumns print them.

use serde_json::{Value, json};

use super::cells::{items, text};

/// The status of the condition of `kind` (JSONPath `.status.conditions[?(@.type=="KIND")].status`).
fn condition_status(object: &Value, kind: &str) -> String {
    items(object, "status.conditions")
        .iter()
        .find(|c| c["type"] == kind)
        .map(|c| text(c, "status"))
        .unwrap_or_default()
}

/// NAME CONTROLLER ACCEPTED AGE (DESCRIPTION with -o wide).
pub fn gateway_class_cells(class: &Value, name: String, created: String) -> Vec<Value> {
    vec![
        json!(name),
        json!(text(class, "spec.controllerName")),
        json!(condition_status(class, "Accepted")),
        json!(created),
        json!(text(class, "spec.description")),
    ]
}

/// NAME CLASS ADDRESS PROGRAMMED AGE.
pub fn gateway_cells(gateway: &Value, name: String, created: String) -> Vec<Value> {
    let addresses: Vec<&str> =
        items(gateway, "status.addresses").iter().filter_map(|a| a["value"].as_str()).collect();
    vec![
        json!(name),
        json!(text(gateway, "spec.gatewayClassName")),
        json!(addresses.join(" ")),
        json!(condition_status(gateway, "Programmed")),
        json!(created),
    ]
}

/// NAME HOSTNAMES AGE; the hostnames as the apiserver prints a list column (JSON).
pub fn http_route_cells(route: &Value, name: String, created: String) -> Vec<Value> {
    let hostnames = match route.pointer("/spec/hostnames") {
        Some(list @ Value::Array(_)) => list.to_string(),
        _ => String::new(),
    };
    vec![json!(name), json!(hostnames), json!(created)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_rows_carry_class_address_and_programmed() {
        let g = json!({"spec": {"gatewayClassName": "eg"},
                       "status": {"addresses": [{"type": "Hostname", "value": "lb.example"}],
                                  "conditions": [{"type": "Accepted", "status": "True"},
                                                 {"type": "Programmed", "status": "False"}]}});
        let cells = gateway_cells(&g, "gw".into(), "3d".into());
        assert_eq!(cells, vec![json!("gw"), json!("eg"), json!("lb.example"), json!("False"), json!("3d")]);
        let r = json!({"spec": {"hostnames": ["a.example.com", "b.example.com"]}});
        assert_eq!(
            http_route_cells(&r, "r".into(), "1d".into())[1],
            json!("[\"a.example.com\",\"b.example.com\"]")
        );
        let c = json!({"spec": {"controllerName": "x/y"}, "status": {"conditions": [{"type": "Accepted", "status": "True"}]}});
        assert_eq!(gateway_class_cells(&c, "eg".into(), "9d".into())[1..3], [json!("x/y"), json!("True")]);
    }
}
