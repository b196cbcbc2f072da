//! HPA metric readings from the load model: Resource (Utilization / AverageValue), Pods and
//! External metrics, with the controller's failure reasons when a metric is unavailable.

use jiff::Timestamp;
use k8s_openapi::api::autoscaling::v2::{
    ExternalMetricStatus, MetricIdentifier, MetricSpec, MetricStatus, MetricValueStatus, PodsMetricStatus,
    ResourceMetricStatus,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::World;
use super::demand::ready_pods;
use super::hpa::{Reading, qty_milli};
use super::hpa_math::proposal;
use super::scheduler::pod_requests;
use super::snapshot::Snapshot;
use crate::units::quantity::{milli_value, value};

impl World {
    pub(super) fn read_metric(
        &self,
        snap: &Snapshot,
        key: &str,
        metric: &MetricSpec,
        current: i32,
        now: Timestamp,
    ) -> Result<Reading, (String, String)> {
        let ready = ready_pods(snap, key);
        let pods = ready.len() as i32;
        let load = self.cfg.load.spec(key);
        match metric.type_.as_str() {
            "Resource" => {
                let res = metric
                    .resource
                    .as_ref()
                    .ok_or_else(|| ("FailedGetResourceMetric".to_string(), "missing resource".to_string()))?;
                let name = res.name.as_str();
                if pods == 0 {
                    return Err((
                        "FailedGetResourceMetric".into(),
                        format!(
                            "failed to get {name} utilization: did not receive metrics for targeted pods (pods might be unready)"
                        ),
                    ));
                }
                let (req_cpu, req_mem) = pod_requests(ready[0]);
                let request = if name == "cpu" { req_cpu as f64 } else { req_mem as f64 };
                let fraction = if name == "cpu" {
                    self.cpu_fraction(snap, key, now)
                } else {
                    self.memory_fraction(key, now)
                };
                let per_pod = fraction * request;
                let target = &res.target;
                if let Some(util_target) = target.average_utilization {
                    if request <= 0.0 {
                        return Err((
                            "FailedGetResourceMetric".into(),
                            format!("failed to get {name} utilization: missing request for {name}"),
                        ));
                    }
                    let util = (fraction * 100.0).round() as i32;
                    let ratio = f64::from(util) / f64::from(util_target.max(1));
                    let avg = if name == "cpu" {
                        Quantity(format!("{}m", per_pod.round() as i64))
                    } else {
                        Quantity(format!("{}", per_pod.round() as i64))
                    };
                    return Ok(Reading {
                        status: MetricStatus {
                            type_: "Resource".into(),
                            resource: Some(ResourceMetricStatus {
                                name: name.into(),
                                current: MetricValueStatus {
                                    average_utilization: Some(util),
                                    average_value: Some(avg),
                                    value: None,
                                },
                            }),
                            ..Default::default()
                        },
                        proposal: proposal(current, pods, ratio),
                        above: ratio > 1.0,
                        description: format!("{name} resource utilization (percentage of request)"),
                    });
                }
                let target_value = target
                    .average_value
                    .as_ref()
                    .and_then(|q| {
                        if name == "cpu" {
                            milli_value(&q.0).map(|v| v as f64)
                        } else {
                            value(&q.0).map(|v| v as f64)
                        }
                    })
                    .unwrap_or(1.0);
                let ratio = per_pod / target_value.max(1.0);
                let avg = if name == "cpu" {
                    Quantity(format!("{}m", per_pod.round() as i64))
                } else {
                    Quantity(format!("{}", per_pod.round() as i64))
                };
                Ok(Reading {
                    status: MetricStatus {
                        type_: "Resource".into(),
                        resource: Some(ResourceMetricStatus {
                            name: name.into(),
                            current: MetricValueStatus { average_value: Some(avg), ..Default::default() },
                        }),
                        ..Default::default()
                    },
                    proposal: proposal(current, pods, ratio),
                    above: ratio > 1.0,
                    description: format!("{name} resource"),
                })
            }
            "Pods" => {
                let m = metric
                    .pods
                    .as_ref()
                    .ok_or_else(|| ("FailedGetPodsMetric".to_string(), "missing pods metric".to_string()))?;
                let name = m.metric.name.clone();
                if load.connections <= 0.0 || pods == 0 {
                    return Err((
                        "FailedGetPodsMetric".into(),
                        format!(
                            "failed to get pods metric value: unable to get metric {name}: no metrics returned from custom metrics API"
                        ),
                    ));
                }
                let per_pod = load.connections * self.load_factor(key, now) / f64::from(pods);
                let target = m
                    .target
                    .average_value
                    .as_ref()
                    .and_then(|q| milli_value(&q.0))
                    .map(|v| v as f64 / 1000.0)
                    .unwrap_or(1.0);
                let ratio = per_pod / target.max(0.001);
                Ok(Reading {
                    status: MetricStatus {
                        type_: "Pods".into(),
                        pods: Some(PodsMetricStatus {
                            metric: MetricIdentifier { name: name.clone(), selector: None },
                            current: MetricValueStatus {
                                average_value: Some(qty_milli(per_pod)),
                                ..Default::default()
                            },
                        }),
                        ..Default::default()
                    },
                    proposal: proposal(current, pods, ratio),
                    above: ratio > 1.0,
                    description: format!("pods metric {name}"),
                })
            }
            "External" => {
                let m = metric.external.as_ref().ok_or_else(|| {
                    ("FailedGetExternalMetric".to_string(), "missing external metric".to_string())
                })?;
                let name = m.metric.name.clone();
                if load.queue <= 0.0 {
                    return Err((
                        "FailedGetExternalMetric".into(),
                        format!(
                            "failed to get external metric {name}: unable to get external metric {name}: no metrics returned from external metrics API"
                        ),
                    ));
                }
                let total = load.queue * self.load_factor(key, now);
                let (ratio, current_value, proposed) = if let Some(avg) =
                    m.target.average_value.as_ref().and_then(|q| milli_value(&q.0)).map(|v| v as f64 / 1000.0)
                {
                    let ratio = total / (avg.max(0.001) * f64::from(current.max(1)));
                    let proposed = if (1.0 - ratio).abs() <= super::hpa_math::TOLERANCE {
                        current
                    } else {
                        (total / avg.max(0.001)).ceil() as i32
                    };
                    (
                        ratio,
                        MetricValueStatus {
                            average_value: Some(qty_milli(total / f64::from(current.max(1)))),
                            ..Default::default()
                        },
                        proposed,
                    )
                } else {
                    let value = m
                        .target
                        .value
                        .as_ref()
                        .and_then(|q| milli_value(&q.0))
                        .map(|v| v as f64 / 1000.0)
                        .unwrap_or(1.0);
                    let ratio = total / value.max(0.001);
                    (
                        ratio,
                        MetricValueStatus { value: Some(qty_milli(total)), ..Default::default() },
                        proposal(current, current, ratio),
                    )
                };
                Ok(Reading {
                    status: MetricStatus {
                        type_: "External".into(),
                        external: Some(ExternalMetricStatus {
                            metric: m.metric.clone(),
                            current: current_value,
                        }),
                        ..Default::default()
                    },
                    proposal: proposed,
                    above: ratio > 1.0,
                    description: format!("external metric {name}"),
                })
            }
            other => Err(("InvalidMetricSourceType".into(), format!("unknown metric source type {other:?}"))),
        }
    }
}
