import type { KMsg } from '../../ports/message.ts';
import type { Port } from '../../ports/port.ts';
import { releaseRight, type RightHooks } from '../../ports/rights.ts';
import type { Task } from '../../tasks/task.ts';

/**
 * A counting semaphore (Mach's `semaphore_create` / `semaphore_wait` /
 * `semaphore_signal`, and POSIX's named ones), a kernel object named by a
 * port. A task that waits on it at 0 blocks (the waiting state, as for a
 * message) until a signal; waiters are woken first come, first served. As a
 * mutex (`mutex: true`), it remembers who holds it, for the deadlock report.
 */
export class Semaphore {
  /** Requests of blocked waiters, in order (their replies wake them). */
  readonly waiters: { task: Task; request: KMsg }[] = [];
  /** The task that holds a mutex (the last to take it without giving it back). */
  holder: Task | null = null;

  constructor(
    readonly port: Port,
    public value: number,
    readonly name: string,
    readonly mutex: boolean,
  ) {
    port.kobject = this;
  }

  /**
   * Drops the waiters whose task has ended (killed or crashed while it waited):
   * their requests are abandoned (the reply right released), so the next signal
   * goes to a live waiter or counts up, never to a task that cannot take it.
   */
  prune(hooks: RightHooks): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.task.state !== 'terminated') continue;
      this.waiters.splice(i, 1);
      const r = w.request.reply;
      w.request.reply = null;
      if (r) releaseRight(r, hooks, 'abandoned');
    }
  }

  /** What a blocked waiter waits on, for the deadlock report: `semaphore /m (0) held by a(3)`. */
  describe(): string {
    const held = this.mutex && this.holder ? ` held by ${this.holder.name}(${this.holder.pid})` : '';
    return `${this.mutex ? 'mutex' : 'semaphore'} ${this.name || `port ${this.port.id}`} (value ${this.value})${held}`;
  }
}
