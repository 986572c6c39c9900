import {
  ANY, KERN_SUCCESS, MACH_MSG_SUCCESS, MACH_SEND_INVALID_DEST, type InMessage, type Kernel, type RightToSend, type SendOptions, type Sys,
} from '../../index.ts';
import type { FifoBook, Ledger } from './invariants.ts';
import type { DirectMode, Fault, SendPolicy, Step } from './workload.ts';

/** The message an injected crash throws (a task that ends with it is expected to). */
export const CRASH = 'fuzz: injected crash';

/** What a process (and its threads) keeps between steps: names in its space, and what they stand for. */
export interface Proc {
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
  /** Its parent's pid (a forked child), 0 for a top-level task. */
  parent: number;
  /** Pids of its forked children. */
  kids: number[];
  /** Names of mailboxes (`mb<slot>`), regions (`rg<slot>`) and semaphores (`sm<slot>`) it made or looked up. */
  objs: Map<string, number>;
}

/** A new process's books: a service's (index ≥ 0) or a forked child's (-1). */
export function newProc(service: number, qlimit: number | null, depth: number, parent = 0): Proc {
  return { service, qlimit, mine: 0, set: 0, peers: new Map(), got: [], owned: [], handles: [], rpcPort: 0, depth, serviceDead: false, parent, kids: [], objs: new Map() };
}

/** What the interpreter needs of the run around it. */
export interface Env {
  readonly kernel: Kernel<Sys>;
  readonly fifo: FifoBook;
  /** Books of links, mailboxes and semaphores (see `Ledger`). */
  readonly ledger: Ledger;
  /** Top-level tasks, each with its service port s<i>. */
  readonly services: number;
  /** Pids of the top-level tasks, by index (filled as they are spawned). */
  readonly pids: readonly number[];
  /** Checks the invariants after a step; false once the run has failed (programs then stop). */
  check(sys: Sys, where: string): boolean;
  failed(): boolean;
  /** The receive right under `name` in sys's space is about to travel in a message. */
  moving(sys: Sys, name: number): void;
}

/** A send target: its name, whether it is a send-once right, and which service it is (-1: a right received). */
interface Target {
  name: number;
  once: boolean;
  service: number;
}

/** Rights received kept at most. */
const KEEP = 6;
export const qlimitOf = (n: number | null): number => (n === null ? Infinity : n);
const sendOptions = (s: { policy: SendPolicy; ms: number }): SendOptions => (s.policy === 'wait' ? {} : s.policy === 'timeout' ? { timeout: s.ms } : { policy: s.policy });
const directOptions = (mode: DirectMode, ms: number) => (mode === 'block' ? {} : mode === 'try' ? { block: false } : { timeout: ms });

/**
 * The workload's programs: runs step lists as system calls, keeping each
 * process's names in a `Proc` (shared by its threads). Every step means
 * something whatever was removed around it: targets are taken modulo what
 * exists, a missing port is made on demand, a call that fails is left at its
 * code. No random choice is made here: all of them are in the workload.
 */
export class Programs {
  /** Steps executed so far (every task, child and thread). */
  steps = 0;

  constructor(private readonly env: Env) {}

  /** Reports a message received to the FIFO book: its port's global id, the receiving process, its seqno. */
  private got(sys: Sys, msg: InMessage): void {
    const task = this.env.kernel.tasks.get(sys.pid)!;
    this.env.fifo.received(task.space.lookup(msg.port)?.port?.id ?? -1, task.process.pid, msg.seqno, msg.sender, msg.body);
  }

  /** The kernel's port object a name in sys's space stands for (null if none). */
  private portOf(sys: Sys, name: number) {
    return this.env.kernel.tasks.get(sys.pid)?.space.lookup(name)?.port ?? null;
  }

  /** The pid of sys's process. */
  private procPid(sys: Sys): number {
    return this.env.kernel.tasks.get(sys.pid)?.process.pid ?? sys.pid;
  }

