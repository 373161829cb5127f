//! Everything that can change the [`App`](super::app::App): one variant per user intent
//! or outside happening. `App::update` is the only place they are applied.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    CycleTimeZone,
    OpenHelp,
    /// Quit, asking first when marks would be lost.
    Quit,
    QuitNow,
    /// Esc: out of a prompt, a pane or the help.
    Back,
    /// The terminal's new size in cells.
    Resize(u16, u16),
}
