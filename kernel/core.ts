import { customRandom, urlAlphabet } from 'nanoid';
import { KERN_INVALID_ARGUMENT, KERN_NO_ACCESS, MACH_MSG_SUCCESS, MACH_RCV_INTERRUPTED, MACH_SEND_INTERRUPTED, codeName } from '../ports/codes.ts';
import type { OutMessage, RightInTransit } from '../ports/message.ts';
import { MACH_PORT_QLIMIT_MAX, Port, PortSet, validQlimit } from '../ports/port.ts';
import { IpcSpace } from '../ports/space.ts';
import type { ExitStatus, PCB } from '../tasks/pcb.ts';
import { errorStatusOf, type Program } from '../tasks/program.ts';
import type { TaskEvent } from '../tasks/task-machine.ts';
import type { Task, Wait } from '../tasks/task.ts';
import type { TraceRecord } from '../trace/trace.ts';
import { Trace, type Counters, type TraceOptions } from '../trace/trace.ts';
import { Ipc, type IpcKernel, type ReceiveOptions, type ReceiveResult, type SendOptions } from './ipc/ipc.ts';
import { Links } from './ipc/links.ts';
import type { Mailbox } from './ipc/mailbox.ts';
import type { Semaphore } from './sync/semaphore.ts';
import { Region } from './vm/region.ts';
import { CpuScheduler, type SchedKernel } from './sched/cpu.ts';
import type { SchedOptions } from './sched/sched.ts';
import { serve } from './server/serve.ts';
import { ids as ID } from './server/defs.ts';
import { reclaimBootstrap } from './server/netname.ts';
import type { ServerKernel } from './server/mig.ts';
import { TaskHost, type HostKernel } from './task/host.ts';
import { createTask, exitTask, killProcess, type PortRef, type TaskKernel } from './task/lifecycle.ts';
import { LowMemoryKiller, type MemoryOptions } from './task/lmk.ts';
import type { ProcessOptions } from './task/proc.ts';
import type { RpcOptions, SysLayer, Traps } from './traps.ts';
import { Clock } from './time/clock.ts';
import { Heap } from './time/heap.ts';
import { Wire, type Packet } from './device/wire.ts';
import { Random } from './time/random.ts';
import { RunWatch, type WatchedKernel, type WatchOptions } from './watch.ts';

/** Options of a kernel. */
export interface KernelOptions {
  /** Seed of the one random generator (default 1). Same seed, same program: same trace. */
  seed?: number;
  /** 'virtual' (default): time jumps to the next event. 'real': wall-clock ms. */
  clock?: 'virtual' | 'real';
  /** Trace records on (default), off (`false`, counters only), or options. */
  trace?: boolean | TraceOptions;
  /**
   * `sys.log` lines also go to the console (stdout) as they happen, as `t=12 client: text`
   * (default: on, except under vitest, where tests read them with `sim.logs()`).
   */
  console?: boolean;
  /** Builds each task's sys; `boot()` passes the syscalls layer's. */
  makeSys: SysLayer['makeSys'];
  /** Builds a machine program's syscall actors; `boot()` passes the syscalls layer's. */
  makeActors: SysLayer['makeActors'];
  /** Binds a machine program's actor to its sys (for `callSys`); `boot()` passes the syscalls layer's. */
  bindProgram?: SysLayer['bindProgram'];
  /** The CPU scheduler: policy, quantum, number of CPUs, context-switch cost, register sets. */
  sched?: SchedOptions;
  /** The process model: an init process, cascading termination. */
  process?: ProcessOptions;
  /** The device's memory and Android's low-memory killer (default: unlimited, no killer). */
  memory?: MemoryOptions;
  /**
   * @internal Another host of the same simulation: its address and the default host's core,
   * whose clock, generator and trace it shares and whose run drives it (see `Kernel.host`).
   */
  hostOf?: { addr: string; world: KernelCore };
  /**
   * The simulation's hosts by IPv4 address: the first is the default host (the kernel
   * `boot` returns), the others are reached with `k.host(addr)`. Default: one host, unnamed.
   */
  hosts?: readonly string[];
  /**
   * Who serves the name service (netname_*) on the bootstrap port of each host: `'kernel'`
   * (default: the kernel object server, kernel/server/netname.ts) or `'task'` (a name-server
   * task, as in Mach 3: the kernel holds the bootstrap port's receive right unserved, requests
   * queue on it, until a task takes it with `bootstrap_claim`; see servers/netname/).
   */
  nameService?: 'kernel' | 'task';
}

/** A task blocked when nothing could move any more. */
export interface DeadlockEntry {
  pid: number;
  name: string;
  /** "receive on port 7 (echo)", "send to port 3, queue full 5/5". */
  waitsOn: string;
  /** The host the task is on, when it is not the default host (a simulation with several hosts). */
  host?: string;
}

/** What `run()` resolves to. */
export interface RunReport {
  /**
   * 'done': every non-daemon task ended. 'deadlock': tasks remain and nothing can move.
   * 'time-limit': virtual time reached `until`.
   */
  status: 'done' | 'deadlock' | 'time-limit' | 'stuck' | 'livelock';
  /** Virtual time when the run stopped (ms). */
  time: number;
  /** Who waits on what, when status is 'deadlock'. */
  deadlock: DeadlockEntry[];
  /**
   * When status is 'stuck' (a program awaits something outside xmach and nothing inside can
   * move) or 'livelock' (a task spins in traps that do nothing): which task, and why.
   */
  culprit: { pid: number; name: string; why: string; host?: string } | null;
  /** Messages still queued on ports when the run stopped (sent − received − destroyed). */
  queued: number;
  /** Trace records made in all, and how many of the oldest left the trace's ring (its `limit`). */
  records: { made: number; dropped: number };
  /**
   * Every task: pid, name, state and exit status; the default host's first, then each other
   * host's, which carry its `host` (pids are per host).
   */
  tasks: { pid: number; name: string; state: PCB['state']; exit: ExitStatus | null; host?: string }[];
  counters: Counters;
  /** Per CPU: time spent computing for tasks and loading contexts (ms). */
  cpus: { id: number; busyTime: number; switchTime: number }[];
}

