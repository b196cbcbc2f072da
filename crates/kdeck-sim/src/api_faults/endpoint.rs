//! `/sim/fault`: `GET` lists the faults on (and the tokens to present), `PUT /sim/fault/NAME`
//! switches one on, `DELETE /sim/fault/NAME` off, `DELETE /sim/fault` all off. Every answer
//! is the state after the change, so a test needs no second request.

use axum::response::Response;
use http::{Method, StatusCode};

use super::fault::ApiFault;
use super::switchboard::ApiFaults;
use crate::http::body::json_value;
use crate::http::status::ApiError;

pub fn serve(faults: &ApiFaults, name: Option<&str>, method: &Method) -> Result<Response, ApiError> {
    match (name, method.as_str()) {
        (None, "GET") => {}
        (None, "DELETE") => faults.clear(),
        (Some(name), "PUT" | "POST") => faults.switch_on(parse(name)?),
        (Some(name), "DELETE") => faults.switch_off(&parse(name)?),
        _ => {
            return Err(ApiError::method_not_allowed(
                "use GET or DELETE on /sim/fault, PUT or DELETE on /sim/fault/NAME",
            ));
        }
    }
    Ok(json_value(StatusCode::OK, &faults.report()))
}

fn parse(name: &str) -> Result<ApiFault, ApiError> {
    name.parse::<ApiFault>().map_err(ApiError::bad_request)
}
