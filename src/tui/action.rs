//! Everything that can change the [`App`](super::app::App): one variant per user intent
//! or outside happening. `App::update` is the only place they are applied.
//! (`PartialEq` compares only the kind of a worker result, for the keymap tests.)

use super::worker::JobResult;

#[derive(Debug, Clone)]
pub enum Action {
    Down(u32),
    Up(u32),
    PageDown,
    PageUp,
    First,
    Last,
    NextTxn,
    PrevTxn,
    OpenDetail,
    NextEvent,
    PrevEvent,
    ToggleHex,
    OpenGoto,
    PromptInput(char),
    PromptBackspace,
    PromptAccept,
    MarkStart,
    MarkStop,
    ClearMarks,
    ToggleTxnView,
    ToggleExpand,
    CycleTimeZone,
    OpenHelp,
    /// Quit, asking first when marks would be lost.
    Quit,
    QuitNow,
    /// Esc: out of a prompt, a pane or the help.
    Back,
    OpenFilter,
    OpenSearch,
    SearchNext,
    SearchPrev,
    OpenExport,
    ExportFlavor,
    ExportGtid,
    ExportSkip,
    ExportOutput,
    ExportCopy,
    ExportWrite,
    ExportAccept,
    /// A result from the worker thread.
    JobDone(Box<JobResult>),
    /// The terminal's new size in cells.
    Resize(u16, u16),
    /// The index grew or finished: catch up (counts, timeline, a filter to extend).
    Indexed,
    /// Follow mode's timer: look for appended events.
    Poll,
    /// `F`: follow the last file (or stop).
    ToggleFollow,
    /// `b`: the timeline counts events or bytes.
    ToggleTimelineBytes,
    /// Tab: the stats view of the set or the marked range.
    OpenStats,
    /// Enter in the stats view: filter to the table, jump to the transaction or time.
    StatsAccept,
}

impl PartialEq for Action {
    fn eq(&self, other: &Action) -> bool {
        use Action::{Down, JobDone, PromptInput, Resize, Up};
        match (self, other) {
            (Down(a), Down(b)) | (Up(a), Up(b)) => a == b,
            (PromptInput(a), PromptInput(b)) => a == b,
            (Resize(a, b), Resize(c, d)) => (a, b) == (c, d),
            (JobDone(_), JobDone(_)) => true,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}