/** Options of run. */
export interface RunOptions extends WatchOptions {
  /** Stop when virtual time would pass this many ms (for scenarios with endless daemons). */
  until?: number;
}

/** A host's count of its tasks (see `KernelCore.census`). */
export interface Census {
  live: number;
  liveNonDaemon: number;
  nonDaemons: number;
}

/** A census whose every change is also added to sum (another host's, summed on the default host's core). */
function summedCensus(sum: Census): Census {
  let live = 0;
  let liveNonDaemon = 0;
  let nonDaemons = 0;
  return {
    get live() {
      return live;
    },
    set live(v: number) {
      sum.live += v - live;
      live = v;
    },
    get liveNonDaemon() {
      return liveNonDaemon;
    },
    set liveNonDaemon(v: number) {
      sum.liveNonDaemon += v - liveNonDaemon;
      liveNonDaemon = v;
    },
    get nonDaemons() {
      return nonDaemons;
    },
    set nonDaemons(v: number) {
      sum.nonDaemons += v - nonDaemons;
      nonDaemons = v;
    },
  };
}

/** The id of a packet message on a host's device port. */
export const NET_PACKET_ID = 4150;

/** Per shared trace, the prototype of its hosts' views (see `hostTrace`). */
const hostViews = new WeakMap<Trace, object>();

/**
 * The shared trace as another host writes to it: every record it emits carries `host` (added
 * last, after the record's own fields). Reads (`on`, `counters`) go through the prototype
 * chain to the trace itself; the members that write to it (`emit`; `records$`, which marks
 * the trace watched; `records`, which caches its view) are redirected to it by a prototype
 * shared by every host's view, so all views have one shape (the kernel's call sites stay fast
 * however many hosts there are).
 */
function hostTrace(trace: Trace, host: string): Trace {
  let base = hostViews.get(trace);
  if (!base) {
    base = Object.create(trace, {
      emit: {
        value(this: { hostAddr: string }, r: Omit<TraceRecord, 'seq'>): number {
          return trace.emit({ ...r, host: this.hostAddr });
        },
      },
      records$: { get: () => trace.records$ },
      records: { get: () => trace.records },
    }) as object;
    hostViews.set(trace, base);
  }
  const view = Object.create(base) as { hostAddr: string };
  view.hostAddr = host;
  return view as unknown as Trace;
}

/** What a trap returns to a task whose run was stopped under it (a livelock): it never goes on. */
const NEVER = new Promise<never>(() => {});

/** Why scheduler options are out of range, or null when they are fine. */
function schedProblem(o: Required<SchedOptions>): string | null {
  if (!['fcfs', 'rr', 'priority'].includes(o.policy)) return `sched.policy must be 'fcfs', 'rr' or 'priority', not ${JSON.stringify(o.policy)}`;
  if (!(o.quantum > 0) || !Number.isFinite(o.quantum)) return 'sched.quantum must be a number of ms > 0';
  if (!Number.isInteger(o.cpus) || o.cpus < 1 || o.cpus > 1024) return 'sched.cpus must be an integer from 1 to 1024';
  if (!(o.switchCost >= 0) || !Number.isFinite(o.switchCost)) return 'sched.switchCost must be a number of ms ≥ 0';
  if (!Number.isInteger(o.registerSets) || o.registerSets < 1) return 'sched.registerSets must be an integer ≥ 1';
  return null;
}

/**
 * @internal
 * The kernel proper, behind the small `Kernel` class users hold: the task
 * table, the clock, the IPC engine (`ipc`), the CPU scheduler (`cpu`), the
 * object server, the trap entry, and the dispatch loop that drives them. Each
 * subsystem sees it only through the small interface it declares
 * (`IpcKernel`, `SchedKernel`, `HostKernel`, `TaskKernel`, `ServerKernel`,
 * `Traps`), never whole.
 *
 * A task's code runs only while the task is dispatched, one task's code at a
 * time; a trap that cannot finish blocks the task (running → waiting) and its
 * CPU goes to the next ready task (or, on the fast path, to the receiver it
 * just woke). A trap that finishes at once returns to the same task, which
 * keeps its CPU.
 */
