//! The interactive terminal UI: `binlens PATH...`.
//!
//! Model, update, view: [`app::App`] holds the state and `App::update(Action)` is its only
//! mutator; keys become actions through the one table in [`keymap`]; the widgets in
//! [`views`], [`list`], [`timeline`] draw an `&App`. The index builds in slices of a few
//! milliseconds between key presses ([`run`]), and the App browses, filters and decodes
//! whatever is indexed so far, catching up after each slice ([`growth`]); slow work runs
//! on the [`worker`] thread. Input and worker results arrive on one channel, drained fully
//! before each redraw. The App's state is in parts with their own updates: the filter
//! session ([`filtering`]) and an applied filter's scan filling the list ([`scan`]),
//! the awaited job ([`work`]), the marks ([`marks`]), the timeline, the export dialog and
//! the detail pane. [`live`] browses a live server
//! through a spool that [`crate::source`] fills.
//! May import `format`, `index`, `insight`, `schema`, `lang`, `filter`, `export` and `source`; never `cli`. ratatui and crossterm
//! live only here.

pub mod action;
pub mod app;
pub mod detail;
pub mod export_dialog;
pub mod filtering;
pub mod growth;
pub mod keymap;
pub mod list;
pub mod live;
pub mod marks;
pub mod navigate;
pub mod row_history;
pub mod run;
pub mod scan;
pub mod stats_view;
pub mod terminal;
pub mod timeline;
pub mod txn_rows;
pub mod views;
pub mod work;
pub mod worker;

pub use live::run_live;
pub use run::run;
pub use terminal::{install_panic_hook, restore as restore_terminal};
