/**
 * The emulator's side of the benchmarks: workloads run as xmach tasks.
 *
 * Every workload times only its steady state. Set-up (spawning, port_allocate,
 * netname_check_in / look_up) happens at virtual time 0; then every task
 * waits at a barrier (a receive with a timeout on its notify port, due at
 * virtual time BARRIER). Virtual time moves only when nothing can run, so the
 * barrier opens once every task has finished its set-up; the wall clock starts
 * when the first task passes it and stops when the last task ends its loop
 * (tasks' exits are not counted). The first task to pass the barrier runs a
 * full GC (when node has --expose-gc) before it starts the clock, so set-up's
 * garbage is not collected inside the measurement.
 */
import { boot, MACH_RCV_TIMED_OUT, type Kernel, type RunReport, type Sys } from '../index.ts';

/** Virtual time (ms) at which the barrier opens. */
export const BARRIER = 1000;

/** Wall clock of a steady state: started by the first task to pass the barrier, stopped by the last to finish. */
export class SteadyClock {
  private t0 = 0;
  private t1 = 0;
  private left: number;
  constructor(readonly tasks: number) {
    this.left = tasks;
  }
  start(): void {
    if (this.t0 !== 0) return;
    globalThis.gc?.();
    this.t0 = performance.now();
  }
  end(): void {
    if (--this.left === 0) this.t1 = performance.now();
  }
  /** Elapsed ms; throws when not every task finished. */
  ms(): number {
    if (this.t0 === 0 || this.left !== 0) throw new Error(`steady state unfinished: ${this.left} of ${this.tasks} tasks did not end their loop`);
    return this.t1 - this.t0;
  }
}

/** Waits (blocked in msg_receive with a timeout) until virtual time BARRIER. */
export async function barrier(sys: Sys): Promise<void> {
  const wait = BARRIER - sys.now();
  if (!(wait > 0)) throw new Error(`set-up went past the barrier (now ${sys.now()} ms)`);
  const r = await sys.msg_receive(sys.notifyPort, { timeout: wait });
  if (r.code !== MACH_RCV_TIMED_OUT) throw new Error(`barrier: expected a timeout, got code ${r.code}`);
}

/** Runs k and checks that every task ended with exit code 0 (else throws with the first failures). */
export async function runChecked(k: Kernel<Sys>, what: string): Promise<RunReport> {
  const report = await k.run();
  const bad = report.tasks.filter((t) => t.exit?.code !== 0);
  if (report.status !== 'done' || bad.length > 0 || k.bugs.length > 0) {
    const first = bad.slice(0, 3).map((t) => `${t.name}: ${t.state} ${JSON.stringify(t.exit)}`).join('; ');
    throw new Error(`${what}: run ${report.status}, ${bad.length} task(s) failed (${first}), ${k.bugs.length} kernel bug(s)`);
  }
  return report;
}

/** Allocates a port, checks it in as `me`, looks `peer` up (waiting for it). */
async function exchange(sys: Sys, me: string, peer: string): Promise<{ mine: number; theirs: number }> {
  const { name: mine } = await sys.port_allocate();
  if (!mine) throw new Error(`${me}: port_allocate failed`);
  await sys.netname_check_in(me, mine);
  const { port: theirs } = await sys.netname_look_up(peer, { wait: true });
  if (!theirs) throw new Error(`${me}: netname_look_up(${peer}) failed`);
  return { mine, theirs };
}

/**
 * Mach ping-pong among `pairs` pairs of async-program tasks, each task with its
 * own port, send rights exchanged through the name service; then `roundTrips`
 * round trips per pair of msg_send + msg_receive. Returns the steady state's ms.
 */