export class KernelCore implements IpcKernel, SchedKernel, HostKernel, TaskKernel, ServerKernel, Traps, WatchedKernel {
  readonly clock: Clock;
  readonly rng: Random;
  /** This run's id (nanoid drawn from the seed through a generator of its own). */
  readonly runId: string;
  readonly trace: Trace;
  readonly ipc: Ipc;
  /** Every task ever created, by pid (terminated ones stay, as zombies do, for reports). */
  readonly tasks = new Map<number, Task>();
  /** The kernel's own name space: it holds the bootstrap port's receive right and the name service's send rights. */
  readonly kspace = new IpcSpace(0, 'kernel');
  /** The bootstrap (name service) port; every task gets a send right to it. */
  readonly bootstrap: Port;
  /** Who serves the name service on this host (see `KernelOptions.nameService`). */
  readonly nameService: 'kernel' | 'task';
  /** Names registered with netname_check_in: name → the kernel's send right name in kspace. */
  readonly netnames = new Map<string, { name: number; owner: number }>();
  /** Look-up requests waiting for a name to be checked in (their reply rights wait with them). */
  readonly netnameWaiters = new Map<string, import('../ports/message.ts').KMsg[]>();
  /** Direct-communication links (send(P) / receive(Q)), one per pair of processes. */
  readonly links: Links;
  /** Mailboxes shared by several processes. */
  readonly mailboxes = new Set<Mailbox>();
  /** Android's low-memory killer, over the device's memory. */
  readonly lmk: LowMemoryKiller;
  /** POSIX named semaphores, by name (`sem_open`). */
  readonly namedSemaphores = new Map<string, Semaphore>();
  /** Holds the receive rights of ports made before tasks (`port()`), until a task is given them. */
  readonly unclaimed = new IpcSpace(0, 'kernel (ports not yet given)');
  /** Ports made with `port()`, by the handle given out. */
  private readonly portRefs = new Map<PortRef, Port>();
  /** Kernel invariant violations seen (illegal state arrows). Empty in a correct run. */
  readonly bugs: Error[] = [];
  /** The CPU scheduler: CPUs, ready queue, who executes now. */
  readonly cpu: CpuScheduler;
  /** What program adapters ask of the kernel. */
  readonly host: TaskHost;
  /** The process model's settings. */
  readonly proc: Required<ProcessOptions>;
  /** The init process (pid 1), when booted with `process: { init: true }`. */
  readonly init: Task | null = null;
  /** Installed programs, by path, for exec('path'). */
  readonly programs = new Map<string, Program<unknown>>();
  readonly sysLayer: SysLayer;
  /** Tasks not yet ended; non-daemon tasks not yet ended; non-daemon tasks ever created. */
  readonly census: Census;
  /** Program texts handed to fork and exec by reference (the stubs cannot copy a function into a message). */
  private readonly texts = new Map<number, unknown>();
  private textSeq = 0;
  private nextPid = 1;
  private nextPortId = 1;
  private running = false;
  private until = Infinity;
  private finishRun: ((r: RunReport) => void) | null = null;
  private kicked = false;
  private kicks = 0;
  private readonly dispatchFn = (): void => this.dispatch();
  /** The default host's core, when this core is another host of its simulation; else null. */
  readonly world: KernelCore | null;
  /** This host's address (null for the default host). */
  readonly addr: string | null;
  /** The other hosts' cores (on the default host's core only), in the order made. */
  readonly peers: KernelCore[] = [];
  /** The census summed over `peers` (on the default host's core; their censuses keep it). */
  readonly peerCensus: Census = { live: 0, liveNonDaemon: 0, nonDaemons: 0 };
  /** This host's place in the simulation: 0 for the default host, then 1, 2… in the order made. */
  readonly hostIndex: number = 0;
  /** @internal Where this host sits in the default host's heap of hosts that may have work (-1: not in it). */
  heapIndex = -1;
  /** Hosts that may have work (a ready task, a runnable one, a CPU freed), lowest `hostIndex` first (default host's core). */
  private readonly work = new Heap<KernelCore>((a, b) => a.hostIndex < b.hostIndex);
  /** The host whose task was last resumed by the world's loop: the only one whose CPU can be executing. */
  private active: KernelCore = this;
  /** Watches the run for tasks stuck outside the kernel or spinning in it (one for the simulation: the default host's). */
  private readonly watch: RunWatch;
  private culprit: RunReport['culprit'] = null;
  /** sys.log lines go to the console too. */
  private readonly echo: boolean;

  constructor(options: KernelOptions) {
    this.sysLayer = { makeSys: options.makeSys, makeActors: options.makeActors };
    this.echo = options.console ?? !process.env.VITEST;
    if (options.bindProgram) this.sysLayer.bindProgram = options.bindProgram;
    const world = options.hostOf?.world;
    this.world = world ?? null;
    this.watch = world ? world.watch : new RunWatch(this);
    // Another host's census also keeps the simulation's sum over the other hosts up to date (O(1) per change).
    this.census = world ? summedCensus(world.peerCensus) : { live: 0, liveNonDaemon: 0, nonDaemons: 0 };
    this.addr = options.hostOf?.addr ?? options.hosts?.[0] ?? null;
    this.clock = world ? world.clock : new Clock({ mode: options.clock ?? 'virtual' });
    this.rng = world ? world.rng : new Random(options.seed ?? 1);
    const ids = new Random(((options.seed ?? 1) ^ 0x5eed1d5) >>> 0);
    this.runId = customRandom(urlAlphabet, 12, (n) => ids.bytes(n))();
    const t = options.trace;
    this.trace = world ? hostTrace(world.trace, options.hostOf!.addr) : new Trace(t === undefined || t === true ? {} : t === false ? { records: false } : t);
    if (world) {
      world.peers.push(this);
      this.hostIndex = world.peers.length;
      // The default host may have work the world's loop has not seen (a first host made mid-run).
      if (world.heapIndex < 0) world.work.push(world);
    }
    this.ipc = new Ipc(this);
    this.links = new Links(this);
    this.lmk = new LowMemoryKiller(options.memory);
    this.host = new TaskHost(this);
    // A name-server task's host: the receive right waits, unserved, in `unclaimed` for bootstrap_claim.
    if (options.nameService !== undefined && options.nameService !== 'kernel' && options.nameService !== 'task') {
      throw new RangeError(`boot: nameService must be 'kernel' or 'task', not ${JSON.stringify(options.nameService)}`);
    }
    this.nameService = options.nameService ?? 'kernel';
    this.bootstrap = this.newPort(this.nameService === 'task' ? this.unclaimed : this.kspace, 'bootstrap');
    const so = options.sched ?? {};
    const sched: Required<SchedOptions> = {
      policy: so.policy ?? 'fcfs',
      quantum: so.quantum ?? 10,
      cpus: so.cpus ?? 1,
      switchCost: so.switchCost ?? 0,
      registerSets: so.registerSets ?? 1,
      fastPath: so.fastPath ?? true,
    };
    const bad = schedProblem(sched);
    if (bad) throw new RangeError(`boot: ${bad}`);
    this.cpu = new CpuScheduler(this, sched);
    this.proc = { init: options.process?.init ?? false, cascade: options.process?.cascade ?? false };
    const initProgram = this.proc.init;
    if (initProgram === true) {
      // init: pid 1, a daemon that reaps whatever children it is given (orphans), forever.
      const init: Task = createTask(this, 'init', async () => {
        for (;;) await this.msgRpc(init, init.kernelPort, { id: ID.WAIT, body: { pid: -1, block: true } });
      }, { daemon: true });
      this.init = init;
    } else if (initProgram) this.init = createTask(this, 'init', initProgram, { daemon: true });
  }

