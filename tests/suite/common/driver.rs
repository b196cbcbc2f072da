//! The loop without a terminal: the real effect runner (`Sources`), the real watches,
//! `Session::handle` as the loop drives it.

use std::time::Duration;

use crate::common::screen::key_event;
use kdeck::app::model::Model;
use kdeck::app::session::Session;
use kdeck::app::sources::{Sources, connection_info};
use kdeck::config::Config;
use kdeck::effect::Effect;
use kdeck::event::Event;
use kdeck::k8s::client::{ConnectOptions, connect};
use kdeck::model::ClusterState;
use kdeck::policy::PolicyRules;
use kdeck::ui::theme::Theme;
use tokio::sync::mpsc;

/// How long `run_until` waits unless told otherwise.
pub const LIMIT: Duration = Duration::from_secs(30);

/// The loop without a terminal: events in, `Sources::observe`, `Session::handle`, effects
/// out to the real runner, a refresh per batch.
pub struct Driver {
    pub session: Session,
    pub sources: Sources,
    rx: mpsc::Receiver<Event>,
    tx: mpsc::Sender<Event>,
    /// Every effect `update` asked for, in order.
    pub effects: Vec<Effect>,
}

impl Driver {
    pub async fn start(kubeconfig: &std::path::Path, context: &str, config: &str) -> Driver {
        let options = ConnectOptions {
            kubeconfig: Some(kubeconfig.to_path_buf()),
            context: Some(context.into()),
            namespace: None,
        };
        let conn = connect(&options).await.unwrap();
        let rules = PolicyRules {
            config: Config::parse(config, std::path::Path::new("config.toml")).unwrap(),
            ..PolicyRules::default()
        };
        let (tx, rx) = mpsc::channel(4096);
        let (sources, stores) = Sources::start(options, rules.clone(), &conn, &tx);
        let model = Model::new(
            connection_info(&conn),
            ClusterState::new(stores),
            rules,
            Theme::default_theme(),
            jiff::Timestamp::now(),
        );
        Driver { session: Session::new(model), sources, rx, tx, effects: Vec::new() }
    }

    fn carry_out(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            self.effects.push(effect.clone());
            self.sources.carry_out(effect, &self.tx);
        }
    }

    /// Keys typed in one read.
    pub fn type_keys(&mut self, text: &str) {
        for c in text.chars() {
            let effects = self.session.handle(key_event(c));
            self.carry_out(effects);
        }
        self.session.refresh(false);
    }

    /// Run the loop until `done` holds for the projected screen, or fail after LIMIT.
    pub async fn run_until(&mut self, what: &str, done: impl Fn(&Session) -> bool) {
        self.run_until_within(what, LIMIT, done).await
    }

    /// The same with a deadline of `limit`.
    pub async fn run_until_within(&mut self, what: &str, limit: Duration, done: impl Fn(&Session) -> bool) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            self.session.refresh(true);
            if done(&self.session) {
                return;
            }
            let Ok(Some(mut event)) = tokio::time::timeout_at(deadline, self.rx.recv()).await else {
                panic!("timed out waiting for {what}; flash: {:?}", self.session.model.ui.flash);
            };
            self.session.model.now = jiff::Timestamp::now();
            self.sources.observe(&mut event);
            let effects = self.session.handle(event);
            self.carry_out(effects);
        }
    }
}
