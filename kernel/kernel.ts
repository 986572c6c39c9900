import type { Program } from '../tasks/program.ts';
import type { Task } from '../tasks/task.ts';
import type { Trace } from '../trace/trace.ts';
import { KernelCore, type KernelOptions, type RunOptions, type RunReport } from './core.ts';
import type { SchedOptions } from './sched/sched.ts';
import { createTask, killProcess, type PortRef, type SpawnOptions } from './task/lifecycle.ts';
import { ps, type ProcRow } from './task/proc.ts';

export type { DeadlockEntry, KernelOptions, RunOptions, RunReport } from './core.ts';
export type { PortRef, SpawnOptions } from './task/lifecycle.ts';
export type { RpcOptions } from './traps.ts';

/**
 * The kernel, as its user holds it: spawn tasks, install programs, run, and
 * look at the trace and the process table. Everything else (the IPC engine,
 * the scheduler, the object server) is inside, reached by tasks only through
 * their system calls.
 *
 * @example
 * const k = boot({ seed: 1 });              // boot() wires in the syscalls layer
 * k.spawn('hello', async (sys) => sys.log('hi'));
 * const report = await k.run();              // { status: 'done', … }
 */
export class Kernel<S = unknown> {
  /** @internal The kernel proper (for the audit and the test kit). */
  readonly core: KernelCore;

  private readonly options: KernelOptions;
  private readonly others = new Map<string, Kernel<S>>();

  constructor(options: KernelOptions) {
    this.options = options;
    this.core = new KernelCore(options);
    for (const addr of options.hosts?.slice(1) ?? []) this.host(addr);
  }

  /**
   * The network between this simulation's hosts (the same wire from every host): set links
   * and partitions, read `packets`. Packets also go into the trace as 'packet' records.
   *
   * @example
   * k.network.link('146.86.5.20', '161.25.19.8', { latency: 10, loss: 0.2 });
   * k.network.partition('146.86.5.20', '161.25.19.8', { from: 100, until: 200 });
   */
  get network(): KernelCore['wire'] {
    return this.core.wire;
  }

  /** Every host's address, the default host's first (empty for a one-host kernel booted without `hosts`). */
  get hosts(): string[] {
    const world = this.core.world ? null : this;
    if (!world) return [];
    return [...(this.core.addr ? [this.core.addr] : []), ...this.others.keys()];
  }