  /** The trap entry (the core itself), for the syscalls layer. */
  get traps(): Traps {
    return this;
  }

  // ---------------------------------------------------------------------------
  // ids, ports and program texts

  /** A fresh pid. */
  allocPid(): number {
    return this.nextPid++;
  }

  /** A fresh global port id. */
  allocPortId(): number {
    this.trace.counters.portsCreated++;
    return this.nextPortId++;
  }

  /** Creates a port whose receive right goes into space under a fresh name. */
  newPort(space: IpcSpace, label = '', role = ''): Port {
    const port = new Port(this.allocPortId(), space, label, role);
    space.allocate(port, true).receive = true;
    return port;
  }

  /** A port made before any task runs: its receive right waits in `unclaimed` until `spawn(…, { ports })` gives it. */
  makePort(label: string, qlimit?: number): PortRef {
    if (typeof label !== 'string') throw new TypeError('port(label): label must be a string');
    if (qlimit !== undefined && !validQlimit(qlimit)) throw new RangeError(`port(${JSON.stringify(label)}): qlimit must be an integer from 0 to ${MACH_PORT_QLIMIT_MAX}, or Infinity`);
    const port = this.newPort(this.unclaimed, label);
    if (qlimit !== undefined) port.qlimit = qlimit;
    const ref: PortRef = Object.freeze({ id: port.id, label });
    this.portRefs.set(ref, port);
    return ref;
  }

  /** The port a `PortRef` stands for. */
  portOf(ref: PortRef): Port | undefined {
    return this.portRefs.get(ref);
  }

  /** Creates an empty port set named in space. */
  newPortSet(space: IpcSpace): PortSet {
    const set = new PortSet(this.allocPortId(), space);
    space.allocate(null, false).pset = set;
    return set;
  }

  /** Gives space a send right to port (make-send); returns its name there. */
  giveSend(space: IpcSpace, port: Port): number {
    port.mscount++;
    port.srights++;
    const e = space.entryFor(port) ?? space.allocate(port, true);
    if (e.sendRefs > 0) port.srights--;
    e.sendRefs++;
    return e.name;
  }

  /** Gives space a send right to port, under the given name if it is free. */
  shareSend(space: IpcSpace, port: Port, name: number): number {
    const e = space.entryFor(port) ?? space.allocateAt(name, port, true) ?? space.allocate(port, true);
    if (e.sendRefs === 0) port.srights++;
    e.sendRefs++;
    return e.name;
  }

  /** A send right to a task's kernel port, in transit: a handle to the task. */
  handleTo(task: Task): RightInTransit {
    const port = task.kernelPortObject!;
    port.mscount++;
    port.srights++;
    return { kind: 'send', port };
  }

  /**
   * Hands a program text (a function or machine) to the kernel by reference,
   * for a fork, exec or thread_create request that follows: a function cannot
   * be copied into a message. Returns its id; the request takes it.
   */
  text(program: unknown): number {
    const id = ++this.textSeq;
    this.texts.set(id, program);
    return id;
  }

  /** Takes the program text with this id (each id is used once). */
  takeText(id: number): unknown {
    const text = this.texts.get(id);
    this.texts.delete(id);
    return text;
  }

  // ---------------------------------------------------------------------------
  // the trap entry (what the syscalls layer calls; see Traps)

  /** Trap msg_send for task. Resolves to a code (see Ipc.send). */
  msgSend(task: Task, dest: number, msg: OutMessage, opts?: SendOptions): Promise<number> {
    this.enter(task, 'msg_send');
    const code = this.ipc.send(task, dest, msg, opts);
    if (code === undefined) return this.pending<number>(task);
    if (code !== MACH_MSG_SUCCESS && this.watch.idleTrap(task)) return NEVER as Promise<number>;
    return this.done(task, code);
  }

  /** Trap msg_receive for task. Resolves to a ReceiveResult (see Ipc.receive). */
  msgReceive(task: Task, name: number, opts?: ReceiveOptions): Promise<ReceiveResult> {
    this.enter(task, 'msg_receive');
    const r = this.ipc.receive(task, name, opts?.timeout);
    if (r === undefined) return this.pending<ReceiveResult>(task);
    if (!r.ok && this.watch.idleTrap(task)) return NEVER as Promise<ReceiveResult>;
    return this.done(task, r);
  }

  /**
   * Trap msg_rpc for task: send msg (with the task's reply port as a send-once
   * reply right unless msg.reply is given), then receive on the reply port.
   * A send that does not succeed ends the call without receiving. One trap.
   */
  msgRpc(task: Task, dest: number, msg: OutMessage, opts: RpcOptions = {}): Promise<ReceiveResult> {
    this.enter(task, 'msg_rpc');
    return this.sendThenReceive(task, dest, msg, opts, (typeof msg === 'object' && msg !== null ? msg.reply : undefined) ?? task.replyPort, task.replyPort);
  }