  /** Peer `to` for direct communication: the top-level tasks, the parent, the children (modulo), never itself; 0 when none. */
  private peer(sys: Sys, p: Proc, to: number): number {
    const me = this.procPid(sys);
    const list = [...this.env.pids, ...(p.parent ? [p.parent] : []), ...p.kids].filter((pid) => pid !== me);
    return list.length === 0 ? 0 : list[to % list.length]!;
  }

  /**
   * The name of object `key` (`mb0`, `rg1`, `sm0`…): the process's own, else looked up, else
   * made now and checked in (slot 0: a one-at-a-time mailbox of capacity 2, a shared region,
   * a semaphore at 0; slot 1: a system-picks mailbox, a private region, a mutex). 0 when it
   * could not be had.
   */
  private async obj(sys: Sys, p: Proc, key: string): Promise<number> {
    const known = p.objs.get(key);
    if (known !== undefined) return known;
    const r = await sys.netname_look_up(key);
    if (r.code === KERN_SUCCESS) {
      p.objs.set(key, r.port!);
      return r.port!;
    }
    const slot = Number(key.slice(2));
    let name = 0;
    if (key.startsWith('mb')) name = (await sys.mailbox_create(slot === 0 ? 'one-at-a-time' : 'system-picks', 2, 'round-robin')).mailbox ?? 0;
    else if (key.startsWith('rg')) name = (await sys.region_create(64, slot === 0)).region ?? 0;
    else {
      name = (slot === 0 ? await sys.semaphore_create(0) : await sys.mutex_create()).semaphore ?? 0;
      const port = name ? this.portOf(sys, name) : null;
      if (port) this.env.ledger.semCreated(port.id, slot === 0 ? 0 : 1);
    }
    if (!name) return 0;
    p.objs.set(key, name);
    await sys.netname_check_in(key, name);
    return name;
  }

  /** Forgets object `key` (it is gone or no longer wanted): its name deallocated. */
  private async dropObj(sys: Sys, p: Proc, key: string): Promise<void> {
    const name = p.objs.get(key);
    if (name === undefined) return;
    p.objs.delete(key);
    await sys.port_deallocate(name);
  }

