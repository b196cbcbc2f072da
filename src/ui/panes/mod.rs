//! One file per pane; each is a pure function of its view, the theme and the frame area.

pub mod autoscalers;
pub mod certificates;
pub mod compare;
pub mod events;
pub mod fleet;
pub mod gateways;
pub mod ingresses;
pub mod logs;
pub mod mesh;
pub mod overview;
pub mod policies;
pub mod storage;
pub mod workload;
pub mod zones;

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::ui::theme::Theme;
use crate::ui::view::PaneView;

/// What every pane needs besides its view.
pub struct PaneCtx<'a> {
    pub theme: &'a Theme,
    pub now: Timestamp,
    pub selected: usize,
    /// Every source has synced (else empty tables mean "not yet", not "nothing").
    pub synced: bool,
}

pub fn render(pane: &PaneView, ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    match pane {
        PaneView::Empty => {}
        PaneView::Overview { namespaces, problems, timeline, visible } => {
            overview::render(namespaces, problems, timeline, visible, ctx, frame, area)
        }
        PaneView::Zones { view, visible, what_if } => {
            zones::render(view, visible, *what_if, ctx, frame, area)
        }
        PaneView::Autoscalers { view, visible, history, badges } => {
            autoscalers::render(view, visible, history, badges, ctx, frame, area)
        }
        PaneView::Ingresses { view, visible, traffic, breaches, badges, .. } => {
            let extras = ingresses::Extras { traffic, breaches, badges };
            ingresses::render(view, visible, &extras, ctx, frame, area)
        }
        PaneView::Events { view, visible } => events::render(view, visible, ctx, frame, area),
        PaneView::Storage { view, visible } => storage::render(view, visible, ctx, frame, area),
        PaneView::Policies { view, visible } => policies::render(view, visible, ctx, frame, area),
        PaneView::Mesh { view, visible } => mesh::render(view, visible, ctx, frame, area),
        PaneView::Gateways { view, visible, traffic, breaches, gateway_traffic } => {
            let extras = gateways::Extras { traffic, breaches, gateway_traffic };
            gateways::render(view, visible, &extras, ctx, frame, area)
        }
        PaneView::Certificates { view, visible } => certificates::render(view, visible, ctx, frame, area),
        PaneView::Fleet { view, visible } => fleet::render(view, visible, ctx, frame, area),
        PaneView::Compare { view, visible } => compare::render(view, visible, ctx, frame, area),
        PaneView::Workload(view) => workload::render(view, ctx, frame, area),
    }
}

/// A table title: " Name (shown/total) ".
/// A pane's table of its visible rows, with the selected row's long text in a box under it
/// (a provisioner's, an ACME or a controller's message, whose end says why).
#[allow(clippy::too_many_arguments)]
pub(super) fn table_with_detail(
    heading: Line<'_>,
    columns: &[crate::ui::widgets::table::Column],
    rows: usize,
    detail: Option<crate::ui::widgets::detail::Detail>,
    ctx: &PaneCtx<'_>,
    frame: &mut Frame,
    area: Rect,
    cells: &dyn Fn(usize) -> Vec<crate::ui::widgets::table::Cell>,
) {
    let table_area = crate::ui::widgets::detail::split_and_render(detail, ctx.theme, frame, area);
    let spec = crate::ui::widgets::table::TableSpec {
        title: heading,
        columns,
        rows,
        selected: Some(ctx.selected),
        focused: true,
    };
    crate::ui::widgets::table::render(spec, ctx.theme, frame, table_area, cells);
}

pub fn title<'a>(name: &str, shown: usize, total: usize, theme: &Theme) -> Line<'a> {
    let counts = if shown == total { format!("{total}") } else { format!("{shown}/{total}") };
    Line::from(vec![
        Span::styled(format!(" {name} "), theme.title),
        Span::styled(format!("({counts}) "), theme.muted),
    ])
}