  /**
   * Trap msg_send_receive for task (Mach's mach_msg with both send and receive,
   * a server's "reply, then take the next request"): send msg to dest, then
   * receive on `rcv` (a port or port set), in one trap. A send that does not
   * succeed ends the call without receiving. Codes: those of msg_send, then
   * those of msg_receive.
   */
  msgSendReceive(task: Task, dest: number, msg: OutMessage, rcv: number, opts: RpcOptions = {}): Promise<ReceiveResult> {
    this.enter(task, 'msg_send_receive');
    return this.sendThenReceive(task, dest, msg, opts, rcv, 0);
  }

  /** The two halves of msg_rpc and msg_send_receive: the send, then (if it succeeded) the receive on rcv. */
  private sendThenReceive(task: Task, dest: number, msg: OutMessage, opts: RpcOptions, rcv: number, defaultReply: number): Promise<ReceiveResult> {
    const rcvTimeout = opts.rcvTimeout;
    if (rcvTimeout !== undefined && !(typeof rcvTimeout === 'number' && rcvTimeout >= 0)) {
      return this.done(task, { ok: false, code: KERN_INVALID_ARGUMENT, msg: null } as ReceiveResult);
    }
    task.rpcReply = rcv;
    task.rpcTimeout = rcvTimeout;
    const kernelCall = defaultReply !== 0 && rcv === task.replyPort && task.space.lookup(dest)?.port?.receiver === this.kspace;
    const code = this.ipc.send(task, dest, msg, opts, defaultReply);
    if (code === undefined) {
      task.cont = this.rpcReceive;
      return this.pending<ReceiveResult>(task);
    }
    if (kernelCall && code === MACH_MSG_SUCCESS) {
      // A kernel-served call (Mach's kernel object server): the request is served on the
      // scheduler at this instant, and the caller stays running in its trap meanwhile,
      // holding its CPU; it goes on with the reply (see `served`). Only a reply the routine
      // defers (wait, a look-up that waits) makes it block.
      task.inKernel = true;
      task.result = code;
      task.cont = this.rpcReceive;
      this.cpu.current = null;
      this.kick();
      return this.pending<ReceiveResult>(task);
    }
    const r = this.rpcReceive(task, code);
    if (r === undefined) return this.pending<ReceiveResult>(task);
    if (!r.ok && this.watch.idleTrap(task)) return NEVER as Promise<ReceiveResult>;
    return this.done(task, r);
  }

  /** msg_rpc's second half: after a successful send, receive the reply (undefined: it blocked). */
  private readonly rpcReceive = (task: Task, code: unknown): ReceiveResult | undefined =>
    code === MACH_MSG_SUCCESS ? this.ipc.receive(task, task.rpcReply, task.rpcTimeout) : { ok: false, code: code as number, msg: null };

  /** sys.compute: the running task computes for ms of virtual time on its CPU (see CpuScheduler.compute). */
  compute(task: Task, ms: number): Promise<void> {
    if (task.state !== 'running' || this.cpu.current !== task) this.misuse(task, 'compute');
    return this.cpu.compute(task, ms) ? this.pending<void>(task) : this.done(task, undefined);
  }

  /**
   * The view a task's process has of a region it maps (a `Uint8Array` over the region's own
   * bytes: handed by reference, as a mapping is, never copied), or null.
   */
  view(task: Task, name: number): Uint8Array | null {
    const port = task.space.lookup(name)?.port;
    const named = port?.kobject instanceof Region ? port.kobject : null;
    if (!named) return null;
    // A private copy (MAP_PRIVATE, after a fork) stands in for the region the name denotes.
    const region = (task.process.privateCopies?.get(named) as Region | undefined) ?? named;
    return region.mappings.get(task.process)?.view ?? null;
  }

  /** The current virtual time (ms). */
  now(): number {
    return this.clock.now();
  }

  /** A name server's space is about to be destroyed: the bootstrap port's receive right comes back (kernel/server/netname.ts). */
  reclaimBootstrap(space: IpcSpace): void {
    reclaimBootstrap(this, space);
  }

  /** A number in [0, 1) from the kernel's seeded generator. */
  random(): number {
    return this.rng.next();
  }

  // ---------------------------------------------------------------------------
  // the network device (NET)

  private wireOf: Wire | null = null;
  /** This host's device port, once its network server has attached. */
  private netDevice: Port | null = null;

  /** The simulation's one wire (made on first use, on the default host's core; hosts attached as they ask). */
  get wire(): Wire {
    if (this.world) return this.world.wire;
    if (!this.wireOf) {
      this.wireOf = new Wire(this.clock, this.rng, (r) => {
        if (this.trace.on) this.trace.emit({ t: r.t, kind: 'packet', pid: 0, task: 'wire', op: r.fate, size: r.size, detail: `${r.from} → ${r.to}${packetLabel(r.meta)}`, src: r.from, dst: r.to, ref: r.seq });
      });
    }
    return this.wireOf;
  }

  /** This host's address on the wire ('0.0.0.0' for an unnamed default host). */
  get address(): string {
    return this.addr ?? '0.0.0.0';
  }

  netAttach(task: Task): number | { name: number } {
    if (this.netDevice) return KERN_NO_ACCESS;
    const port = this.newPort(task.space, `net ${this.address}`);
    this.netDevice = port;
    this.wire.attach(this.address, (p: Packet) => {
      if (port.active) this.ipc.notify(port, NET_PACKET_ID, { from: p.from, to: p.to, bytes: p.bytes, meta: p.meta, seq: p.seq });
      this.kick();
    });
    return { name: task.space.entryFor(port)!.name };
  }

