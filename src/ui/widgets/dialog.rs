//! The action dialog: context and namespace in bold, what will happen, the pre-flight
//! warnings, the permission answer, the input, the result.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use crate::app::dialog::{Access, Dialog, Step};
use crate::k8s::actions::WriteKind;
use crate::ui::theme::Theme;

pub fn render(dialog: &Dialog, theme: &Theme, now: jiff::Timestamp, frame: &mut Frame, area: Rect) {
    let lines = lines(dialog, theme, now);
    let width = area.width.saturating_sub(4).min(76);
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX).min(area.height);
    let [popup] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(popup);
    let target = &dialog.target;
    let title =
        format!(" {} {} {}/{} ", dialog.write.verb(), target.kind.as_str(), target.namespace, target.name);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.warn)
        .title(Span::styled(title, theme.title));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), popup);
}

fn lines(dialog: &Dialog, theme: &Theme, now: jiff::Timestamp) -> Vec<Line<'static>> {
    let bold = theme.text.add_modifier(Modifier::BOLD);
    let p = &dialog.preflight;
    let mut lines = vec![Line::from(vec![
        Span::styled(" context ", theme.muted),
        Span::styled(dialog.context.clone(), bold),
        Span::styled("  namespace ", theme.muted),
        Span::styled(dialog.target.namespace.clone(), bold),
    ])];
    lines.push(Line::styled(
        format!(" replicas: desired {}  ready {}  updated {}", p.desired, p.ready, p.updated),
        theme.text,
    ));
    let warn = |text: String| Line::styled(format!(" ▲ {text}"), theme.warn);
    if let Some((name, min, max)) = &p.hpa
        && dialog.write == WriteKind::Scale
    {
        lines
            .push(warn(format!("HPA {name} keeps replicas between {min} and {max} and will override this;")));
        lines.push(Line::styled("   change the HPA's min/max instead to make it stick.", theme.warn));
    }
    if dialog.write == WriteKind::Restart {
        for (name, allowed) in &p.pdbs {
            let style = if *allowed == 0 { theme.error } else { theme.text };
            lines.push(Line::styled(format!(" PDB {name}: {allowed} disruption(s) allowed now"), style));
        }
    }
    if p.rollout_in_progress {
        lines.push(warn("a rollout is already in progress".to_string()));
    }
    if let Some(zone) = &p.single_zone {
        lines.push(warn(format!("every ready replica is in zone {zone}")));
    }
    if dialog.write == WriteKind::Undo {
        for r in p.revisions.iter().take(5) {
            let age = r.created.map_or_else(|| "-".to_string(), |t| crate::ui::format::age(t, now));
            let text = format!("   revision {:>3}  {age:>4}  {}", r.number, r.images.join(", "));
            lines.push(Line::styled(text, theme.muted));
        }
    }
    lines.push(Line::raw(""));
    match &dialog.access {
        Access::Checking => lines.push(Line::styled(" checking permissions...", theme.info)),
        Access::Denied(reason) => {
            lines.push(Line::styled(format!(" not allowed: {reason}"), theme.error));
            lines.push(Line::styled(" Enter or Esc closes", theme.muted));
            return lines;
        }
        Access::Allowed => {}
    }
    let prompt = match dialog.write {
        WriteKind::Scale => " new replica count: ",
        WriteKind::Undo => " revision (empty = previous): ",
        WriteKind::Restart => " restart every pod, as kubectl rollout restart does",
    };
    match &dialog.step {
        Step::Edit => {
            let input = if dialog.write == WriteKind::Restart {
                String::new()
            } else {
                format!("{}▏", dialog.input)
            };
            lines.push(Line::from(vec![Span::styled(prompt, theme.text), Span::styled(input, theme.accent)]));
            lines.push(Line::styled(" Enter confirms, Esc cancels", theme.muted));
        }
        Step::ConfirmRisk(reason) => lines.push(Line::styled(format!(" {reason}"), theme.error)),
        Step::TypeName => {
            lines.push(Line::styled(
                format!(" {} looks like production: type the name to confirm", dialog.context),
                theme.warn,
            ));
            lines.push(Line::from(vec![
                Span::styled(format!(" {}: ", dialog.target.name), theme.muted),
                Span::styled(format!("{}▏", dialog.typed_name), theme.accent),
            ]));
        }
        Step::Running => lines.push(Line::styled(" sent; waiting for the API server...", theme.info)),
        Step::Failed(why) => {
            lines.push(Line::styled(format!(" failed: {why}"), theme.error));
            lines.push(Line::styled(" Enter edits again, Esc closes", theme.muted));
        }
    }
    lines
}
