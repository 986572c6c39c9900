/**
 * Kernel bugs the fuzz runner has found and that are not fixed yet. A failing
 * seed whose every problem matches one of these is reported as known (with
 * its id) and does not fail the sweep, so CI stays green while the bug waits
 * for its fix; `--strict` counts them as failures. Remove an entry when its
 * fix lands: then any seed that still shows it fails.
 */
export interface KnownBug {
  /** A short name, printed beside the seeds that show it. */
  id: string;
  /** Matches each problem line the bug causes. */
  pattern: RegExp;
  /** What goes wrong, and where. */
  what: string;
  /** A seed that shows it (`npm run fuzz -- --seed N --verbose` replays and shrinks it). */
  seed: number;
}

export const KNOWN_BUGS: readonly KnownBug[] = [
  {
    id: 'receive-right-cycle',
    pattern: /^audit: \d+ messages? stranded on ports no space can reach/,
    what:
      "Ipc.copyIn (kernel/ipc/ipc.ts) lets a receive right travel to a port whose own receive right waits, in a message, in the first port's queue (A's right queued on B, then B's right sent to A): the ports hold each other in transit, no space can reach them, their messages are never received nor destroyed (the audit's books do not balance) and the ports never die. GNU Mach and XNU check for this at copy-in (ipc_port_check_circularity) and destroy the circular message instead of queueing it.",
    seed: 3635,
  },
];

/**
 * Contract: the id of the known bug that explains every problem of a failure,
 * or null when some problem is not explained (a new bug) or there are none.
 *
 * @example
 * knownBug(['audit: 2 messages stranded on ports no space can reach (receive rights in transit in a cycle): port 5 (s0) 1 queued [after the end]']); // 'receive-right-cycle'
 */
export function knownBug(problems: readonly string[], known: readonly KnownBug[] = KNOWN_BUGS): string | null {
  if (problems.length === 0) return null;
  let id: string | null = null;
  for (const p of problems) {
    const bug = known.find((b) => b.pattern.test(p));
    if (!bug) return null;
    id ??= bug.id;
  }
  return id;
}