export async function machPingPong(pairs: number, roundTrips: number, trace = false, fastPath = true): Promise<number> {
  const k = boot({ seed: 1, trace, sched: { fastPath } });
  const clock = new SteadyClock(2 * pairs);
  for (let p = 0; p < pairs; p++) {
    k.spawn(`ping${p}`, async (sys) => {
      const { mine, theirs } = await exchange(sys, `ping${p}`, `pong${p}`);
      await barrier(sys);
      clock.start();
      for (let i = 0; i < roundTrips; i++) {
        await sys.msg_send(theirs, { id: 1, body: i });
        const r = await sys.msg_receive(mine);
        if (!r.ok || r.msg.body !== i) return 1;
      }
      clock.end();
      return 0;
    });
    k.spawn(`pong${p}`, async (sys) => {
      const { mine, theirs } = await exchange(sys, `pong${p}`, `ping${p}`);
      await barrier(sys);
      clock.start();
      for (let i = 0; i < roundTrips; i++) {
        const r = await sys.msg_receive<number>(mine);
        if (!r.ok) return 1;
        await sys.msg_send(theirs, { id: 2, body: r.msg.body });
      }
      clock.end();
      return 0;
    });
  }
  const report = await runChecked(k, `ping-pong ${pairs} pair(s)`);
  const expected = 2 * pairs * roundTrips;
  // Set-up adds a few kernel messages (syscalls) per task; the loop must be all there.
  if (report.counters.messagesReceived < expected) throw new Error(`ping-pong: ${report.counters.messagesReceived} messages received, expected ≥ ${expected}`);
  return clock.ms();
}

/** msg_rpc round trips: a client calls a server that receives and replies. Returns the steady state's ms. */
export async function machRpc(roundTrips: number, fastPath = true): Promise<number> {
  const k = boot({ seed: 1, trace: false, sched: { fastPath } });
  const clock = new SteadyClock(1);
  k.spawn('server', async (sys) => {
    const { name: port } = await sys.port_allocate();
    await sys.netname_check_in('rpc', port!);
    await barrier(sys);
    for (let i = 0; i < roundTrips; i++) {
      const r = await sys.msg_receive<number>(port!);
      if (!r.ok) return 1;
      await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: r.msg.body + 1 });
    }
    return 0;
  });
  k.spawn('client', async (sys) => {
    const { port } = await sys.netname_look_up('rpc', { wait: true });
    await barrier(sys);
    clock.start();
    for (let i = 0; i < roundTrips; i++) {
      const r = await sys.msg_rpc<number>(port!, { id: 1, body: i });
      if (!r.ok || r.msg.body !== i + 1) return 1;
    }
    clock.end();
    return 0;
  });
  await runChecked(k, 'rpc');
  return clock.ms();
}

/** One task doing port_allocate + port_deallocate `pairs` times (two system calls each). Returns the steady state's ms. */
export async function machSyscalls(pairs: number): Promise<number> {
  const k = boot({ seed: 1, trace: false });
  const clock = new SteadyClock(1);
  k.spawn('caller', async (sys) => {
    await barrier(sys);
    clock.start();
    for (let i = 0; i < pairs; i++) {
      const { code, name } = await sys.port_allocate();
      if (code !== 0 || !name) return 1;
      if ((await sys.port_deallocate(name)) !== 0) return 2;
    }
    clock.end();
    return 0;
  });
  const report = await runChecked(k, 'syscalls');
  if (report.counters.syscalls < 2 * pairs) throw new Error(`syscalls: the server answered ${report.counters.syscalls}, expected ≥ ${2 * pairs}`);
  return clock.ms();
}

/**
 * One-way stream: a sender sends n messages into an unbounded port; the
 * receiver drains them. Returns the steady state's ms (first send to last receive).
 */
