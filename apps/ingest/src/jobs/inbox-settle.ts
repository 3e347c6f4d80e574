import { statSync } from 'node:fs';

/** A file of the inbox not yet unchanged for the settle time. */
export interface UnsettledFile {
  file: string;
  /** Milliseconds since its last change, as far as the job can tell. */
  ageMs: number;
  /** When it will have been unchanged for the settle time, if it does not change again. */
  readyAt: number;
}

/** One observation of a file, and when it last changed. */
interface Seen {
  size: number;
  mtimeMs: number;
  observedAt: number;
  changedAt: number;
}

/**
 * Tells which files may still be being written: a file is settled once its size and modification
 * time have not changed for `settleMs`. A file seen for the first time last changed at its
 * modification time (now, if that is in the future: a writer whose clock runs ahead). A change seen
 * between two observations happened at the new modification time when that falls between them, and
 * otherwise now: a copy that sets the modification time back to the source's when it ends (`cp -p`)
 * is waited for as well, not taken as old.
 */
export class InboxSettleWatch {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly settleMs: number) {}

  /** The files of `files` not settled at `now`, in the order given; a file gone is skipped (it is not taken). */
  unsettled(files: readonly string[], now: number): UnsettledFile[] {
    const pending: UnsettledFile[] = [];
    for (const file of files) {
      const st = statSync(file, { throwIfNoEntry: false });
      if (!st) {
        this.seen.delete(file);
        continue;
      }
      const before = this.seen.get(file);
      let changedAt: number;
      if (!before) changedAt = Math.min(st.mtimeMs, now);
      else if (before.size === st.size && before.mtimeMs === st.mtimeMs) changedAt = before.changedAt;
      else changedAt = st.mtimeMs > before.observedAt && st.mtimeMs <= now ? st.mtimeMs : now;
      this.seen.set(file, { size: st.size, mtimeMs: st.mtimeMs, observedAt: now, changedAt });
      if (now - changedAt < this.settleMs)
        pending.push({ file, ageMs: now - changedAt, readyAt: changedAt + this.settleMs });
    }
    return pending;
  }
}