  /** One step on a link, mailbox, region or semaphore (see `Step` in workload.ts). */
  private async runObjectStep(sys: Sys, p: Proc, s: Step): Promise<void> {
    const { kernel, fifo, ledger } = this.env;
    switch (s.op) {
      case 'link': {
        const peer = this.peer(sys, p, s.to);
        if (peer) await sys.link_open(peer, qlimitOf(s.capacity));
        return;
      }
      case 'dsend': {
        const peer = this.peer(sys, p, s.to);
        if (!peer) return;
        const mark = fifo.mark(sys.pid);
        const code = await sys.send(peer, mark, directOptions(s.mode, s.ms));
        if (code !== MACH_MSG_SUCCESS) return;
        const me = kernel.tasks.get(sys.pid)!.process;
        const them = kernel.tasks.get(peer);
        const link = them ? kernel.core.links.find(me, them) : undefined;
        if (link) ledger.sentTo(mark, link.a === me ? link.ab : link.ba, `p${peer}`);
        return;
      }
      case 'drecv': {
        const from = s.to === null ? ANY : this.peer(sys, p, s.to);
        if (!from) return;
        const done = ledger.receiving(`p${this.procPid(sys)}`, sys.pid);
        const r = await sys.receive(from, directOptions(s.mode, s.ms));
        done();
        if (!r.ok || !r.msg) return;
        this.got(sys, r.msg);
        ledger.received(r.msg.body);
        return;
      }
      case 'mbox': {
        const r = await sys.mailbox_create(s.sharing, qlimitOf(s.capacity), s.pick);
        if (r.code !== KERN_SUCCESS) return;
        await this.dropObj(sys, p, `mb${s.slot}`);
        p.objs.set(`mb${s.slot}`, r.mailbox!);
        await sys.netname_check_in(`mb${s.slot}`, r.mailbox!);
        return;
      }
      case 'msend': {
        const name = await this.obj(sys, p, `mb${s.slot}`);
        const port = name ? this.portOf(sys, name) : null;
        if (!port) return;
        const mark = fifo.mark(sys.pid);
        const code = await sys.mailbox_send(name, mark, sendOptions(s));
        if (code === MACH_MSG_SUCCESS) ledger.sentTo(mark, port, `m${port.id}`);
        else if (code === MACH_SEND_INVALID_DEST) await this.dropObj(sys, p, `mb${s.slot}`);
        return;
      }
      case 'mrecv': {
        const name = await this.obj(sys, p, `mb${s.slot}`);
        const port = name ? this.portOf(sys, name) : null;
        if (!port) return;
        const done = ledger.receiving(`m${port.id}`, sys.pid);
        const r = await sys.mailbox_receive(name, { ...(s.ms === null ? {} : { timeout: s.ms }), wait: s.wait });
        done();
        if (r.ok) {
          fifo.receivedOnce(port.id, r.from, r.body);
          ledger.received(r.body);
        } else if (!port.active) await this.dropObj(sys, p, `mb${s.slot}`);
        return;
      }
      case 'mdestroy': {
        const name = p.objs.get(`mb${s.slot}`);
        if (name !== undefined && (await sys.mailbox_destroy(name)) === KERN_SUCCESS) await this.dropObj(sys, p, `mb${s.slot}`);
        return;
      }
      case 'region': {
        const r = await sys.region_create(64, s.shared);
        if (r.code !== KERN_SUCCESS) return;
        await this.dropObj(sys, p, `rg${s.slot}`);
        p.objs.set(`rg${s.slot}`, r.region!);
        const m = await sys.region_map(r.region!);
        if (m.view) m.view[0] = sys.pid & 0xff;
        if (s.publish) await sys.netname_check_in(`rg${s.slot}`, r.region!);
        return;
      }
      case 'map': {
        const name = await this.obj(sys, p, `rg${s.slot}`);
        if (!name) return;
        const m = await sys.region_map(name);
        if (m.view && m.view.length > 1) m.view[1] = sys.pid & 0xff;
        return;
      }
      case 'unmap': {
        const name = p.objs.get(`rg${s.slot}`);
        if (name !== undefined) await sys.region_unmap(name);
        return;
      }
      case 'rdrop':
        await this.dropObj(sys, p, `rg${s.slot}`);
        return;
      case 'sem': {
        const r = s.mutex ? await sys.mutex_create() : await sys.semaphore_create(s.value);
        if (r.code !== KERN_SUCCESS) return;
        const port = this.portOf(sys, r.semaphore!);
        if (port) ledger.semCreated(port.id, s.mutex ? 1 : s.value);
        await this.dropObj(sys, p, `sm${s.slot}`);
        p.objs.set(`sm${s.slot}`, r.semaphore!);
        await sys.netname_check_in(`sm${s.slot}`, r.semaphore!);
        return;
      }
      case 'swait':
      case 'ssignal': {
        const name = await this.obj(sys, p, `sm${s.slot}`);
        const port = name ? this.portOf(sys, name) : null;
        if (!port) return;
        if (!port.active) return this.dropObj(sys, p, `sm${s.slot}`);
        const done = ledger.semCall(port.id, sys.pid, s.op === 'swait' ? 'wait' : 'signal');
        const code = s.op === 'swait' ? await sys.semaphore_wait(name, s.ms ?? undefined) : await sys.semaphore_signal(name);
        done(code === KERN_SUCCESS);
        return;
      }
      case 'sdestroy': {
        const name = p.objs.get(`sm${s.slot}`);
        if (name !== undefined && (await sys.semaphore_destroy(name)) === KERN_SUCCESS) await this.dropObj(sys, p, `sm${s.slot}`);
        return;
      }
    }
  }

  /** The process's own port, made (and checked in, for a service) when it has none. Returns its name, 0 if it could not. */
  async ensureMine(sys: Sys, p: Proc): Promise<number> {
    if (!p.mine) {
      const r = await sys.port_allocate('receive', p.service >= 0 ? `s${p.service}` : `p${sys.pid}`);
      if (r.code === KERN_SUCCESS) {
        p.mine = r.name!;
        if (p.service >= 0 && !p.serviceDead) await sys.netname_check_in(`s${p.service}`, p.mine);
      }
    }
    return p.mine;
  }

