/**
 * A NetMsgServer's port records (Mach's NetMsgServer kept a `portrec` per network port):
 * the proxies it holds for remote ports and the local rights it has exported, and how a
 * right turns into a `WireRight` and back. Every change to a right is a system call of the
 * server's own `sys`; nothing here sends over the network.
 *
 * - A **proxy**: a port whose receive right the server holds (in its port set) standing for
 *   a remote port (`np`); a one-shot proxy (`once`) stands for a remote send-once right.
 * - An **export**: a right the server holds to a port of this host (a send right, kept with
 *   one user reference and a dead-name request; or a send-once right, used once), known to
 *   other hosts by a key; `peers` are the hosts that were given it.
 */
import type { RightToSend } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import type { NetPort, WireRight } from './protocol.ts';

/** A local right known to other hosts by a key. */
export interface Export {
  name: number;
  once: boolean;
  peers: Set<string>;
}

/** A local port standing for a remote one. */
export interface Proxy {
  np: NetPort;
  once: boolean;
}

/** A right made for a message from the wire (undone if the message cannot be delivered). */
export interface Made {
  name: number;
  kind: 'once' | 'recv';
  np: NetPort;
}

export class PortRecords {
  readonly exports = new Map<string, Export>();
  readonly exportByName = new Map<number, string>();
  readonly proxies = new Map<number, Proxy>();
  private readonly proxyByKey = new Map<string, number>();
  private nextKey = 1;

  constructor(
    private readonly sys: Sys,
    /** This host's address (keys are minted as `me#n`). */
    readonly me: string,
    /** The server's port set (proxies go in it), its inbox (dead-name notifications), a private port (`makeSend`). */
    private readonly ports: { set: number; inbox: number; mint: number },
  ) {}

  /** A new key for a network port minted here. */
  mintKey(): string {
    return `${this.me}#${this.nextKey++}`;
  }

  /** A new proxy port for np (receive right in the set); a one-shot proxy with `once`. Resolves to its name. */
  async newProxy(np: NetPort, once: boolean): Promise<number> {
    const name = (await this.sys.port_allocate('receive', `proxy ${np.key}${once ? ' (once)' : ''}`)).name!;
    await this.sys.port_move_member(name, this.ports.set);
    this.proxies.set(name, { np, once });
    if (!once) this.proxyByKey.set(np.key, name);
    return name;
  }

  /** The proxy for np (one per remote port), made on first use. */
  async proxyFor(np: NetPort): Promise<number> {
    return this.proxyByKey.get(np.key) ?? this.newProxy(np, false);
  }

  /** The proxy of the remote port with this key, if any. */
  proxyNamed(key: string): number | undefined {
    return this.proxyByKey.get(key);
  }

  /** Destroys a proxy: its holders' rights become dead names (with their notifications). */
  async dropProxy(name: number): Promise<void> {
    const px = this.proxies.get(name);
    if (!px) return;
    this.proxies.delete(name);
    if (this.proxyByKey.get(px.np.key) === name) this.proxyByKey.delete(px.np.key);
    await this.sys.port_destroy(name);
  }

  /** A send right the server holds, exported to peer (if given): its network port (one key per port). */
  async exportSend(name: number, peer: string | null): Promise<NetPort> {
    let key = this.exportByName.get(name);
    if (key) await this.sys.port_deallocate(name); // the export keeps one reference
    else {
      key = this.mintKey();
      this.exports.set(key, { name, once: false, peers: new Set() });
      this.exportByName.set(name, key);
      await this.sys.port_request_notification(name, 'dead-name', this.ports.inbox);
    }
    if (peer) this.exports.get(key)!.peers.add(peer);
    return { at: this.me, key };
  }

  /** A send right to name for the server to keep (make-send through its private port). */
  private async makeSend(name: number): Promise<void> {
    await this.sys.msg_send(this.ports.mint, { rights: [{ name, disposition: 'make-send' }] }, { timeout: 0 });
    await this.sys.msg_receive(this.ports.mint, { timeout: 0 });
  }