  netTransmit(dst: string, bytes: Uint8Array, meta: unknown): string | null {
    return this.wire.transmit(this.address, dst, bytes, meta)?.fate ?? null;
  }

  /** Writes a 'log' record for task: the parts joined by spaces (strings as they are, the rest as JSON). */
  log(task: Task, parts: readonly unknown[]): void {
    if (!this.trace.on && !this.echo) return;
    const detail = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
    if (this.echo) console.log(`t=${this.clock.now()} ${task.name}: ${detail}`);
    if (this.trace.on) this.trace.emit({ t: this.clock.now(), kind: 'log', pid: task.pid, task: task.name, detail });
  }

  /** Runs the program's part of a trap: checks that the task may trap now. */
  private enter(task: Task, op: string): void {
    if (task.state !== 'running' || this.cpu.current !== task) this.misuse(task, op);
    this.trace.counters.traps++;
    task.pcb.pc = op;
    task.lastError = '';
    if (this.trace.on) this.trace.trap(this.clock.now(), task.pid, task.name, op);
  }

  /**
   * A call made while the task's previous call is still pending (a forgotten
   * `await`), or after the task ended: the task ends now with an error status
   * that says so (before anything else can run), and the call throws.
   */
  private misuse(task: Task, op: string): never {
    const err = new Error(
      task.state === 'terminated'
        ? `task ${task.pid} (${task.name}) has ended: it cannot call ${op}`
        : `task ${task.pid} (${task.name}) called ${op} while its previous call was still pending (${task.pcb.pc}): a task makes one system call at a time (await each one; use threads for more)`,
    );
    if (task.state !== 'terminated') exitTask(this, task, errorStatusOf(err));
    throw err;
  }

  /**
   * The trap finished at once: the task keeps the CPU and gets the value —
   * unless a task of higher priority became ready meanwhile (priority
   * policy): then it is preempted here, on its way out of the kernel, and
   * gets the value when it runs again.
   */
  private done<T>(task: Task, value: T): Promise<T> {
    if (task.preemptPending || (this.cpu.sched.policy === 'priority' && this.cpu.outranked(task))) {
      task.preemptPending = false;
      task.result = value;
      this.cpu.preempt(task);
      return this.pending<T>(task);
    }
    if (!task.machine) return Promise.resolve(value);
    task.inFlight++;
    return Promise.resolve(value).finally(() => task.inFlight--);
  }

  /** The trap blocked: the value comes when the task is next dispatched. */
  private pending<T>(task: Task): Promise<T> {
    if (!task.machine) return new Promise<T>((resolve) => (task.resolve = resolve as (v: unknown) => void));
    task.inFlight++;
    return new Promise<T>((resolve) => {
      task.resolve = (v) => {
        task.inFlight--;
        resolve(v as T);
      };
    });
  }

  // ---------------------------------------------------------------------------
  // blocking, the state diagram and the CPU

  /** The running task cannot go on: running → waiting, and its CPU goes to the next ready task. */
  block(task: Task, wait: Wait): void {
    task.wait = wait;
    task.preemptPending = false; // it leaves the CPU anyway
    this.trace.counters.blocks++;
    this.move(task, 'block');
    task.pcb.queue = wait.kind;
    if (this.trace.on) {
      const r: Omit<TraceRecord, 'seq'> = { t: this.clock.now(), kind: 'block', pid: task.pid, task: task.name, detail: wait.what(), wait: wait.reason ?? wait.kind };
      const role = wait.role;
      if (role) r.role = role;
      this.trace.emit(r);
    }
    const next = this.cpu.handoff;
    this.cpu.handoff = null;
    if (next && this.cpu.handoffTo(task, next)) return;
    this.cpu.release(task);
  }

  /** What a blocked task waited for happened: waiting → ready; value is what its trap returns (`slept`: a sleep ended). */
  wake(task: Task, value: unknown, since: number, slept = false): void {
    if (task.state !== 'waiting') return;
    task.wait = null;
    task.result = value;
    const waited = this.clock.now() - since;
    this.trace.counters.blockedTime += waited;
    task.pcb.waitTime += waited;
    if (this.trace.on) {
      // The record { t, kind: 'wake', pid, task, wait: 'sleep' | code, codeName }, kept without an object (trace.wake).
      const code = slept ? undefined : typeof value === 'number' ? value : (value as { code?: number } | undefined)?.code;
      this.trace.wake(this.clock.now(), task.pid, task.name, slept, code, code === undefined ? undefined : codeName(code));
    }
    this.move(task, 'wake');
    this.cpu.makeReady(task);
  }

  /** Ends a task's wait early: a blocked trap returns *_INTERRUPTED (Mach's thread_abort). */
  interrupt(task: Task): void {
    const wait = task.wait;
    if (!wait || task.state !== 'waiting') return;
    wait.cancel();
    const value =
      wait.kind === 'send' ? MACH_SEND_INTERRUPTED : wait.kind === 'receive' ? { ok: false, code: MACH_RCV_INTERRUPTED, msg: null } : undefined;
    this.wake(task, value, wait.since);
  }

  /** Moves a task along one arrow of the state diagram, tracing it. */
  move(task: Task, ev: TaskEvent['type']): void {
    let from: PCB['state'];
    try {
      from = task.transition(ev);
    } catch (err) {
      this.bugs.push(err as Error);
      if (this.trace.on) this.trace.emit({ t: this.clock.now(), kind: 'error', pid: task.pid, task: task.name, detail: (err as Error).message });
      throw err;
    }
    // The record { t, kind: 'state', pid, task, op, from, cpu? }, kept without an object (trace.state).
    if (this.trace.on) this.trace.state(this.clock.now(), task.pid, task.name, task.state, from, task.pcb.cpu);
  }