  /** Target `to`: a service s<j> (a right to it, looked up if needed), or a right received (taken modulo what exists). */
  private async target(sys: Sys, p: Proc, to: number): Promise<Target | null> {
    const n = this.env.services;
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
  }

  /** Drops a target that died (or is to be forgotten): out of the books, and its name deallocated. */
  private async forgetTarget(sys: Sys, p: Proc, t: Target): Promise<void> {
    if (t.service >= 0 && t.service !== p.service) p.peers.delete(t.service);
    else if (t.service < 0) p.got = p.got.filter((g) => g.name !== t.name);
    if (t.name !== p.mine) await sys.port_deallocate(t.name);
  }

  /** The right a send step carries (none when the process has nothing to give). */
  private async carry(sys: Sys, p: Proc, what: Step & { op: 'send' }, to: number): Promise<RightToSend[]> {
    switch (what.carry) {
      case 'make-send':
      case 'make-send-once':
        return (await this.ensureMine(sys, p)) ? [{ name: p.mine, disposition: what.carry }] : [];
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
        this.env.moving(sys, name);
        return [{ name, disposition: 'move-receive' }];
      }
      case 'move-receive': {
        // A fresh port with one message queued in it, moved away with its queue.
        const r = await sys.port_allocate('receive', `m${sys.pid}`);
        if (r.code !== KERN_SUCCESS) return [];
        await sys.msg_send(r.name!, { id: 3, body: this.env.fifo.mark(sys.pid) }, { policy: 'return' });
        this.env.moving(sys, r.name!);
        return [{ name: r.name!, disposition: 'move-receive' }];
      }
      case 'handle': {
        const r = await sys.task_self();
        return r.code === KERN_SUCCESS ? [{ name: r.name!, disposition: 'copy-send' }] : [];
      }
      default:
        return [];
    }
  }

  /** What to do with a message received: keep its rights, drop them, or answer its reply right. */
  private async afterReceive(sys: Sys, p: Proc, how: 'keep' | 'drop' | 'reply', msg: InMessage): Promise<void> {
    if (msg.reply) {
      if (how === 'reply') await sys.msg_send(msg.reply, { id: msg.id + 100, body: this.env.fifo.mark(sys.pid) }, { policy: 'return' });
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
  }

  /** One step as system calls (see `Step` in workload.ts for what each does). */
  private async runStep(sys: Sys, p: Proc, s: Step): Promise<void> {
    switch (s.op) {
      case 'send': {
        const t = await this.target(sys, p, s.to);
        if (!t) return;
        const rights = await this.carry(sys, p, s, t.name);
        const code = await sys.msg_send(t.name, { id: 1, body: this.env.fifo.mark(sys.pid), rights }, sendOptions(s));
        if (t.once) p.got = p.got.filter((g) => g.name !== t.name);
        if (code === MACH_SEND_INVALID_DEST) await this.forgetTarget(sys, p, t);
        return;
      }
      case 'rpc': {
        const t = await this.target(sys, p, s.to);
        if (!t) return;
        if (!p.rpcPort) p.rpcPort = (await sys.port_allocate('receive', `r${sys.pid}`)).name ?? 0;
        if (!p.rpcPort) return;
        const r = await sys.msg_rpc(t.name, { id: 2, body: this.env.fifo.mark(sys.pid), reply: p.rpcPort, replyDisposition: 'make-send-once' }, { timeout: s.ms, rcvTimeout: s.ms + 1 });
        if (t.once) p.got = p.got.filter((g) => g.name !== t.name);
        if (r.ok) {
          this.got(sys, r.msg);
          await this.afterReceive(sys, p, 'drop', r.msg);
        } else if (r.code === MACH_SEND_INVALID_DEST) await this.forgetTarget(sys, p, t);
        return;
      }
      case 'sendrecv': {
        const t = await this.target(sys, p, s.to);
        if (!t || !(await this.ensureMine(sys, p))) return;
        const r = await sys.msg_send_receive(t.name, { id: 4, body: this.env.fifo.mark(sys.pid) }, p.mine, { timeout: s.ms, rcvTimeout: s.ms + 1 });
        if (t.once) p.got = p.got.filter((g) => g.name !== t.name);
        if (r.ok) {
          this.got(sys, r.msg);
          await this.afterReceive(sys, p, 'reply', r.msg);
        } else if (r.code === MACH_SEND_INVALID_DEST) await this.forgetTarget(sys, p, t);
        return;
      }
      case 'receive': {
        let from: number;
        if (s.from === 'set') from = p.set || (p.set = (await sys.port_allocate('port-set')).name ?? 0);
        else if (s.from === 'owned' && p.owned.length > 0) from = p.owned[p.owned.length - 1]!;
        else from = await this.ensureMine(sys, p);
        if (!from) return;
        const r = await sys.msg_receive(from, s.ms === null ? {} : { timeout: s.ms });
        if (!r.ok) return;
        this.got(sys, r.msg);
        await this.afterReceive(sys, p, s.then, r.msg);
        return;
      }
      case 'member': {
        if (!(await this.ensureMine(sys, p))) return;
        if (s.into && !p.set) p.set = (await sys.port_allocate('port-set')).name ?? 0;
        await sys.port_move_member(p.mine, s.into ? p.set : 0);
        return;
      }
      case 'qlimit':
        if (await this.ensureMine(sys, p)) await sys.port_set_qlimit(p.mine, qlimitOf(s.n));
        return;
      case 'renew':
        if (!p.mine) return;
        await sys.port_destroy(p.mine);
        p.mine = 0;
        await this.ensureMine(sys, p);
        return;
      case 'notify':
        if (s.kind === 'no-senders') {
          if (await this.ensureMine(sys, p)) await sys.port_request_notification(p.mine, 'no-senders');
        } else {
          const t = await this.target(sys, p, s.to);
          if (t) await sys.port_request_notification(t.name, 'dead-name');
        }
        return;
      case 'forget': {
        const t = await this.target(sys, p, s.to);
        if (t && t.name !== p.mine) await this.forgetTarget(sys, p, t);
        return;
      }
      case 'drain':
        for (let i = 0; i < 4; i++) if (!(await sys.msg_receive(sys.notifyPort, { timeout: 0 })).ok) return;
        return;
      case 'fork': {
        const list = s.steps;
        const depth = p.depth + 1;
        const parent = this.procPid(sys);
        const r = await sys.fork((child: Sys) => this.runSteps(child, newProc(-1, null, depth, parent), list, null), { share: s.share ? 'all' : 'none' });
        if (r.code === KERN_SUCCESS && r.handle) p.handles.push(r.handle);
        if (r.code === KERN_SUCCESS && r.pid) p.kids.push(r.pid);
        return;
      }
      case 'thread': {
        const list = s.steps;
        await sys.thread_create((t: Sys, shared: Proc) => this.runSteps(t, shared, list, null), p);
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
      default:
        return this.runObjectStep(sys, p, s);
    }
  }

  /** Runs a step list, checking the invariants after each step; `crashAt` throws at the first step boundary at or after it. */
  async runSteps(sys: Sys, p: Proc, list: readonly Step[], crashAt: number | null): Promise<number> {
    for (const s of list) {
      if (crashAt !== null && sys.now() >= crashAt) throw new Error(CRASH);
      if (this.env.failed()) return 0;
      await this.runStep(sys, p, s);
      this.steps++;
      if (!this.env.check(sys, `${sys.name}(${sys.pid}) ${s.op}`)) return 0;
    }
    return 0;
  }

  /** A thread of the faulty task's process: injects a port-death or loss fault at its time. */
  async fault(f: Fault, t: Sys, p: Proc): Promise<number> {
    if (f.at > t.now()) await t.sleep(f.at - t.now());
    if (!p.mine) return 0;
    await t.port_destroy(p.mine);
    p.mine = 0;
    if (f.kind === 'port-death') p.serviceDead = true;
    else if (await this.ensureMine(t, p)) await t.port_set_qlimit(p.mine, qlimitOf(p.qlimit));
    this.env.check(t, `${f.kind} fault`);
    return 0;
  }
}
