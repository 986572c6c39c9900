import { Random } from '../../index.ts';

/**
 * A fuzz workload as plain data: scheduler settings, a list of tasks (each a
 * list of steps, nested for forked children and threads) and a list of faults.
 * It is made from a seed alone (`generate`), run by `runWorkload`, and shrunk
 * by removing and simplifying its parts (`shrink`); it prints as text
 * (`describeWorkload`) and round-trips through JSON (`--workload`).
 *
 * Indices are taken modulo what exists when the step runs (`to` names one of
 * the services s0…s(n-1) or a right the task received), so every part of a
 * workload still means something after any other part is removed.
 */
export interface Workload {
  /** The seed it was made from; also the kernel's seed. */
  seed: number;
  sched: { policy: 'fcfs' | 'rr' | 'priority'; cpus: number; quantum: number };
  /** process: { cascade } (children end with their parent). init is always on. */
  cascade: boolean;
  tasks: TaskSpec[];
  faults: Fault[];
}

/** A top-level task: it owns service port `s<i>` (made before the run, checked in with the name service). */
export interface TaskSpec {
  priority: number;
  /** Arrival time (ms). */
  at: number;
  /** The service port's queue limit; null is unbounded. */
  qlimit: number | null;
  steps: Step[];
}

/** Full-queue policies of a send: wait, wait at most `ms`, return at once, cache one. */
export type SendPolicy = 'wait' | 'timeout' | 'return' | 'cache';

/** A right a message carries beside its body. */
export type Carry = 'none' | 'make-send' | 'copy-send' | 'move-send' | 'make-send-once' | 'move-receive' | 'move-mine' | 'handle';

/** One step of a task's program. */
export type Step =
  /** msg_send to target `to` (a service or a right received), with a body marked for the FIFO check. */
  | { op: 'send'; to: number; policy: SendPolicy; ms: number; carry: Carry }
  /** msg_rpc to `to` with a reply port of the task's own; send timeout `ms`, receive timeout `ms + 1`. */
  | { op: 'rpc'; to: number; ms: number }
  /** msg_send_receive: send to `to` (timeout `ms`), then receive on the task's port (timeout `ms + 1`), in one trap. */
  | { op: 'sendrecv'; to: number; ms: number }
  /** msg_receive on the task's port, its port set or the last port whose receive right it got; `ms` null waits forever. */
  | { op: 'receive'; from: 'mine' | 'set' | 'owned'; ms: number | null; then: 'keep' | 'drop' | 'reply' }
  /** port_move_member: the task's port into its set, or out. */
  | { op: 'member'; into: boolean }
  /** port_set_qlimit on the task's port (null: unbounded). */
  | { op: 'qlimit'; n: number | null }
  /** port_destroy the task's port (queued messages destroyed, senders see it die), then a new one checked in under the same name. */
  | { op: 'renew' }
  /** port_request_notification: dead-name on target `to`, or no-senders on the task's port. */
  | { op: 'notify'; kind: 'dead-name' | 'no-senders'; to: number }
  /** port_deallocate the task's right to target `to`. */
  | { op: 'forget'; to: number }
  /** Poll the notify port (up to 4 notifications). */
  | { op: 'drain' }
  /** fork a child that runs `steps` (sharing all send rights or none). */
  | { op: 'fork'; share: boolean; steps: Step[] }
  /** thread_create a thread that runs `steps` in the task's space. */
  | { op: 'thread'; steps: Step[] }
  /** kill a forked child by handle. */
  | { op: 'kill'; child: number; signal: 'kill' | 'term' | 'stop' | 'cont' }
  /** wait for any child (nohang: poll). */
  | { op: 'wait'; nohang: boolean }
  /** exit(code): ends every thread of the process. */
  | { op: 'exit'; code: number }
  | { op: 'compute'; ms: number }
  | { op: 'sleep'; ms: number }
  // --- the other kernel objects a user reaches: direct links, mailboxes, regions, semaphores ---
  /** link_open to peer `to` (services' tasks, then the parent, then children; modulo) with a capacity each way (null: unbounded). */
  | { op: 'link'; to: number; capacity: number | null }
  /** sys.send(pid, …) to peer `to`: blocking, `try` ({ block: false }) or with a timeout of `ms`. */
  | { op: 'dsend'; to: number; mode: DirectMode; ms: number }
  /** sys.receive from peer `to`, or from ANY (`to` null). */
  | { op: 'drecv'; to: number | null; mode: DirectMode; ms: number }
  /** mailbox_create in slot `slot` (checked in as `mb<slot>`), with a sharing rule and a capacity (null: unbounded). */
  | { op: 'mbox'; slot: number; sharing: MailboxSharing; capacity: number | null; pick: 'round-robin' | 'random' }
  /** mailbox_send to the mailbox in slot `slot` (its own, looked up, or made now: see `Programs`), with a full-queue policy. */
  | { op: 'msend'; slot: number; policy: SendPolicy; ms: number }
  /** mailbox_receive from slot `slot`: forever (`ms` null) or with a timeout; `wait: false` never waits its turn. */
  | { op: 'mrecv'; slot: number; ms: number | null; wait: boolean }
  /** mailbox_destroy (only its creator's works). */
  | { op: 'mdestroy'; slot: number }
  /** region_create (shared or private), map it and write to it; `publish` checks it in as `rg<slot>`. */
  | { op: 'region'; slot: number; shared: boolean; publish: boolean }
  /** Map the region in slot `slot` (the task's own, else looked up) and write a byte. */
  | { op: 'map'; slot: number }
  /** region_unmap the region in slot `slot`. */
  | { op: 'unmap'; slot: number }
  /** port_deallocate the task's right to the region in slot `slot` (its mapping stays). */
  | { op: 'rdrop'; slot: number }
  /** semaphore_create (a counting semaphore at `value`, or a mutex), checked in as `sm<slot>`. */
  | { op: 'sem'; slot: number; mutex: boolean; value: number }
  /** semaphore_wait on slot `slot`: forever (`ms` null) or with a timeout (0: try). */
  | { op: 'swait'; slot: number; ms: number | null }
  /** semaphore_signal on slot `slot`. */
  | { op: 'ssignal'; slot: number }
  /** semaphore_destroy on slot `slot` (its waiters get KERN_TERMINATED). */
  | { op: 'sdestroy'; slot: number };

