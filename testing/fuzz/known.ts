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

// region-leak (regions never freed) was fixed: a region is freed with its last mapping and send right (kernel/vm/region.ts).
export const KNOWN_BUGS: readonly KnownBug[] = [];

/**
 * Contract: the id of the known bug that explains every problem of a failure,
 * or null when some problem is not explained (a new bug) or there are none.
 *
 * @example
 * knownBug(['audit: port 6 (s1): srights 3 but 2 send rights exist'], [{ id: 'srights', pattern: /srights/, what: '…', seed: 1 }]); // 'srights'
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