export async function machStream(n: number): Promise<number> {
  const k = boot({ seed: 1, trace: false });
  const clock = new SteadyClock(1);
  k.spawn('sink', async (sys) => {
    const { name: port } = await sys.port_allocate();
    if ((await sys.port_set_qlimit(port!, Infinity)) !== 0) return 3;
    await sys.netname_check_in('sink', port!);
    await barrier(sys);
    clock.start();
    for (let i = 0; i < n; i++) {
      const r = await sys.msg_receive(port!);
      if (!r.ok || r.msg.body !== i) return 1;
    }
    clock.end();
    return 0;
  });
  k.spawn('source', async (sys) => {
    const { port } = await sys.netname_look_up('sink', { wait: true });
    await barrier(sys);
    clock.start();
    for (let i = 0; i < n; i++) {
      if ((await sys.msg_send(port!, { id: 1, body: i })) !== 0) return 1;
    }
    return 0;
  });
  await runChecked(k, 'stream');
  return clock.ms();
}

/** Spawns n idle tasks (a program that returns at once), runs them to their end. Returns ms for spawn + start + exit. */
export async function machTaskCreation(n: number): Promise<number> {
  const k = boot({ seed: 1, trace: false });
  const idle = async (): Promise<number> => 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) k.spawn('t', idle);
  const report = await k.run();
  const ms = performance.now() - t0;
  if (report.status !== 'done' || report.tasks.length !== n || report.tasks.some((t) => t.state !== 'terminated')) {
    throw new Error(`task creation: run ${report.status}, ${report.tasks.length} tasks`);
  }
  return ms;
}

/**
 * Keeps n idle tasks alive: daemons blocked forever in msg_receive on a port
 * of their own, and returns the kernel (so the caller can measure its heap).
 * A non-daemon 'settle' task waits 1 ms of virtual time, by when every daemon
 * has blocked, and ends the run.
 */
export async function machIdleTasks(n: number): Promise<Kernel<Sys>> {
  const k = boot({ seed: 1, trace: false });
  const idle = async (sys: Sys): Promise<number> => {
    const { name } = await sys.port_allocate();
    await sys.msg_receive(name!);
    return 0;
  };
  for (let i = 0; i < n; i++) k.spawn('idle', idle, { daemon: true });
  k.spawn('settle', async (sys) => {
    await sys.msg_receive(sys.notifyPort, { timeout: 1 });
    return 0;
  });
  const report = await k.run();
  let waiting = 0;
  for (const t of k.tasks.values()) if (t.daemon && t.state === 'waiting' && t.wait?.kind === 'receive') waiting++;
  if (report.status !== 'done' || waiting !== n) throw new Error(`idle tasks: run ${report.status}, ${waiting} of ${n} blocked in msg_receive`);
  return k;
}

/** A seeded permutation of 1..n (a small LCG; Fisher–Yates). */
export function shuffled(n: number, seed = 1): number[] {
  const a = Array.from({ length: n }, (_, i) => i + 1);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

/**
 * n tasks, each blocked in one msg_receive with a distinct timeout (1..n ms,
 * armed in shuffled order), all pending at once; checks they fire in time
 * order at their own times. Returns the ms of the run (each task's start,
 * trap, block, timer, wake and exit; spawning not counted).
 */
export async function machTimers(n: number): Promise<number> {
  const k = boot({ seed: 1, trace: false });
  const timeouts = shuffled(n, n);
  let last = 0;
  let fired = 0;
  let wrong = 0;
  const prog = async (sys: Sys): Promise<number> => {
    const timeout = sys.args as number;
    const r = await sys.msg_receive(sys.notifyPort, { timeout });
    const now = sys.now();
    if (r.code !== MACH_RCV_TIMED_OUT || now !== timeout || now <= last) wrong++;
    last = now;
    fired++;
    return 0;
  };
  for (let i = 0; i < n; i++) k.spawn('timer', prog, { args: timeouts[i] });
  const t0 = performance.now();
  const report = await k.run();
  const ms = performance.now() - t0;
  if (report.status !== 'done' || fired !== n || wrong !== 0 || report.counters.timeouts !== n) {
    throw new Error(`timers: run ${report.status}, ${fired} of ${n} fired, ${wrong} out of order or late, ${report.counters.timeouts} timeouts counted`);
  }
  return ms;
}