/** How a direct send or receive waits: blocking, not at all, or at most `ms`. */
export type DirectMode = 'block' | 'try' | 'timeout';
/** A mailbox's sharing rule. */
export type MailboxSharing = 'pair' | 'one-at-a-time' | 'system-picks';

/** Slots for mailboxes, regions and semaphores (objects a workload names by slot). */
export const SLOTS = 2;

/** Kinds of injected faults. */
export type FaultKind = 'crash' | 'kill' | 'port-death' | 'loss' | 'kill-blocked';
export const FAULT_KINDS: readonly FaultKind[] = ['crash', 'kill', 'port-death', 'loss', 'kill-blocked'];

/**
 * A fault injected into task `task` at virtual time `at`:
 * - crash: the task's program throws at its first step boundary at or after `at`;
 * - kill: a daemon "monkey" task kills it (`kill(handle, 'kill')`) at `at`;
 * - kill-blocked: the monkey, from `at` on, asks every 1 ms (task_info) whether the task
 *   waits in a system call (on a semaphore, a mailbox, a link, a port…) and kills it then
 *   (it gives up after 30 ms): death in the middle of a blocking call;
 * - port-death: a thread of the task destroys its service port at `at` (for good);
 * - loss: a thread of the task destroys its service port at `at`, losing every queued
 *   message (counted as destroyed), and checks a new one in under the same name.
 */
export interface Fault {
  kind: FaultKind;
  task: number;
  at: number;
}

/** What `generate` may put in a workload. */
export interface GenerateOptions {
  /** Fault kinds to inject (default: all five). */
  faults?: readonly FaultKind[];
}

type Pick<T> = readonly (readonly [number, T])[];

/** A weighted choice. */
function pick<T>(rng: Random, table: Pick<T>): T {
  let total = 0;
  for (const [w] of table) total += w;
  let x = rng.next() * total;
  for (const [w, v] of table) if ((x -= w) < 0) return v;
  return table[table.length - 1]![1];
}

