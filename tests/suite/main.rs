//! The integration tests: one binary, one module per concern.

// Shared helpers: the corpus, dump comparison, a throwaway MariaDB server, the
// mariadb-binlog -vv reader and comparator.
mod support;
// Dumps of the shared MySQL and MariaDB corpus against the independent oracle.
mod corpus_oracle;
// binlens dump agrees with mariadb-binlog -vv on every binlog in tests/fixtures/mariadb/.
mod fixtures_vv;
// Damaged and hostile binlogs: truncations, bit flips, hand-made bad cases.
mod hostile;
// Nothing from a binlog reaches a terminal raw: text escapes, jsonl JSON-escapes.
mod terminal;
// Every saved fuzz finding replays through the fuzz entry points without a panic.
mod fuzz_regressions;
// A live MariaDB server writes binlogs that the tests can find, read and replay.
mod server_smoke;
// The -vv reader and comparator find zero differences against the corpus oracles.
mod vv_oracle;
// binlens dump on damaged input: clear errors at file:pos, exit 2, what came before kept.
mod dump_damaged;
// A MariaDB binlog written with encrypt_binlog=ON is detected, not misread.
mod dump_encrypted;
// `dump --threads N` writes byte for byte what the single-threaded dump writes.
mod dump_parallel;
// Transaction framing of every kind, on corpus binlogs.
mod index_txn;
// Binlog sets, the background build and the time lookup.
mod index_set;
// The persisted index cache: reuse and invalidation.
mod index_cache;
// Follow mode: appended events, pending tails, files truncated or replaced while mapped.
mod index_follow;
// The filter language over the corpus: matching, search, and apply.
mod filter_match;
mod filter_prefilter;
// The window scan over half a million hand-built events.
mod filter_windows;
// Goto targets: GTIDs, FILE:POS across a set, relative times.
mod filter_goto;
// `binlens dump --filter`.
mod filter_cli;
// The corpus PITR incident recovered on a real server with `binlens replay-cmd`.
mod export_pitr;
// `binlens sql --undo` restores tables of every column type on a real server.
mod export_undo;
// A live incident across binlog rotations, recovered from a dump with `binlens replay-cmd`.
mod export_incident;
// Golden replay commands: GTID sets, multi-file ranges, skips, refusals, quoting.
mod export_commands;
// A binlog truncated under its map: zero pages instead of SIGBUS, and the truncation reported.
mod index_sigbus;
// TUI: App::update action by action.
mod tui_update;
// TUI: whole screens as insta snapshots driven by key strings.
mod tui_screens;
// TUI: the stats view (Tab), update by update, and its screen.
mod tui_stats;
// TUI: end-to-end in a real terminal under tmux.
mod tui_tmux;
// TUI: an applied filter's matches fill the list while its scan runs; Esc cancels.
mod tui_scan;
// The App over an index still building (a test-driven build), timeline units, JSON detail
mod tui_building;
// The row walk counts the rows the full decoder decodes, on every fixture and corpus file.
mod row_walk;
// `dump --format statements` read by pt-query-digest: one query per row and statement.
mod dump_statements;
// `binlens stats` against the oracle's counts.
mod stats_cli;
// `binlens fetch` from live servers: byte-identical spools, follow, crashes, refusals, TLS.
mod source_fetch;
// The schema catalog: names, unsignedness and keys through ALTERs, a schema script, unknowns.
mod schema_catalog;
// One language on every command line: table globs, nothing-selected exits, LOCs in a zone.
mod lang_cli;
// Row history, a range's net effect and undo conflicts against a real server's tables.
mod row_insight;
// Every value exact on random schemas against a real MariaDB: row images, redo and undo SQL.
mod values_property;
// Table-map signedness and charset metadata by flavour agree with the corpus's own DDL.
mod metadata_flavour;
// The cases of issue 14 one by one: redo SQL, undo, dump text and the detail pane.
mod issue_values;
// `binlens export --format parquet` read back by DuckDB: counts against the corpus
// oracles, hive queries over several exports, damaged input, refusals.
#[cfg(feature = "parquet")]
mod export_parquet;
// Every value of the every-type fixtures in the Parquet export equals the jsonl dump.
#[cfg(feature = "parquet")]
mod export_parquet_values;
