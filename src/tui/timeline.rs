//! Events and bytes per time bucket over the whole set, counted when the app starts and
//! again as the index grows (each time it has grown by a quarter, and once at the end),
//! and the sparkline that draws either with the cursor and the marks.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::Widget;

use crate::index::EventIndex;

use super::app::App;

const BUCKETS: usize = 512;

#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub first: u32,
    pub last: u32,
    pub counts: Vec<u64>,
    /// Bytes of the events in each bucket.
    pub bytes: Vec<u64>,
    /// How many events were counted (the index may have grown since).
    pub events: usize,
    /// The earliest and latest (non-zero) timestamps of those events.
    pub min: u32,
    pub max: u32,
}

/// The timeline as the App keeps it: the counts, recounted as the index grows, and
/// whether they are shown as events or bytes.
#[derive(Debug, Clone, Default)]
pub struct TimelineState {
    pub counted: Timeline,
    /// Bytes per bucket, not events.
    pub bytes: bool,
}

impl TimelineState {
    pub fn toggle_units(&mut self) {
        self.bytes = !self.bytes;
    }

    /// Recounts after the index grew: by a quarter while building, at the end once built
    /// (while following, only when it grew by more than a sixty-fourth, so each poll is
    /// not a recount).
    pub fn catch_up(&mut self, index: &crate::index::EventIndex, finished: bool, following: bool) {
        let (n, counted) = (index.len(), self.counted.events);
        let stale = n != counted
            && (n > counted + counted / 4
                || (finished && (!following || n > counted + counted / 64)));
        if stale {
            self.counted = Timeline::build(index);
        }
    }
}

impl Timeline {
    /// One pass over the timestamp and position columns. The span
    /// runs from the 0.5th to the 99.5th percentile of a sample, so one stray clock (a
    /// `SET TIMESTAMP` years away) does not squash everything into one column.
    pub fn build(ix: &EventIndex) -> Timeline {
        let ts = ix.timestamps();
        let step = (ts.len() / 65_536).max(1);
        let mut sample: Vec<u32> = ts
            .iter()
            .step_by(step)
            .copied()
            .filter(|&t| t != 0)
            .collect();
        if sample.is_empty() {
            return Timeline {
                events: ts.len(),
                ..Timeline::default()
            };
        }
        sample.sort_unstable();
        let at = |q: usize| sample[(sample.len() - 1) * q / 1000];
        let (first, last) = (at(5), at(995));
        // Timestamps are whole seconds: no bucket narrower than one.
        let buckets = BUCKETS.min((last - first) as usize + 1);
        let mut tl = Timeline {
            first,
            last,
            counts: vec![0; buckets],
            bytes: vec![0; buckets],
            events: ts.len(),
            min: u32::MAX,
            max: 0,
        };
        // Most events share their second with the one before: for those the bucket is
        // known, and the counts of a run in one bucket stay in registers. This loop is
        // the whole cost.
        let k = buckets as f64 / (f64::from(last - first) + 1.0);
        let (mut run, mut n, mut bytes) = (0usize, 0u64, 0u64);
        let (mut min, mut max, mut prev) = (u32::MAX, 0, 0);
        ix.for_each_time_and_size(|t, size| {
            if t == 0 {
                return;
            }
            if t != prev {
                prev = t;
                min = min.min(t);
                max = max.max(t);
                let off = t.clamp(first, last) - first;
                let b = ((f64::from(off) * k) as usize).min(buckets - 1);
                if b != run {
                    tl.counts[run] += n;
                    tl.bytes[run] += bytes;
                    (run, n, bytes) = (b, 0, 0);
                }
            }
            n += 1;
            bytes += size;
        });
        tl.counts[run] += n;
        tl.bytes[run] += bytes;
        (tl.min, tl.max) = (min, max);
        tl
    }

    /// The column of `ts` among `width` columns.
    pub fn bucket(&self, ts: u32, width: usize) -> usize {
        let span = u64::from(self.last - self.first) + 1;
        let off = u64::from(ts.clamp(self.first, self.last)) - u64::from(self.first);
        (((off * width as u64) / span) as usize).min(width - 1)
    }

    /// Per column of a `width`-wide sparkline, the events (or bytes) of its time slice;
    /// with fewer buckets than columns (a set spanning seconds), a bucket spans several
    /// columns, each drawn at its height.
    pub fn columns(&self, width: usize, bytes: bool) -> Vec<u64> {
        let src = if bytes { &self.bytes } else { &self.counts };
        if width == 0 || src.is_empty() {
            return vec![0; width];
        }
        if src.len() < width {
            return (0..width).map(|x| src[x * src.len() / width]).collect();
        }
        let mut cols = vec![0u64; width];
        for (i, c) in src.iter().enumerate() {
            cols[i * width / src.len()] += c;
        }
        cols
    }
}

/// The sparkline: one cell per time slice, `│` at the cursor, the marked span underlined.
pub struct TimelineView<'a> {
    pub app: &'a App,
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

impl Widget for TimelineView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let tl = &self.app.timeline.counted;
        let w = area.width as usize;
        if w == 0 || tl.counts.is_empty() {
            return;
        }
        let cols = tl.columns(w, self.app.timeline.bytes);
        let max = cols.iter().copied().max().unwrap_or(1).max(1);
        let b = self.app.build.read();
        let ix = &b.index;
        let col_of = |e| tl.bucket(ix.timestamp(e), w).min(w - 1);
        let cursor = (self.app.event_count() > 0).then(|| col_of(self.app.cursor));
        let marked = self.app.marked().map(|(a, b)| (col_of(a), col_of(b)));
        let color = super::views::colors();
        for (x, &c) in cols.iter().enumerate() {
            let mut style = Style::default();
            let sym = if Some(x) == cursor {
                style = style.add_modifier(Modifier::BOLD);
                if color {
                    style = style.fg(Color::Yellow);
                }
                '│'
            } else if c == 0 {
                ' '
            } else {
                BARS[((c * 7) / max) as usize]
            };
            if marked.is_some_and(|(a, b)| a <= x && x <= b) {
                style = style.add_modifier(Modifier::UNDERLINED);
                if color {
                    style = style.bg(Color::Blue);
                }
            }
            buf[(area.x + x as u16, area.y)]
                .set_char(sym)
                .set_style(style);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Timeline;

    fn tl(counts: Vec<u64>) -> Timeline {
        Timeline {
            bytes: counts.iter().map(|c| c * 100).collect(),
            counts,
            ..Timeline::default()
        }
    }

    #[test]
    fn more_buckets_than_columns_add_up() {
        let t = tl((1..=8).collect());
        assert_eq!(t.columns(4, false), vec![3, 7, 11, 15]);
        assert_eq!(t.columns(4, true), vec![300, 700, 1100, 1500]);
    }

    #[test]
    fn fewer_buckets_than_columns_spread_without_gaps() {
        let t = tl(vec![5, 0, 9]);
        assert_eq!(t.columns(6, false), vec![5, 5, 0, 0, 9, 9]);
        assert_eq!(Timeline::default().columns(3, false), vec![0, 0, 0]);
    }
}
