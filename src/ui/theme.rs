//! Semantic themes: panes ask for `theme.warn`, never for a colour.
//!
//! Shipped themes live in `themes/*.toml` and are embedded in the binary; a user theme file
//! overrides only the slots it names, on top of the default.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::ui::view::Tone;

/// Themes compiled into the binary, by name.
pub const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

macro_rules! theme_slots {
    ($($slot:ident),* $(,)?) => {
        /// Every style a pane may use.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            $(pub $slot: Style,)*
        }

        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct SlotsPatch {
            $($slot: Option<StyleSpec>,)*
        }

        impl Theme {
            fn patched(mut self, patch: SlotsPatch) -> Result<Self, String> {
                $(if let Some(spec) = patch.$slot {
                    self.$slot = spec.to_style().map_err(|e| format!("slot `{}`: {e}", stringify!($slot)))?;
                })*
                Ok(self)
            }

            fn blank(name: &str) -> Self {
                Self { name: name.to_string(), $($slot: Style::default(),)* }
            }
        }
    };
}

theme_slots!(
    text,
    muted,
    accent,
    ok,
    warn,
    error,
    info,
    border,
    border_focus,
    title,
    header,
    status_bar,
    selection,
    table_header,
    badge_readonly,
    key,
);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    #[serde(default)]
    slots: SlotsPatch,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum StyleSpec {
    Color(String),
    Full(FullStyle),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FullStyle {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
}

impl StyleSpec {
    fn to_style(&self) -> Result<Style, String> {
        match self {
            StyleSpec::Color(c) => Ok(Style::default().fg(parse_color(c)?)),
            StyleSpec::Full(full) => {
                let mut style = Style::default();
                if let Some(fg) = &full.fg {
                    style = style.fg(parse_color(fg)?);
                }
                if let Some(bg) = &full.bg {
                    style = style.bg(parse_color(bg)?);
                }
                let flags = [
                    (full.bold, Modifier::BOLD),
                    (full.dim, Modifier::DIM),
                    (full.italic, Modifier::ITALIC),
                    (full.underline, Modifier::UNDERLINED),
                    (full.reversed, Modifier::REVERSED),
                ];
                for (on, modifier) in flags {
                    if on {
                        style = style.add_modifier(modifier);
                    }
                }
                Ok(style)
            }
        }
    }
}

fn parse_color(text: &str) -> Result<Color, String> {
    Color::from_str(text).map_err(|_| {
        format!("unknown colour {text:?} (use a name like \"green\", an index like \"244\", or \"#rrggbb\")")
    })
}

/// Why a theme could not be loaded; one line, naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeError(pub String);

impl std::fmt::Display for ThemeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ThemeError {}

impl Theme {
    /// The style of a line by how it is meant.
    pub fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Text => self.text,
            Tone::Muted => self.muted,
            Tone::Info => self.info,
            Tone::Warn => self.warn,
            Tone::Error => self.error,
            Tone::Accent => self.accent,
        }
    }

    /// Parse a theme file's text on top of `base` (only the named slots change).
    pub fn parse_over(base: Theme, text: &str, origin: &str) -> Result<Theme, ThemeError> {
        let file: ThemeFile = toml::from_str(text)
            .map_err(|e| ThemeError(format!("bad theme {origin}: {}", one_line(&e.to_string()))))?;
        let name = file.name.unwrap_or_else(|| base.name.clone());
        let mut theme =
            base.patched(file.slots).map_err(|e| ThemeError(format!("bad theme {origin}: {e}")))?;
        theme.name = name;
        Ok(theme)
    }

    /// The embedded default theme.
    pub fn default_theme() -> Theme {
        Self::shipped("default").unwrap_or_else(|| Theme::blank("default"))
    }

    /// The monochrome theme (NO_COLOR).
    pub fn mono() -> Theme {
        Self::shipped("mono").unwrap_or_else(|| Theme::blank("mono"))
    }

    /// A shipped theme by name, on top of a blank base so every slot is its own.
    pub fn shipped(name: &str) -> Option<Theme> {
        let (_, text) = SHIPPED.iter().find(|(n, _)| *n == name)?;
        Self::parse_over(Theme::blank(name), text, name).ok()
    }

    /// Resolve `--theme NAME|PATH`: a path (has a `/` or ends in `.toml`) or a shipped name
    /// or a file in `user_dir`. NO_COLOR wins over everything.
    pub fn resolve(
        choice: Option<&str>,
        user_dir: Option<&Path>,
        no_color: bool,
    ) -> Result<Theme, ThemeError> {
        if no_color {
            return Ok(Self::mono());
        }
        let Some(choice) = choice else {
            return Ok(Self::default_theme());
        };
        if choice.contains('/') || choice.ends_with(".toml") {
            return Self::load_file(Path::new(choice));
        }
        if let Some(theme) = Self::shipped(choice) {
            return Ok(theme);
        }
        if let Some(dir) = user_dir {
            let path: PathBuf = dir.join(format!("{choice}.toml"));
            if path.exists() {
                return Self::load_file(&path);
            }
        }
        let names: Vec<&str> = SHIPPED.iter().map(|(n, _)| *n).collect();
        Err(ThemeError(format!("unknown theme {choice:?} (shipped: {})", names.join(", "))))
    }

    /// A user theme file, over the default theme.
    pub fn load_file(path: &Path) -> Result<Theme, ThemeError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ThemeError(format!("cannot read theme {}: {e}", path.display())))?;
        Self::parse_over(Self::default_theme(), &text, &path.display().to_string())
    }
}