const QLIMITS: Pick<number | null> = [[2, 0], [3, 1], [3, 2], [2, 5], [1, null]];
const OPS: Pick<Step['op']> = [
  [22, 'send'], [5, 'rpc'], [3, 'sendrecv'], [20, 'receive'], [4, 'member'], [3, 'qlimit'], [3, 'renew'], [4, 'notify'],
  [3, 'forget'], [4, 'drain'], [5, 'fork'], [4, 'thread'], [4, 'kill'], [5, 'wait'], [2, 'exit'], [6, 'compute'], [6, 'sleep'],
  [2, 'link'], [8, 'dsend'], [7, 'drecv'], [2, 'mbox'], [7, 'msend'], [7, 'mrecv'], [1, 'mdestroy'],
  [2, 'region'], [3, 'map'], [2, 'unmap'], [2, 'rdrop'], [2, 'sem'], [8, 'swait'], [8, 'ssignal'], [1, 'sdestroy'],
];
const MODES: Pick<DirectMode> = [[3, 'block'], [2, 'try'], [3, 'timeout']];
const CARRY: Pick<Carry> = [[10, 'none'], [3, 'make-send'], [2, 'copy-send'], [1, 'move-send'], [2, 'make-send-once'], [2, 'move-receive'], [1, 'move-mine'], [1, 'handle']];

/** One step; `depth` 0 is a top-level task, 1–2 forked children, `inThread` a thread's list (no forks or threads there). */
function step(rng: Random, depth: number, inThread: boolean): Step {
  for (;;) {
    const op = pick(rng, OPS);
    switch (op) {
      case 'send':
        return { op, to: rng.int(0, 7), policy: pick(rng, [[3, 'wait'], [3, 'timeout'], [2, 'return'], [2, 'cache']] as const), ms: rng.int(0, 5), carry: pick(rng, CARRY) };
      case 'rpc':
      case 'sendrecv':
        return { op, to: rng.int(0, 7), ms: rng.int(0, 6) };
      case 'receive':
        return {
          op,
          from: pick(rng, [[6, 'mine'], [2, 'set'], [2, 'owned']] as const),
          ms: rng.next() < 0.15 ? null : rng.int(0, 6),
          then: pick(rng, [[2, 'keep'], [2, 'drop'], [2, 'reply']] as const),
        };
      case 'member':
        return { op, into: rng.next() < 0.6 };
      case 'qlimit':
        return { op, n: pick(rng, QLIMITS) };
      case 'renew':
      case 'drain':
        return { op };
      case 'notify':
        return { op, kind: rng.next() < 0.5 ? 'dead-name' : 'no-senders', to: rng.int(0, 7) };
      case 'forget':
        return { op, to: rng.int(0, 7) };
      case 'fork':
        if (inThread || depth >= 2) continue;
        return { op, share: rng.next() < 0.5, steps: steps(rng, 0, 6, depth + 1, false) };
      case 'thread':
        if (inThread || depth >= 2) continue;
        return { op, steps: steps(rng, 0, 4, depth, true) };
      case 'kill':
        return { op, child: rng.int(0, 3), signal: pick(rng, [[4, 'kill'], [3, 'term'], [1, 'stop'], [1, 'cont']] as const) };
      case 'wait':
        return { op, nohang: rng.next() < 0.7 };
      case 'exit':
        return { op, code: rng.int(0, 3) };
      case 'compute':
        return { op, ms: rng.int(1, 4) };
      case 'sleep':
        return { op, ms: rng.int(0, 4) };
      case 'link':
        return { op, to: rng.int(0, 7), capacity: pick(rng, QLIMITS) };
      case 'dsend':
        return { op, to: rng.int(0, 7), mode: pick(rng, MODES), ms: rng.int(0, 5) };
      case 'drecv':
        return { op, to: rng.next() < 0.5 ? null : rng.int(0, 7), mode: pick(rng, MODES), ms: rng.int(0, 6) };
      case 'mbox':
        return {
          op, slot: rng.int(0, SLOTS - 1), sharing: pick(rng, [[1, 'pair'], [2, 'one-at-a-time'], [2, 'system-picks']] as const),
          capacity: pick(rng, QLIMITS), pick: rng.next() < 0.5 ? 'round-robin' : 'random',
        };
      case 'msend':
        return { op, slot: rng.int(0, SLOTS - 1), policy: pick(rng, [[3, 'wait'], [3, 'timeout'], [2, 'return'], [1, 'cache']] as const), ms: rng.int(0, 5) };
      case 'mrecv':
        return { op, slot: rng.int(0, SLOTS - 1), ms: rng.next() < 0.3 ? null : rng.int(0, 6), wait: rng.next() < 0.8 };
      case 'region':
        return { op, slot: rng.int(0, SLOTS - 1), shared: rng.next() < 0.5, publish: rng.next() < 0.5 };
      case 'sem':
        return { op, slot: rng.int(0, SLOTS - 1), mutex: rng.next() < 0.3, value: rng.int(0, 2) };
      case 'swait':
        return { op, slot: rng.int(0, SLOTS - 1), ms: rng.next() < 0.4 ? null : rng.int(0, 6) };
      case 'mdestroy':
      case 'map':
      case 'unmap':
      case 'rdrop':
      case 'ssignal':
      case 'sdestroy':
        return { op, slot: rng.int(0, SLOTS - 1) };
    }
  }
}