  /**
   * A right the server received (its name and kind), bound for peer, as it crosses the wire:
   * a send right to a proxy goes as the remote port itself; any other send right is exported;
   * a send-once right is exported once; a receive right makes its port a proxy for the port's
   * new self on peer (queued and later messages are forwarded); a dead name crosses as 'dead'.
   */
  async toWire(name: number, kind: string | null, peer: string): Promise<WireRight> {
    if (kind === 'send') {
      const px = this.proxies.get(name);
      if (px && !px.once) {
        await this.sys.port_deallocate(name);
        return { r: 'send', np: px.np };
      }
      return { r: 'send', np: await this.exportSend(name, peer) };
    }
    if (kind === 'send-once') {
      const key = this.mintKey();
      this.exports.set(key, { name, once: true, peers: new Set([peer]) });
      return { r: 'once', np: { at: this.me, key } };
    }
    if (kind === 'receive') {
      const np = { at: peer, key: this.mintKey() };
      this.proxies.set(name, { np, once: false });
      this.proxyByKey.set(np.key, name);
      await this.sys.port_move_member(name, this.ports.set);
      return { r: 'recv', np };
    }
    if (name) await this.sys.port_destroy(name);
    return { r: 'dead' };
  }

  /**
   * A right from the wire (sent by host `from`) as a right the server can put in a message,
   * or null (a dead name, or a port of this host that is gone). A right made for it is
   * pushed on `made`.
   */
  async fromWire(w: WireRight, from: string, made: Made[]): Promise<RightToSend | null> {
    if (w.r === 'dead') return null;
    const mine = w.np.at === this.me ? this.exports.get(w.np.key) : undefined;
    if (w.r === 'send') {
      if (w.np.at === this.me) return mine && !mine.once ? { name: mine.name, disposition: 'copy-send' } : null;
      return { name: await this.proxyFor(w.np), disposition: 'make-send' };
    }
    if (w.r === 'once') {
      if (mine?.once) {
        this.exports.delete(w.np.key);
        return { name: mine.name, disposition: 'move-send-once' };
      }
      const name = await this.newProxy(w.np, true);
      made.push({ name, kind: 'once', np: w.np });
      return { name, disposition: 'make-send-once' };
    }
    // The port moves here: a new port, its receive right for the receiver, a send right kept for the export.
    const name = (await this.sys.port_allocate('receive', `moved ${w.np.key}`)).name!;
    await this.makeSend(name);
    this.exports.set(w.np.key, { name, once: false, peers: new Set([from]) });
    this.exportByName.set(name, w.np.key);
    await this.sys.port_request_notification(name, 'dead-name', this.ports.inbox);
    made.push({ name, kind: 'recv', np: w.np });
    return { name, disposition: 'move-receive' };
  }

  /** Forgets a port that moved here for a message that could not be delivered (the port is destroyed). */
  async dropMoved(x: Made): Promise<void> {
    this.exports.delete(x.np.key);
    this.exportByName.delete(x.name);
    await this.sys.port_destroy(x.name);
  }

  /** An exported port died (its dead-name notification): the hosts to tell, or null if it was not exported. */
  async exportDied(name: number): Promise<{ key: string; peers: Set<string> } | null> {
    const key = this.exportByName.get(name);
    if (key === undefined) return null;
    const ex = this.exports.get(key)!;
    this.exports.delete(key);
    this.exportByName.delete(name);
    await this.sys.port_destroy(name);
    return { key, peers: ex.peers };
  }

  /** The send-once right exported as key will not be used: it is destroyed (its port gets the send-once notification). */
  async onceDead(key: string): Promise<void> {
    const ex = this.exports.get(key);
    if (!ex?.once) return;
    this.exports.delete(key);
    await this.sys.port_deallocate(ex.name);
  }

  /**
   * peer is gone (dead, or it has forgotten this host): every proxy for its ports is destroyed,
   * every send-once right given to it is destroyed, and it no longer holds any export.
   */
  async forget(peer: string): Promise<void> {
    for (const [name, px] of [...this.proxies]) if (px.np.at === peer) await this.dropProxy(name);
    for (const [key, ex] of [...this.exports]) {
      if (!ex.peers.has(peer)) continue;
      if (ex.once) await this.onceDead(key);
      else ex.peers.delete(peer);
    }
  }

  /** Whether this host holds something of peer's, or waits for it (a proxy, a send-once right given to it). */
  dependsOn(peer: string): boolean {
    for (const px of this.proxies.values()) if (px.np.at === peer) return true;
    for (const ex of this.exports.values()) if (ex.once && ex.peers.has(peer)) return true;
    return false;
  }
}
