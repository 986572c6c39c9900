import {
  boot,
  KERN_SUCCESS,
  MACH_SEND_INVALID_DEST,
  type InMessage,
  type Kernel,
  type RightToSend,
  type RunReport,
  type SendOptions,
  type Sys,
} from '../../index.ts';
import { traceLines } from '../kit.ts';
import { bookProblems, FifoBook, reportProblems, stateProblems } from './invariants.ts';
import type { Fault, Step, Workload } from './workload.ts';

/** The message an injected crash throws (a task that ends with it is expected to). */
export const CRASH = 'fuzz: injected crash';

/** Options of `runWorkload`. */
export interface RunWorkloadOptions {
  /** Keep trace records and return the last `traceTail` lines before the first problem (default 0: trace off, faster). */
  traceTail?: number;
  /** Virtual ms after which the run stops with 'time-limit' (default 10,000). */
  until?: number;
  /** Wall-clock ms to wait for a report before giving up with a 'report:' problem (default 20,000). */
  wallLimit?: number;
}

/** What one run of a workload gave. */
export interface Outcome {
  /** No invariant broke. */
  ok: boolean;
  /** Broken invariants, each prefixed with its class; the first ones only (at most 8). */
  problems: string[];
  /** How the run ended ('none': no report within the wall-clock limit). */
  status: RunReport['status'] | 'none';
  /** Steps executed (every task, child and thread). */
  steps: number;
  /** Virtual time at the end (ms). */
  time: number;
  /** A few counters, for coverage figures. */
  counters: { messages: number; destroyed: number; timeouts: number; notifications: number; tasks: number; killed: number; crashed: number };
  /** The last trace lines before the first problem (or the end), when asked for. */
  trace: string[];
}

/** What a process (and its threads) keeps between steps: names in its space, and what they stand for. */
interface Proc {
  /** Its service index (s<i>), or -1 for a forked child. */
  service: number;
  qlimit: number | null;
  /** Its own port (receive right), 0 when it has none yet. */
  mine: number;
  set: number;
  /** Send rights to services, by index. */
  peers: Map<number, number>;
  /** Rights received and kept: send or send-once. */
  got: { name: number; once: boolean }[];
  /** Receive rights received (ports that moved to it). */
  owned: number[];
  /** Handles of forked children. */
  handles: number[];
  /** A port of its own where rpc replies come. */
  rpcPort: number;
  depth: number;
  /** Its service port died for good (a port-death fault). */
  serviceDead: boolean;
}

const KEEP = 6;
const TRACE_KINDS = ['syscall', 'return', 'send', 'cache', 'receive', 'timeout', 'notify', 'destroy', 'port-death', 'exit', 'deadlock'] as const;
const qlimitOf = (n: number | null): number => (n === null ? Infinity : n);

/**
 * Contract: runs `w` on a fresh `boot({ seed: w.seed })` kernel and checks the
 * invariants after every step of every task (and once at the end); never
 * throws, never rejects. The same workload gives the same outcome: programs
 * make no random choice of their own, and the kernel is deterministic.
 *
 * @example
 * const out = await runWorkload(generate(7), { traceTail: 30 });
 * if (!out.ok) console.log(out.problems.join('\n'), out.trace.join('\n'));
 */
