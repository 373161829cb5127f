//! Non-interactive subcommands.