  /** The executing task handed a message to a waiting receiver: if the sender blocks next, the receiver may get its CPU. */
  handedTo(sender: number, receiver: Task): void {
    const cur = this.cpu.current;
    if (cur && cur.pid === sender) this.cpu.handoff = receiver;
  }

  /** The last send right to a kernel object's port went: a memory region nobody maps is freed (see `Region.freeIfUnused`). */
  kobjectNoSenders(port: Port): void {
    if (port.kobject instanceof Region) port.kobject.freeIfUnused();
  }

  /** The task whose program code executes now. */
  executing(): Task | null {
    return this.cpu.current;
  }

  /** A machine program on a CPU has nothing in flight: it waits for a timer or an event. */
  idle(task: Task): void {
    this.host.idle(task);
  }

  /** A task's program ended (returned, threw, or its machine finished): the task exits. */
  programEnded(task: Task, status: ExitStatus): void {
    exitTask(this, task, status);
  }

  /** Ends every thread of a process (a kill, a cascade, a CPU limit). */
  killProcess(proc: Task, status: ExitStatus, why: string): void {
    killProcess(this, proc, status, why);
  }

  /** CPU time a task has used up to now. */
  cpuTimeOf(task: Task): number {
    return this.cpu.cpuTimeOf(task);
  }

  /** Tells the syscalls layer which sys a machine program's actor uses. */
  bindProgram(actor: unknown, sys: unknown): void {
    this.sysLayer.bindProgram?.(actor, sys);
  }

  /**
   * The object server has handled a request of task's: if the task waits in its
   * trap for it (a kernel-served call), it goes on (on its CPU) with the reply,
   * or blocks if the routine deferred it.
   */
  served(task: Task): void {
    if (!task.inKernel) return;
    task.inKernel = false;
    if (task.state === 'running') this.cpu.runnableAgain(task);
  }

  /** A request landed on a kernel-received port: serve it on the scheduler (at the current time). */
  serveLater(port: Port): void {
    if (port.serving) return;
    port.serving = true;
    this.clock.fireAfter(0, (port.server ??= new PortServer(this, port)));
  }

  // ---------------------------------------------------------------------------
  // the dispatch loop and the run

  /** Schedules a turn of the dispatch loop. */
  kick(): void {
    if (this.world) {
      if (this.heapIndex < 0) this.world.work.push(this);
      return this.world.kick();
    }
    if (this.heapIndex < 0 && this.peers.length > 0) this.work.push(this);
    if (this.kicked || !this.running) return;
    this.kicked = true;
    // Mostly a microtask; now and then a macrotask, so the host's event loop (and test timeouts) can breathe.
    if (++this.kicks % 1024 === 0) setImmediate(this.dispatchFn);
    else queueMicrotask(this.dispatchFn);
  }

  /**
   * The scheduler's loop: fire due timers, give idle CPUs the next ready
   * tasks, let the next runnable task's program go on; when nothing can,
   * move time to the next timer; end the run when nothing can move at all.
   */
  private dispatch(): void {
    this.kicked = false;
    if (this.peers.length > 0) return this.dispatchWorld();
    if (!this.running || this.cpu.current) return;
    const c = this.census;
    for (;;) {
      if (c.liveNonDaemon === 0 && (c.live === 0 || c.nonDaemons > 0)) return this.finish('done');
      this.clock.fireDue();
      if (this.cpu.current) return;
      this.cpu.fillCpus();
      const task = this.cpu.nextRunnable();
      if (task) return this.cpu.resume(task);
      const next = this.clock.nextTime();
      if (next === undefined || next === Infinity) return this.finish(c.live === 0 ? 'done' : 'deadlock');
      if (next > this.until) {
        // Time runs on to the limit: the report says when the run stopped.
        this.clock.advanceTo(this.until);
        return this.finish('time-limit');
      }
      if (this.clock.mode === 'real' && next > this.clock.now()) {
        this.kicked = true;
        setTimeout(this.dispatchFn, next - this.clock.now());
        return;
      }
      this.clock.fireNext();
    }
  }

  /**
   * The loop of a simulation with several hosts (this is the default host's core): the same
   * as `dispatch`, over every host: time moves to the next timer only when no host has a
   * runnable task; the run is done when every host's non-daemon tasks have ended.
   *
   * O(log hosts) a turn, not O(hosts): only hosts that may have work are looked at, from the
   * heap `work` (a host enters it when its scheduler kicks the loop: a task made ready or
   * runnable, a CPU freed; it leaves when it has nothing runnable), lowest `hostIndex` first,
   * which is the order a scan over every host would take, so traces are the same. Only the
   * host last resumed (`active`) can be executing; the census sums are kept as they change.
   */
  private dispatchWorld(): void {
    if (!this.running || this.active.cpu.current) return;
    const own = this.census;
    const sum = this.peerCensus;
    for (;;) {
      const live = own.live + sum.live;
      if (own.liveNonDaemon + sum.liveNonDaemon === 0 && (live === 0 || own.nonDaemons + sum.nonDaemons > 0)) return this.finish('done');
      this.clock.fireDue();
      if (this.active.cpu.current) return;
      for (let k = this.work.peek(); k; k = this.work.peek()) {
        k.cpu.fillCpus();
        const task = k.cpu.nextRunnable();
        if (task) {
          this.active = k;
          return k.cpu.resume(task);
        }
        this.work.pop();
      }
      const next = this.clock.nextTime();
      if (next === undefined || next === Infinity) return this.finish(live === 0 ? 'done' : 'deadlock');
      if (next > this.until) {
        this.clock.advanceTo(this.until);
        return this.finish('time-limit');
      }
      this.clock.fireNext();
    }
  }

