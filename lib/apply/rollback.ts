// What an apply undoes when it fails, so that a failed replace leaves no outage behind: a container set
// aside for its replacement comes back, a network removed for its replacement is made again from the
// plan's observation and its endpoints are reconnected. Each entry is settled once the step that
// needed it has succeeded; whatever is still pending when the apply fails is undone, newest first.
import { errorText } from '../drivers/docker';

export interface RollbackOutcome {
  what: string;
  error?: string;
}

export class Rollback {
  private readonly pending = new Map<string, { what: string; undo: () => Promise<void> }>();

  /** Registers how to undo something that is now half done. */
  add(key: string, what: string, undo: () => Promise<void>): void {
    this.pending.set(key, { what, undo });
  }

  /** The step succeeded: nothing to undo for it any more. */
  settle(key: string): void {
    this.pending.delete(key);
  }

  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** Undoes everything still pending, newest first; every undo is tried, failures reported. */
  async run(): Promise<RollbackOutcome[]> {
    const outcomes: RollbackOutcome[] = [];
    for (const [key, entry] of [...this.pending].reverse()) {
      try {
        await entry.undo();
        outcomes.push({ what: entry.what });
      } catch (e) {
        outcomes.push({ what: entry.what, error: errorText(e) });
      }
      this.pending.delete(key);
    }
    return outcomes;
  }
}
