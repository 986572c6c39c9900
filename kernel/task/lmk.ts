import type { ExitStatus } from '../../tasks/pcb.ts';
import type { Task } from '../../tasks/task.ts';

/** Android's process importance classes, most important first. */
export const IMPORTANCE = ['foreground', 'visible', 'service', 'background', 'empty'] as const;
export type Importance = (typeof IMPORTANCE)[number];

/** Options of the device's memory and its low-memory killer (`boot({ memory })`). */
export interface MemoryOptions {
  /** The device's memory, in MB (default: unlimited, no killer). */
  total?: number;
  /**
   * Free-memory thresholds in MB by class, as Android's minfree: when free memory falls
   * below a class's threshold, processes of that class (and less important ones) may be
   * killed. Default: empty 300, background 200, service 100, visible 50, foreground 10.
   */
  thresholds?: Partial<Record<Importance, number>>;
  /** Within a class, kill the largest first (default) or the least recently used. */
  pick?: 'largest' | 'lru';
}

const DEFAULT_THRESHOLDS: Record<Importance, number> = { empty: 300, background: 200, service: 100, visible: 50, foreground: 10 };

/** What the killer needs of the kernel. */
export interface LmkKernel {
  readonly tasks: ReadonlyMap<number, Task>;
  readonly clock: { now(): number };
  readonly trace: { readonly on: boolean; emit(r: { t: number; kind: 'lmk'; pid: number; task: string; detail: string }): number };
  killProcess(proc: Task, status: ExitStatus, why: string): void;
}

/**
 * Android's low-memory killer. Processes carry an importance class and a
 * memory allocation of their own (`mem_alloc` / `mem_free`); the device has a
 * fixed memory. After every allocation and class change, while free memory is
 * below a class's threshold, the killer ends the least important process of
 * that class or below (within a class: the largest, or the least recently
 * used), with a trace record saying why. A service bound by a more important
 * process (`bind`) counts as that process's class.
 */
export class LowMemoryKiller {
  readonly total: number;
  private readonly thresholds: Record<Importance, number>;
  private readonly pick: 'largest' | 'lru';
  /** Who each process is bound by (a service and the tasks using it). */
  private readonly boundBy = new Map<Task, Set<Task>>();
  /** Kills so far, for reports: time, pid, name, class, MB freed, why. */
  readonly kills: { t: number; pid: number; name: string; importance: Importance; freed: number; why: string }[] = [];

  constructor(options: MemoryOptions = {}) {
    this.total = options.total ?? Infinity;
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...(options.thresholds ?? {}) };
    this.pick = options.pick ?? 'largest';
  }

  /** MB allocated by live processes. */
  used(k: LmkKernel): number {
    let n = 0;
    for (const t of k.tasks.values()) if (!t.threadOf && !t.processEnded) n += t.pcb.allocated;
    return n;
  }

  free(k: LmkKernel): number {
    return this.total - this.used(k);
  }

  /** A process's class, raised to the class of the most important live process bound to it. */
  effective(t: Task): Importance {
    let best = IMPORTANCE.indexOf(t.pcb.importance);
    for (const b of this.boundBy.get(t) ?? []) if (!b.processEnded) best = Math.min(best, IMPORTANCE.indexOf(b.pcb.importance));
    return IMPORTANCE[best]!;
  }

  /** `client` uses the service `service`: the service counts as at least client's class. */
  bind(service: Task, client: Task): void {
    let s = this.boundBy.get(service);
    if (!s) this.boundBy.set(service, (s = new Set()));
    s.add(client);
  }

  /**
   * Kills until free memory is above every threshold that has a candidate,
   * least important first. Returns the pids killed. `spare` is never chosen
   * (the process whose allocation asked).
   */
  reclaim(k: LmkKernel, spare: Task | null): number[] {
    const killed: number[] = [];
    if (this.total === Infinity) return killed;
    for (;;) {
      const free = this.free(k);
      let victim: Task | null = null;
      let level = -1;
      for (let c = IMPORTANCE.length - 1; c >= 0 && !victim; c--) {
        const cls = IMPORTANCE[c]!;
        if (free >= this.thresholds[cls]) continue;
        // Candidates: live processes of this class or less important, with memory to give.
        for (const t of k.tasks.values()) {
          if (t.threadOf || t.processEnded || t === spare || t.pcb.allocated <= 0) continue;
          const ec = IMPORTANCE.indexOf(this.effective(t));
          if (ec < c) continue;
          if (!victim || ec > level || (ec === level && this.before(t, victim))) {
            victim = t;
            level = ec;
          }
        }
      }
      if (!victim) return killed;
      const cls = IMPORTANCE[level]!;
      const freed = victim.pcb.allocated;
      const why = `low memory: ${free} MB free < ${this.thresholds[cls]} MB for ${cls}; ${victim.name} (${cls}, ${freed} MB${this.pick === 'lru' ? `, last active t=${victim.pcb.lastActive}` : ''}) is the least important`;
      this.kills.push({ t: k.clock.now(), pid: victim.pid, name: victim.name, importance: cls, freed, why });
      if (k.trace.on) k.trace.emit({ t: k.clock.now(), kind: 'lmk', pid: victim.pid, task: victim.name, detail: why });
      k.killProcess(victim, { code: 137, reason: 'killed', error: why }, 'low-memory killer');
      killed.push(victim.pid);
    }
  }

  /** Within a class: the larger allocation first, or the least recently active. */
  private before(a: Task, b: Task): boolean {
    if (this.pick === 'lru') return a.pcb.lastActive < b.pcb.lastActive || (a.pcb.lastActive === b.pcb.lastActive && a.pid < b.pid);
    return a.pcb.allocated > b.pcb.allocated || (a.pcb.allocated === b.pcb.allocated && a.pid < b.pid);
  }
}