  /**
   * Another host of this simulation, by IPv4 address, made on first use: its own tasks, pids
   * (from 1), name spaces, CPUs and name service, on this kernel's one clock, generator and
   * trace (its records carry `host`). Run everything with this kernel's `run()`; a host's
   * own `run()` rejects. The default host's address gives this kernel itself. Throws a
   * TypeError on an address that is not dotted-quad IPv4, or when called on a host that is
   * not the default one.
   *
   * @example
   * const k = boot({ hosts: ['146.86.5.20', '161.25.19.8'] });
   * k.host('161.25.19.8').spawn('server', serve);   // pid 1 on 161.25.19.8
   * k.spawn('client', ask);                          // pid 1 on 146.86.5.20
   * await k.run();
   */
  host(addr: string): Kernel<S> {
    if (this.core.world) throw new TypeError(`host(${addr}): ask the default host`);
    if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(addr) || addr.split('.').some((n) => Number(n) > 255)) throw new TypeError(`host(${JSON.stringify(addr)}): not an IPv4 address`);
    if (addr === this.core.addr) return this;
    let k = this.others.get(addr);
    if (!k) {
      const { hosts: _hosts, ...rest } = this.options;
      k = new Kernel<S>({ ...rest, hostOf: { addr, world: this.core } });
      this.others.set(addr, k);
    }
    return k;
  }

  /**
   * This run's id (nanoid, drawn from the seed through a generator of its own, so programs'
   * random numbers do not change): the same seed gives the same id. JSON-lines traces carry it.
   */
  get runId(): string {
    return this.core.runId;
  }

  /** Every kernel event as a record (`trace.records`, `trace.records$`) and the counters. */
  get trace(): Trace {
    return this.core.trace;
  }

  /** Every task ever created, by pid (terminated ones stay, for reports). */
  get tasks(): ReadonlyMap<number, Task> {
    return this.core.tasks;
  }

  /** Kernel invariant violations seen (illegal state arrows). Empty in a correct run. */
  get bugs(): readonly Error[] {
    return this.core.bugs;
  }

  /** The CPU scheduler's settings (defaults filled in). */
  get sched(): Readonly<Required<SchedOptions>> {
    return this.core.cpu.sched;
  }

  /** The current virtual time (ms). */
  now(): number {
    return this.core.clock.now();
  }

  /**
   * Creates a task running program and admits it (new → ready). The task
   * starts with, in its own name space: a send right to its kernel port
   * (name 1), the receive right of its notify port (2), the receive right of
   * its reply port (3) and a send right to the bootstrap port (4).
   * Returns the task record (its pid, PCB and actor). Throws a TypeError for a
   * program that is neither an async function nor an XState machine, and a
   * RangeError for a bad `at` or `cpuLimit`.
   */
  spawn(name: string, program: Program<S>, options: SpawnOptions = {}): Task {
    return createTask(this.core, name, program as Program<unknown>, options);
  }

  /**
   * Makes a port before any task runs, to hand to tasks with `spawn(…, { ports })`:
   * one task gets its receive right, others send rights, as Mach 2.5 tasks inherited
   * registered ports. Throws on a qlimit out of range.
   *
   * @example
   * const echo = k.port('echo', { qlimit: 2 });
   * k.spawn('server', serve, { ports: { inbox: { port: echo, right: 'receive' } } }); // sys.ports.inbox
   * k.spawn('client', ask, { ports: { server: echo } });                              // a send right
   */
  port(label: string, options: { qlimit?: number } = {}): PortRef {
    return this.core.makePort(label, options.qlimit);
  }

  /** Installs a program under a path, for `exec(path)`. */
  install(path: string, program: Program<S>): void {
    this.core.programs.set(path, program as Program<unknown>);
  }

  /**
   * Runs until every non-daemon task has ended, or nothing can move (a
   * deadlock, reported with who waits on what), or virtual time reaches
   * `until`. Resolves to a report; never rejects for a task's failure.
   */
  run(options: RunOptions = {}): Promise<RunReport> {
    return this.core.run(options);
  }

  /**
   * Crashes this host, now or at virtual time `at`: every task on it is killed (status 137,
   * a 'kill' record saying 'host crashed'), so its ports die, and the host leaves the wire:
   * packets to it are 'no-route' from then on and those in flight to it are lost. A crashed
   * host stays down (spawning on it again is allowed but it has no network). Throws a
   * RangeError for an `at` in the past.
   *
   * @example
   * k.host('161.25.19.8').crash({ at: 300 });   // its NetMsgServer's peers time out and see dead names
   */
  crash(opts: { at?: number } = {}): void {
    const now = this.core.clock.now();
    const at = opts.at ?? now;
    if (!(at >= now)) throw new RangeError(`crash: at (${at}) is before now (${now})`);
    const down = (): void => {
      this.crashed = true;
      this.core.wire.detach(this.core.address);
      for (const t of [...this.core.tasks.values()]) {
        if (t.state !== 'terminated' && t.process === t) killProcess(this.core, t, { code: 137, reason: 'killed', error: 'host crashed' }, 'host crashed');
      }
      this.core.kick();
    };
    if (at === now) down();
    else this.core.clock.after(at - now, down);
  }

  /** Whether this host has crashed (see `crash`). */
  crashed = false;

  /** The process table, as ps shows it. */
  ps(): ProcRow[] {
    return ps(this.core);
  }
}