export async function runWorkload(w: Workload, options: RunWorkloadOptions = {}): Promise<Outcome> {
  const tail = options.traceTail ?? 0;
  const k: Kernel<Sys> = boot({
    seed: w.seed,
    console: false,
    trace: tail > 0 ? { limit: 20_000 } : false,
    sched: { policy: w.sched.policy, cpus: w.sched.cpus, quantum: w.sched.quantum },
    process: { init: true, cascade: w.cascade },
  });
  const fifo = new FifoBook();
  const problems: string[] = [];
  let failedAt = -1;
  let steps = 0;
  const n = w.tasks.length;

  const fail = (where: string, list: string[]): void => {
    if (list.length === 0) return;
    if (failedAt < 0) failedAt = k.trace.total;
    for (const p of list) if (problems.length < 8) problems.push(`${p} [after ${where}]`);
  };
  const check = (sys: Sys, where: string): boolean => {
    if (failedAt >= 0) return false;
    fail(where, [...stateProblems(k, sys.pid), ...bookProblems(k), ...fifo.problems]);
    return failedAt < 0;
  };
  /** Reports a message received to the FIFO book: its port's global id, the receiving process, its seqno. */
  const got = (sys: Sys, msg: InMessage): void => {
    const task = k.tasks.get(sys.pid)!;
    fifo.received(task.space.lookup(msg.port)?.port?.id ?? -1, task.process.pid, msg.seqno, msg.sender, msg.body);
  };

  // --- the interpreter -------------------------------------------------------------

  const ensureMine = async (sys: Sys, p: Proc): Promise<number> => {
    if (!p.mine) {
      const r = await sys.port_allocate('receive', p.service >= 0 ? `s${p.service}` : `p${sys.pid}`);
      if (r.code === KERN_SUCCESS) {
        p.mine = r.name!;
        if (p.service >= 0 && !p.serviceDead) await sys.netname_check_in(`s${p.service}`, p.mine);
      }
    }
    return p.mine;
  };
  /** Target `to`: a service s<j> (a right to it, looked up if needed), or a right received. */
  const target = async (sys: Sys, p: Proc, to: number): Promise<{ name: number; once: boolean; service: number } | null> => {
    const i = to % (n + p.got.length);
    if (i >= n) return { ...p.got[i - n]!, service: -1 };
    if (i === p.service) return p.mine ? { name: p.mine, once: false, service: i } : null;
    let name = p.peers.get(i);
    if (name === undefined) {
      const r = await sys.netname_look_up(`s${i}`);
      if (r.code !== KERN_SUCCESS) return null;
      p.peers.set(i, (name = r.port!));
    }
    return { name, once: false, service: i };
  };
  const forgetTarget = async (sys: Sys, p: Proc, t: { name: number; once: boolean; service: number }): Promise<void> => {
    if (t.service >= 0 && t.service !== p.service) p.peers.delete(t.service);
    else if (t.service < 0) p.got = p.got.filter((g) => g.name !== t.name);
    if (t.name !== p.mine) await sys.port_deallocate(t.name);
  };
  const carry = async (sys: Sys, p: Proc, what: Step & { op: 'send' }, to: number): Promise<RightToSend[]> => {
    switch (what.carry) {
      case 'make-send':
      case 'make-send-once':
        return (await ensureMine(sys, p)) ? [{ name: p.mine, disposition: what.carry }] : [];
      case 'copy-send': {
        const name = p.got.find((g) => !g.once)?.name ?? p.peers.values().next().value;
        return name === undefined ? [] : [{ name, disposition: 'copy-send' }];
      }
      case 'move-send': {
        // A right received, moved on (it leaves this space unless the send hands it back).
        const i = p.got.findIndex((g) => !g.once);
        if (i < 0) return [];
        return [{ name: p.got.splice(i, 1)[0]!.name, disposition: 'move-send' }];
      }
      case 'move-mine': {
        // The task's own port moves away with its queue (a later step makes a new one, checked in under its name).
        if (!p.mine || p.mine === to) return [];
        const name = p.mine;
        p.mine = 0;
        return [{ name, disposition: 'move-receive' }];
      }
      case 'move-receive': {
        // A fresh port with one message queued in it, moved away with its queue.
        const r = await sys.port_allocate('receive', `m${sys.pid}`);
        if (r.code !== KERN_SUCCESS) return [];
        await sys.msg_send(r.name!, { id: 3, body: fifo.mark(sys.pid) }, { policy: 'return' });
        return [{ name: r.name!, disposition: 'move-receive' }];
      }
      case 'handle': {
        const r = await sys.task_self();
        return r.code === KERN_SUCCESS ? [{ name: r.name!, disposition: 'copy-send' }] : [];
      }
      default:
        return [];
    }
  };
  const sendOptions = (s: Step & { op: 'send' }): SendOptions =>
    s.policy === 'wait' ? {} : s.policy === 'timeout' ? { timeout: s.ms } : { policy: s.policy };

  /** What to do with a message received: keep its rights, drop them, or answer its reply right. */
  const afterReceive = async (sys: Sys, p: Proc, how: 'keep' | 'drop' | 'reply', msg: InMessage): Promise<void> => {
    if (msg.reply) {
      if (how === 'reply') await sys.msg_send(msg.reply, { id: msg.id + 100, body: fifo.mark(sys.pid) }, { policy: 'return' });
      else if (how === 'drop') await sys.port_deallocate(msg.reply);
      else p.got.push({ name: msg.reply, once: msg.replyRight === 'send-once' });
    }
    for (const r of msg.rights) {
      if (r.right === 'dead') continue;
      if (how === 'drop') await sys.port_deallocate(r.name);
      else if (r.right === 'receive') p.owned.push(r.name);
      else if (!p.got.some((g) => g.name === r.name)) p.got.push({ name: r.name, once: r.right === 'send-once' });
    }
    while (p.got.length > KEEP) await sys.port_deallocate(p.got.shift()!.name);
  };

  const runStep = async (sys: Sys, p: Proc, s: Step): Promise<void> => {
    switch (s.op) {
      case 'send': {
        const t = await target(sys, p, s.to);
        if (!t) return;
        const rights = await carry(sys, p, s, t.name);
        const code = await sys.msg_send(t.name, { id: 1, body: fifo.mark(sys.pid), rights }, sendOptions(s));
        if (t.once) p.got = p.got.filter((g) => g.name !== t.name);
        if (code === MACH_SEND_INVALID_DEST) await forgetTarget(sys, p, t);
        return;
      }
      case 'rpc': {
        const t = await target(sys, p, s.to);
        if (!t) return;
        if (!p.rpcPort) p.rpcPort = (await sys.port_allocate('receive', `r${sys.pid}`)).name ?? 0;
        if (!p.rpcPort) return;
        const r = await sys.msg_rpc(t.name, { id: 2, body: fifo.mark(sys.pid), reply: p.rpcPort, replyDisposition: 'make-send-once' }, { timeout: s.ms, rcvTimeout: s.ms + 1 });
        if (t.once) p.got = p.got.filter((g) => g.name !== t.name);
        if (r.ok) {
          got(sys, r.msg);
          await afterReceive(sys, p, 'drop', r.msg);
        } else if (r.code === MACH_SEND_INVALID_DEST) await forgetTarget(sys, p, t);
        return;
      }
      case 'sendrecv': {
        const t = await target(sys, p, s.to);
        if (!t || !(await ensureMine(sys, p))) return;
        const r = await sys.msg_send_receive(t.name, { id: 4, body: fifo.mark(sys.pid) }, p.mine, { timeout: s.ms, rcvTimeout: s.ms + 1 });
        if (t.once) p.got = p.got.filter((g) => g.name !== t.name);
        if (r.ok) {
          got(sys, r.msg);
          await afterReceive(sys, p, 'reply', r.msg);
        } else if (r.code === MACH_SEND_INVALID_DEST) await forgetTarget(sys, p, t);
        return;
      }
      case 'receive': {
        let from: number;
        if (s.from === 'set') from = p.set || (p.set = (await sys.port_allocate('port-set')).name ?? 0);
        else if (s.from === 'owned' && p.owned.length > 0) from = p.owned[p.owned.length - 1]!;
        else from = await ensureMine(sys, p);
        if (!from) return;
        const r = await sys.msg_receive(from, s.ms === null ? {} : { timeout: s.ms });
        if (!r.ok) return;
        got(sys, r.msg);
        await afterReceive(sys, p, s.then, r.msg);
        return;
      }
      case 'member': {
        if (!(await ensureMine(sys, p))) return;
        if (s.into && !p.set) p.set = (await sys.port_allocate('port-set')).name ?? 0;
        await sys.port_move_member(p.mine, s.into ? p.set : 0);
        return;
      }
      case 'qlimit':
        if (await ensureMine(sys, p)) await sys.port_set_qlimit(p.mine, qlimitOf(s.n));
        return;
      case 'renew':
        if (!p.mine) return;
        await sys.port_destroy(p.mine);
        p.mine = 0;
        await ensureMine(sys, p);
        return;
      case 'notify':
        if (s.kind === 'no-senders') {
          if (await ensureMine(sys, p)) await sys.port_request_notification(p.mine, 'no-senders');
        } else {
          const t = await target(sys, p, s.to);
          if (t) await sys.port_request_notification(t.name, 'dead-name');
        }
        return;
      case 'forget': {
        const t = await target(sys, p, s.to);
        if (t && t.name !== p.mine) await forgetTarget(sys, p, t);
        return;
      }
      case 'drain':
        for (let i = 0; i < 4; i++) if (!(await sys.msg_receive(sys.notifyPort, { timeout: 0 })).ok) return;
        return;
      case 'fork': {
        const list = s.steps;
        const depth = p.depth + 1;
        const r = await sys.fork((child: Sys) => runSteps(child, newProc(-1, null, depth), list, null), { share: s.share ? 'all' : 'none' });
        if (r.code === KERN_SUCCESS && r.handle) p.handles.push(r.handle);
        return;
      }
      case 'thread': {
        const list = s.steps;
        await sys.thread_create((t: Sys, shared: Proc) => runSteps(t, shared, list, null), p);
        return;
      }
      case 'kill':
        if (p.handles.length) await sys.kill(p.handles[s.child % p.handles.length]!, s.signal);
        return;
      case 'wait':
        await sys.wait(-1, s.nohang ? { nohang: true } : {});
        return;
      case 'exit':
        await sys.exit(s.code);
        return;
      case 'compute':
        await sys.compute(s.ms);
        return;
      case 'sleep':
        await sys.sleep(s.ms);
        return;
    }
  };

  /** Runs a step list, checking the invariants after each step; `crashAt` throws at the first step boundary at or after it. */
  const runSteps = async (sys: Sys, p: Proc, list: readonly Step[], crashAt: number | null): Promise<number> => {
    for (const s of list) {
      if (crashAt !== null && sys.now() >= crashAt) throw new Error(CRASH);
      if (failedAt >= 0) return 0;
      await runStep(sys, p, s);
      steps++;
      if (!check(sys, `${sys.name}(${sys.pid}) ${s.op}`)) return 0;
    }
    return 0;
  };

  const newProc = (service: number, qlimit: number | null, depth: number): Proc => ({
    service, qlimit, mine: 0, set: 0, peers: new Map(), got: [], owned: [], handles: [], rpcPort: 0, depth, serviceDead: false,
  });

  /** A thread of task i's process that injects a port-death or loss fault at its time. */
  const faultThread = (f: Fault) => async (t: Sys, p: Proc): Promise<number> => {
    if (f.at > t.now()) await t.sleep(f.at - t.now());
    if (!p.mine) return 0;
    await t.port_destroy(p.mine);
    p.mine = 0;
    if (f.kind === 'port-death') p.serviceDead = true;
    else if (await ensureMine(t, p)) await t.port_set_qlimit(p.mine, qlimitOf(p.qlimit));
    check(t, `${f.kind} fault`);
    return 0;
  };

  // --- the world ---------------------------------------------------------------------

  const ports = w.tasks.map((t, i) => k.port(`s${i}`, t.qlimit === null ? { qlimit: Infinity } : { qlimit: t.qlimit }));
  w.tasks.forEach((spec, i) => {
    const faults = w.faults.filter((f) => f.task === i);
    const crash = faults.filter((f) => f.kind === 'crash').reduce<number | null>((m, f) => (m === null ? f.at : Math.min(m, f.at)), null);
    const grants: Record<string, { port: (typeof ports)[number]; right: 'receive' } | (typeof ports)[number]> = { mine: { port: ports[i]!, right: 'receive' } };
    ports.forEach((port, j) => j !== i && (grants[`s${j}`] = port));
    k.spawn(
      `t${i}`,
      async (sys) => {
        const p = newProc(i, spec.qlimit, 0);
        p.mine = sys.ports.mine!;
        for (let j = 0; j < n; j++) if (j !== i) p.peers.set(j, sys.ports[`s${j}`]!);
        // Published, so forked children (and peers after a loss) can look it up.
        await sys.netname_check_in(`s${i}`, p.mine);
        if (faults.some((f) => f.kind === 'kill')) {
          const self = await sys.task_self();
          if (self.code === KERN_SUCCESS) await sys.netname_check_in(`t${i}`, self.name!);
        }
        for (const f of faults) if (f.kind === 'port-death' || f.kind === 'loss') await sys.thread_create(faultThread(f), p);
        return runSteps(sys, p, spec.steps, crash);
      },
      { priority: spec.priority, at: spec.at, ports: grants },
    );
  });
  const kills = w.faults.filter((f) => f.kind === 'kill' && f.task < n).sort((a, b) => a.at - b.at);
  if (kills.length > 0) {
    // The monkey: a daemon that kills tasks at their fault times, through handles the tasks published.
    k.spawn(
      'monkey',
      async (sys) => {
        for (const f of kills) {
          if (f.at > sys.now()) await sys.sleep(f.at - sys.now());
          const r = await sys.netname_look_up(`t${f.task}`, { wait: true });
          if (r.code === KERN_SUCCESS) await sys.kill(r.port!, 'kill');
        }
      },
      { daemon: true },
    );
  }

  // --- the run -----------------------------------------------------------------------

  let timer: ReturnType<typeof setTimeout> | undefined;
  const report = await Promise.race([
    k.run({ until: options.until ?? 10_000, spinLimit: 20_000, outsideGrace: 2_000, progress: false }),
    new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), options.wallLimit ?? 20_000))),
  ]).catch((err: Error) => {
    fail('run', [`report: run() rejected: ${err.message}`]);
    return null;
  });
  clearTimeout(timer);
  if (report) {
    const end = [...bookProblems(k), ...fifo.problems, ...reportProblems(k, report, CRASH)];
    fail('the end', end);
  } else if (problems.length === 0) fail('the end', [`report: no report after ${options.wallLimit ?? 20_000} ms of wall-clock time`]);

  const c = k.trace.counters;
  let killed = 0;
  let crashed = 0;
  for (const t of k.tasks.values()) {
    if (t.pcb.exit?.reason === 'killed') killed++;
    if (t.pcb.exit?.error === CRASH) crashed++;
  }
  let trace: string[] = [];
  if (tail > 0) {
    const upTo = failedAt >= 0 ? failedAt : Infinity;
    // One line per system call and per user message: the kernel's own sends and receives of requests and replies are left out.
    const story = k.trace.records.filter((r) => r.seq < upTo && !((r.kind === 'send' || r.kind === 'receive') && (r.pid === 0 || r.peer === 0) && r.op === undefined));
    trace = traceLines(story, TRACE_KINDS).slice(-tail);
  }
  return {
    ok: problems.length === 0,
    problems,
    status: report?.status ?? 'none',
    steps,
    time: k.now(),
    counters: { messages: c.userMessages, destroyed: c.messagesDestroyed, timeouts: c.timeouts, notifications: c.notifications, tasks: k.tasks.size, killed, crashed },
    trace,
  };
}