  /**
   * Runs until every non-daemon task has ended, or nothing can move (a
   * deadlock, reported with who waits on what), or virtual time reaches
   * `until`. Resolves to a report; never rejects for a task's failure.
   */
  run(options: RunOptions = {}): Promise<RunReport> {
    if (this.world) return Promise.reject(new Error(`host ${this.addr}: run the simulation from the default host (k.run())`));
    if (this.running) return Promise.reject(new Error('kernel.run() is already running'));
    try {
      this.watch.start(options);
    } catch (err) {
      return Promise.reject(err);
    }
    this.running = true;
    for (const k of this.peers) k.running = true;
    // Every host may have work at the start (tasks spawned before the run); the loop drops those that have none.
    for (const k of [this, ...this.peers]) if (this.peers.length > 0 && k.heapIndex < 0) this.work.push(k);
    this.culprit = null;
    this.until = options.until ?? Infinity;
    return new Promise<RunReport>((resolve) => {
      this.finishRun = resolve;
      this.kick();
    });
  }

  /**
   * Ends the run early: a task is stuck outside the kernel, or spins in it (see RunWatch).
   * The task may be on any host: the culprit and the trace record then name its host.
   */
  stop(status: 'stuck' | 'livelock', task: Task, why: string): void {
    if (this.world) return this.world.stop(status, task, why);
    if (!this.running) return;
    const k = this.coreOf(task);
    this.culprit = { pid: task.pid, name: task.name, why };
    if (k !== this && k.addr !== null) this.culprit.host = k.addr;
    if (k.trace.on) k.trace.emit({ t: this.clock.now(), kind: status, pid: task.pid, task: task.name, detail: why });
    this.finish(status);
  }

  /** The host whose task table holds task (this core when none other does). */
  private coreOf(task: Task): KernelCore {
    if (this.tasks.get(task.pid) === task) return this;
    return this.peers.find((k) => k.tasks.get(task.pid) === task) ?? this;
  }

  /** The task whose program code executes now on any host of the simulation (the watch asks, to find a stuck one). */
  executingAnywhere(): Task | null {
    if (this.cpu.current) return this.cpu.current;
    for (const k of this.peers) if (k.cpu.current) return k.cpu.current;
    return null;
  }

  private finish(status: RunReport['status']): void {
    this.running = false;
    for (const k of this.peers) k.running = false;
    this.watch.stop();
    this.trace.flush();
    const deadlock: DeadlockEntry[] = [];
    if (status === 'deadlock') {
      for (const k of [this, ...this.peers]) {
        for (const t of k.tasks.values()) {
          if (t.state === 'terminated' || t.daemon) continue;
          const what = t.deferredOn ? `waits on ${t.deferredOn}` : (t.wait?.what() ?? (t.suspendCount > 0 ? `stopped (suspend count ${t.suspendCount})` : t.state));
          const entry: DeadlockEntry = { pid: t.pid, name: t.name, waitsOn: t.call ? `${t.call}: ${what}` : what };
          if (k !== this && k.addr !== null) entry.host = k.addr;
          deadlock.push(entry);
        }
      }
      if (deadlock.length === 0) status = 'done';
      else if (this.trace.on) {
        // A task on another host is named with it: `stuck(1@161.25.19.8)`.
        const detail = deadlock.map((d) => `${d.name}(${d.pid}${d.host ? `@${d.host}` : ''}) waits: ${d.waitsOn}`).join('; ');
        this.trace.emit({ t: this.clock.now(), kind: 'deadlock', pid: 0, task: 'kernel', detail });
      }
    }
    const c = this.trace.counters;
    const report: RunReport = {
      status,
      time: this.clock.now(),
      deadlock,
      culprit: this.culprit,
      queued: c.messagesSent - c.messagesReceived - c.messagesDestroyed,
      records: { made: this.trace.total, dropped: this.trace.dropped },
      tasks: [...this.tasks.values()].map((t) => ({ pid: t.pid, name: t.name, state: t.state, exit: t.pcb.exit })),
      counters: { ...this.trace.counters, handoffs: this.cpu.handoffs },
      cpus: this.cpu.cpus.map((c) => ({ id: c.id, busyTime: c.busyTime, switchTime: c.switchTime })),
    };
    for (const k of this.peers) {
      for (const t of k.tasks.values()) report.tasks.push({ pid: t.pid, name: t.name, state: t.state, exit: t.pcb.exit, host: k.address });
    }
    const done = this.finishRun;
    this.finishRun = null;
    done?.(report);
  }
}

/** A packet's label for its trace record: the sender's `meta.label` (a TCP header's flags, seq, ack), after a space; '' without one. */
function packetLabel(meta: unknown): string {
  const label = (meta as { label?: unknown } | null | undefined)?.label;
  return typeof label === 'string' ? ` ${label}` : '';
}

/**
 * What the clock fires to serve a kernel-received port (one per port, made on its first
 * request). A class rather than an object literal with an arrow function: under tsx
 * (esbuild's keepNames) every such arrow gets a `name` defined on it, a dictionary of
 * properties and a hidden class of its own (~0.5 KB a port).
 */
class PortServer {
  constructor(
    private readonly k: KernelCore,
    private readonly port: Port,
  ) {}

  fire(): void {
    this.port.serving = false;
    serve(this.k, this.port);
  }
}