function steps(rng: Random, min: number, max: number, depth: number, inThread: boolean): Step[] {
  const n = rng.int(min, max);
  const out: Step[] = [];
  for (let i = 0; i < n; i++) out.push(step(rng, depth, inThread));
  return out;
}

/**
 * Contract: the same seed and options give the same workload (deep-equal),
 * on any machine; the seed is an integer from 0 to 2^32 − 1. 1–4 tasks of
 * 1–12 steps (one world in five: 1–6 tasks of 1–30 steps) over ports, links,
 * mailboxes, regions and semaphores (see `Step`), forked children up
 * to two levels deep and threads with lists of their own, 0–3 faults of the
 * kinds allowed; scheduler policy, CPUs (1–2), quantum and cascade drawn too.
 *
 * @example
 * const w = generate(48213);                  // every fault kind allowed
 * const quiet = generate(48213, { faults: [] }); // no faults
 */
export function generate(seed: number, options: GenerateOptions = {}): Workload {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer from 0 to 2^32 − 1, got ${seed}`);
  const rng = new Random(seed);
  const kinds = options.faults ?? FAULT_KINDS;
  // One world in five is a big one: more tasks, longer programs.
  const big = rng.next() < 0.2;
  const n = rng.int(1, big ? 6 : 4);
  const tasks: TaskSpec[] = [];
  for (let i = 0; i < n; i++) {
    tasks.push({ priority: rng.int(0, 2), at: rng.next() < 0.7 ? 0 : rng.int(1, 5), qlimit: pick(rng, QLIMITS), steps: steps(rng, 1, big ? 30 : 12, 0, false) });
  }
  const faults: Fault[] = [];
  const nf = kinds.length === 0 ? 0 : rng.int(0, 3);
  for (let i = 0; i < nf; i++) faults.push({ kind: kinds[rng.int(0, kinds.length - 1)]!, task: rng.int(0, n - 1), at: rng.int(0, 30) });
  return {
    seed,
    sched: { policy: pick(rng, [[1, 'fcfs'], [1, 'rr'], [1, 'priority']] as const), cpus: rng.int(1, 2), quantum: rng.int(1, 4) },
    cascade: rng.next() < 0.5,
    tasks,
    faults,
  };
}

/** Steps in a list, counting nested ones (a fork or thread step counts 1 plus its own). */
export function countSteps(list: readonly Step[]): number {
  let n = 0;
  for (const s of list) n += 1 + (s.op === 'fork' || s.op === 'thread' ? countSteps(s.steps) : 0);
  return n;
}

/** Size of a workload: tasks, steps (nested included), faults. */
export function sizeOf(w: Workload): { tasks: number; steps: number; faults: number } {
  let steps = 0;
  for (const t of w.tasks) steps += countSteps(t.steps);
  return { tasks: w.tasks.length, steps, faults: w.faults.length };
}

const q = (n: number | null): string => (n === null ? 'unbounded' : String(n));

/** One step as text: `send → 1 copy-send, cache`. */
export function describeStep(s: Step): string {
  switch (s.op) {
    case 'send':
      return `send → ${s.to}${s.carry === 'none' ? '' : ` carrying ${s.carry}`}, ${s.policy === 'timeout' ? `timeout ${s.ms} ms` : s.policy}`;
    case 'rpc':
    case 'sendrecv':
      return `${s.op} → ${s.to}, timeouts ${s.ms}/${s.ms + 1} ms`;
    case 'receive':
      return `receive on ${s.from}, ${s.ms === null ? 'forever' : `timeout ${s.ms} ms`}, then ${s.then}`;
    case 'member':
      return s.into ? 'move my port into my set' : 'move my port out of its set';
    case 'qlimit':
      return `qlimit ${q(s.n)}`;
    case 'notify':
      return s.kind === 'dead-name' ? `request dead-name on → ${s.to}` : 'request no-senders on my port';
    case 'forget':
      return `deallocate → ${s.to}`;
    case 'fork':
      return `fork (share ${s.share ? 'all' : 'none'})`;
    case 'kill':
      return `kill child ${s.child} (${s.signal})`;
    case 'wait':
      return s.nohang ? 'wait (nohang)' : 'wait';
    case 'exit':
      return `exit ${s.code}`;
    case 'compute':
    case 'sleep':
      return `${s.op} ${s.ms} ms`;
    case 'link':
      return `link_open → peer ${s.to}, capacity ${q(s.capacity)}`;
    case 'dsend':
    case 'drecv': {
      const how = s.mode === 'timeout' ? `timeout ${s.ms} ms` : s.mode;
      return s.op === 'dsend' ? `send(peer ${s.to}), ${how}` : `receive(${s.to === null ? 'ANY' : `peer ${s.to}`}), ${how}`;
    }
    case 'mbox':
      return `mailbox_create mb${s.slot} (${s.sharing}${s.sharing === 'system-picks' ? `, ${s.pick}` : ''}, capacity ${q(s.capacity)})`;
    case 'msend':
      return `mailbox_send → mb${s.slot}, ${s.policy === 'timeout' ? `timeout ${s.ms} ms` : s.policy}`;
    case 'mrecv':
      return `mailbox_receive mb${s.slot}, ${s.ms === null ? 'forever' : `timeout ${s.ms} ms`}${s.wait ? '' : ', no wait'}`;
    case 'region':
      return `region_create rg${s.slot} (${s.shared ? 'shared' : 'private'}${s.publish ? ', checked in' : ''}), map, write`;
    case 'sem':
      return s.mutex ? `mutex_create sm${s.slot}` : `semaphore_create sm${s.slot} at ${s.value}`;
    case 'swait':
      return `semaphore_wait sm${s.slot}, ${s.ms === null ? 'forever' : `timeout ${s.ms} ms`}`;
    case 'mdestroy':
      return `mailbox_destroy mb${s.slot}`;
    case 'map':
      return `region_map rg${s.slot}, write`;
    case 'unmap':
      return `region_unmap rg${s.slot}`;
    case 'rdrop':
      return `deallocate → rg${s.slot}`;
    case 'ssignal':
      return `semaphore_signal sm${s.slot}`;
    case 'sdestroy':
      return `semaphore_destroy sm${s.slot}`;
    default:
      return s.op;
  }
}

function describeSteps(list: readonly Step[], indent: string, out: string[]): void {
  list.forEach((s, i) => {
    out.push(`${indent}${i + 1}. ${describeStep(s)}`);
    if (s.op === 'fork' || s.op === 'thread') describeSteps(s.steps, `${indent}   `, out);
  });
}

/**
 * The workload as lines of text, for people: the world, each task's steps
 * (nested lists indented), the faults. Targets (`→ n`) are services s0…s(k-1),
 * then rights received, taken modulo what exists when the step runs.
 *
 * @example
 * describeWorkload(generate(1, { faults: [] }))[0]; // 'seed 1: rr, 2 cpus, quantum 1, cascade off'
 */
export function describeWorkload(w: Workload): string[] {
  const out = [`seed ${w.seed}: ${w.sched.policy}, ${w.sched.cpus} cpu${w.sched.cpus > 1 ? 's' : ''}, quantum ${w.sched.quantum}, cascade ${w.cascade ? 'on' : 'off'}`];
  w.tasks.forEach((t, i) => {
    out.push(`t${i} (port s${i}, qlimit ${q(t.qlimit)}, priority ${t.priority}${t.at ? `, arrives at ${t.at} ms` : ''}):`);
    describeSteps(t.steps, '  ', out);
  });
  for (const f of w.faults) out.push(`fault: ${f.kind} t${f.task} at ${f.at} ms`);
  return out;
}