/// Whether NO_COLOR asks for no colour (set and not empty, per no-color.org).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_parses_and_sets_every_slot_it_names() {
        for (name, text) in SHIPPED {
            let theme = Theme::parse_over(Theme::blank(name), text, name);
            assert!(theme.is_ok(), "{name}: {theme:?}");
            assert_eq!(theme.map(|t| t.name), Ok(name.to_string()));
        }
    }

    #[test]
    fn mono_uses_no_colour_at_all() {
        let mono = Theme::mono();
        let styles = [mono.ok, mono.warn, mono.error, mono.header, mono.selection, mono.muted];
        for style in styles {
            assert!(matches!(style.fg, None | Some(Color::Reset)), "{style:?}");
            assert!(matches!(style.bg, None | Some(Color::Reset)), "{style:?}");
        }
        assert!(mono.error.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn user_theme_overrides_only_named_slots() {
        let base = Theme::default_theme();
        let theme = Theme::parse_over(base.clone(), "[slots]\nok = \"#00ff00\"\n", "mine").unwrap();
        assert_eq!(theme.ok.fg, Some(Color::Rgb(0, 255, 0)));
        assert_eq!(theme.warn, base.warn);
    }

    #[test]
    fn bad_theme_is_a_one_line_error_naming_the_file() {
        let err =
            Theme::parse_over(Theme::default_theme(), "[slots]\nok = \"chartreuse-ish\"\n", "/t/x.toml")
                .unwrap_err();
        assert!(err.0.contains("/t/x.toml") && err.0.contains("slot `ok`"), "{err}");
        let err =
            Theme::parse_over(Theme::default_theme(), "[slots]\nokay = \"red\"\n", "/t/y.toml").unwrap_err();
        assert!(err.0.contains("/t/y.toml") && err.0.contains("okay"), "{err}");
        assert!(!err.0.contains('\n'));
    }

    #[test]
    fn no_color_forces_mono_even_when_a_theme_is_chosen() {
        assert_eq!(Theme::resolve(Some("light"), None, true).unwrap().name, "mono");
        assert_eq!(Theme::resolve(Some("light"), None, false).unwrap().name, "light");
        assert!(Theme::resolve(Some("nope"), None, false).is_err());
    }
}
