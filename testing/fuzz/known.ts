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
    id: 'region-leak',
    pattern: /^object: region port \d+ \([^)]*\): leaked /,
    what:
      'A memory region is never freed. Its port\'s receive right stays in the kernel\'s space (kernel/server/memory-routines.ts region_create) ' +
      'after the last send right goes (port_deallocate, the task\'s end) and the last mapping goes (region_unmap, the end of the process: ' +
      'kernel/task/lifecycle.ts unmaps without looking further); a MAP_PRIVATE copy made at fork (task-routines.ts) has no send right at all, ' +
      'so it outlives the child that maps it. Mach frees a memory object with its last reference. The fix wants a hook from the IPC layer\'s ' +
      'no-senders (kernel/ipc/ipc.ts, which may not import kernel/vm/) and from unmapping into the kernel core: not a small change. ' +
      'Smallest reproduction: one task that does region_create (private), region_map, and exits ' +
      '(npm run fuzz -- --workload \'{"seed":9,"sched":{"policy":"fcfs","cpus":1,"quantum":1},"cascade":false,"tasks":[{"priority":0,"at":0,"qlimit":5,"steps":[{"op":"region","slot":0,"shared":false,"publish":false}]}],"faults":[]}\').',
    seed: 1,
  },
];

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
