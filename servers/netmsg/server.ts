/**
 * The network message server (Mach 2.5's NetMsgServer): a task per host that makes Mach
 * ports reach across hosts, built only from system calls and UDP sockets from its host's
 * network server.
 *
 * - **Proxies.** For each remote port a task of this host holds a right to, the server holds
 *   the receive right of a local proxy port (in its port set); a message sent to the proxy is
 *   taken by the server and sent over UDP to the server of the port's host, which delivers it
 *   to the real port. The sender's code does not change: it sends to a send right, as always.
 * - **Rights in messages.** A send right becomes a send right to a proxy on the receiving host
 *   (one proxy per remote port; a right to a proxy goes on as the remote port itself, never a
 *   chain). A send-once right (a reply port) becomes a one-shot proxy: the first message to it
 *   goes back and the proxy is gone; if it is destroyed unused (the server died holding the
 *   reply right) the origin's server destroys the real send-once right, so the caller gets
 *   the send-once notification (`sys.call`: MIG_SERVER_DIED), as on one host. A send-once
 *   right handed on to a third host answers back the way it came (through each host that
 *   passed it), as it is used once. A receive right
 *   moves the port: the receiving host makes a new port and hands its receive right to the
 *   receiver; the old port stays on the old host as a proxy for the new one, so every send
 *   right to it (local, or held on other hosts) still reaches it, forwarded (queued messages
 *   included, in order). A dead name crosses as nothing (it is dropped from the rights).
 * - **Bodies** cross as bytes (structured clone's own encoding: see `protocol.ts`).
 * - **Reliability.** Per pair of hosts, a channel with sequence numbers, acks and
 *   retransmission (`channel.ts`): every message is delivered once and in order over a link
 *   that loses, duplicates and reorders packets.
 * - **Failure.** A peer that acknowledges nothing for `retries` resends, `rto` ms apart, is
 *   declared dead (a crashed host, or one partitioned away): every proxy for a port on it is
 *   destroyed (holders' send rights become dead names, dead-name notifications fire, blocked
 *   senders get MACH_SEND_INVALID_DEST, messages queued on a proxy are destroyed and their
 *   reply rights with them, so callers get MIG_SERVER_DIED), and every send-once right sent
 *   to it is destroyed (callers waiting for a reply from there get MIG_SERVER_DIED too). While
 *   a host holds proxies for a peer's ports, or waits for its replies, it sends a keepalive
 *   every `keepalive` ms when nothing else is in flight, so a silent failure is found too.
 *   Defaults: rto 40 ms, 5 resends, keepalive 100 ms: a peer is dead 240 ms after the first
 *   unanswered frame. A port whose last right dies on its host makes its proxies die on
 *   every host that knew it. A session reset on either side (a host that declared the
 *   other dead) makes both sides forget each other, so they agree on what is dead.
 * - **Names.** `import: [{ name, from }]` looks `name` up in the name service of host `from`
 *   (through its server, waiting for the check-in) and checks a proxy in under the same name
 *   (or `as`) on this host: a client's `netname_look_up('echo', { wait: true })` just works.
 *   Mach 2.5's look-up with a host is `netmsgClient(sys).look_up(host, name)`. When the peer
 *   dies the proxy dies (the name service forgets a dead port's name) and the import is asked
 *   again, so a healed partition brings the name back.
 * - Not done: no distributed garbage collection (a port exported once stays exported while it
 *   lives; a proxy stays while the server runs, even with no senders left); no no-senders
 *   across hosts; a queue limit on the real port is respected by retrying the delivery every
 *   2 ms (Mach's NetMsgServer used SEND_NOTIFY and msg-accepted).
 *
 * The server finds its own address by sending itself a datagram on 127.0.0.1 (the reply says
 * where it came from). Every frame it sends or gets is a `sys.log` line when `log` is on.
 *
 * @example
 * k.spawn('netserver', netServer(), { daemon: true });
 * k.spawn('netmsgserver', netMsgServer({ import: [{ name: 'echo', from: '161.25.19.8' }] }), { daemon: true });
 * k.spawn('client', client);   // netname_look_up('echo', { wait: true }) gives a proxy; calls cross the wire
 */
import { KERN_INVALID_ARGUMENT, KERN_SUCCESS, MACH_MSG_SUCCESS, MIG_BAD_ID, MACH_SEND_INVALID_DEST, MACH_SEND_TIMED_OUT, NETNAME_NOT_CHECKED_IN, codeName } from '../../ports/codes.ts';
import type { InMessage, OutMessage, RightToSend } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { AF_INET, SOCK_DGRAM, netErrnoName, sockets } from '../net/index.ts';
import { Channel, type Frame } from './channel.ts';
import { PortRecords, type Export, type Made } from './portrec.ts';
import { NETMSG_UDP_PORT, NETNAME_NO_SUCH_HOST, decodeFrame, describe, encodeFrame, type Payload, type WireRight } from './protocol.ts';

/** Options of `netMsgServer`. */
export interface NetMsgOptions {
  /** Names to import: look `name` up on host `from` and check a proxy in here as `as` (default: the same name). */
  import?: { name: string; from: string; as?: string }[];
  /** ms between resends of an unacknowledged frame (default 40). */
  rto?: number;
  /** Resends before the peer is declared dead (default 5). */
  retries?: number;
  /** ms of quiet after which a peer this host depends on is pinged (default 100; 0: never). */
  keepalive?: number;
  /** A `sys.log` line per frame sent, resent or delivered (default true). */
  log?: boolean;
}

/** Ids of the server's service port (checked in as `netmsg`) and of its inner messages. */
export const NETMSG_IDS = { look_up: 5300 } as const;
const DATAGRAM = 5390;
const LOOKED_UP = 5391;
const RETRY_MS = 2;

type Query = { peer: string; name: string; as?: string; reply?: number };
type Delivery = { key: string; ex: Export; out: OutMessage; made: Made[]; from: string };

/** The NetMsgServer's program (spawn it as a daemon, after the host's network server). See the module header. */
export function netMsgServer(options: NetMsgOptions = {}) {
  const rto = options.rto ?? 40;
  const retries = options.retries ?? 5;
  const keepalive = options.keepalive ?? 100;
  const logging = options.log ?? true;
  if (!(rto > 0) || !(retries >= 0) || !(keepalive >= 0)) throw new RangeError('netMsgServer: rto must be > 0, retries and keepalive ≥ 0');

  return async (sys: Sys): Promise<number> => {
    const net = sockets(sys);
    const { fd, code } = await net.socket(AF_INET, SOCK_DGRAM);
    const bound = code === 0 ? (await net.bind(fd!, NETMSG_UDP_PORT)).code : code;
    if (bound !== 0) {
      sys.log(`no UDP port ${NETMSG_UDP_PORT}: ${netErrnoName(bound)} (is another NetMsgServer running on this host?)`);
      return 1;
    }
    const inbox = (await sys.port_allocate('receive', 'netmsg.inbox')).name!;
    const service = (await sys.port_allocate('receive', 'netmsg')).name!;
    const mint = (await sys.port_allocate('receive', 'netmsg.mint')).name!;
    const set = (await sys.port_allocate('port-set', 'netmsg')).name!;
    await sys.port_set_qlimit(inbox, Infinity);

    // The receiver thread: every datagram on the NetMsgServer's UDP port becomes a message on the inbox.
    await sys.thread_create(async (t: Sys) => {
      const tnet = sockets(t);
      for (;;) {
        const d = await tnet.recvfrom(fd!);
        if (d.code !== 0) return;
        await t.msg_send(inbox, { id: DATAGRAM, body: { bytes: d.bytes, from: d.from } });
      }
    });
    // Who am I? A datagram to myself on loopback says where it came from.
    await net.sendto(fd!, encodeFrame({ k: 'a', e: 0, s: 0 }), '127.0.0.1', NETMSG_UDP_PORT);
    let me = '';
    while (!me) {
      // A peer's datagram that comes first is dropped: its sender will send it again.
      const r = await sys.msg_receive<{ bytes: Uint8Array; from: string }>(inbox);
      if (!r.ok) return 1;
      const f = decodeFrame(r.msg.body.bytes);
      if (f && f.k === 'a' && f.e === 0) me = r.msg.body.from;
    }
    await sys.port_move_member(inbox, set);
    await sys.port_move_member(service, set);
    await sys.netname_check_in('netmsg', service);

    const rec = new PortRecords(sys, me, { set, inbox, mint });
    const channels = new Map<string, Channel<Payload>>();
    const queries = new Map<number, Query>();
    const pending = new Map<number, Delivery[]>();
    let nextQuery = 1;
    const log = (text: string) => logging && sys.log(text);

    const chan = (peer: string): Channel<Payload> => {
      let c = channels.get(peer);
      if (!c) channels.set(peer, (c = new Channel<Payload>(rto, retries))), (c.lastSent = sys.now());
      return c;
    };
    const xmit = (peer: string, f: Frame<Payload>) => net.sendto(fd!, encodeFrame(f), peer, NETMSG_UDP_PORT);
    const post = async (peer: string, p: Payload) => {
      const f = chan(peer).send(p, sys.now());
      log(`→ ${peer} #${f.s} ${describe(p)}`);
      await xmit(peer, f);
    };

    // --- messages on proxies go out; messages from the wire come in ----------------------
    const forward = async (m: InMessage) => {
      const px = rec.proxies.get(m.port)!;
      if (m.notification === 'send-once') {
        // Nobody will answer through this one-shot proxy: the origin destroys the real right.
        await post(px.np.at, { t: 'once-dead', key: px.np.key });
        return rec.dropProxy(m.port);
      }
      if (m.notification) return;
      const peer = px.np.at;
      const reply = m.reply ? await rec.toWire(m.reply, m.replyRight, peer) : null;
      const rights: WireRight[] = [];
      for (const r of m.rights) rights.push(await rec.toWire(r.name, r.right, peer));
      await post(peer, { t: 'msg', to: px.np, id: m.id, body: m.body, reply, rights });
      if (px.once) await rec.dropProxy(m.port);
    };

    /** Undoes the rights made for a message that could not be delivered. */
    const undo = async (made: Made[]) => {
      for (const x of made) {
        if (x.kind === 'once') {
          await post(x.np.at, { t: 'once-dead', key: x.np.key });
          await rec.dropProxy(x.name);
        } else await rec.dropMoved(x);
      }
    };

    /** Tries to deliver; false when the port's queue is full (the delivery waits its turn). */
    const attempt = async (d: Delivery): Promise<boolean> => {
      const code = await sys.msg_send(d.ex.name, d.out, { timeout: 0 });
      if (code === MACH_SEND_TIMED_OUT) return false;
      if (code !== MACH_MSG_SUCCESS) {
        log(`✗ ${d.key}: ${code === MACH_SEND_INVALID_DEST ? 'the port is dead' : codeName(code)}`);
        await undo(d.made);
      } else log(`⇢ delivered msg ${d.out.id} to ${d.key}`);
      return true;
    };

    const deliver = async (from: string, p: Extract<Payload, { t: 'msg' }>) => {
      const ex = rec.exports.get(p.to.key);
      const made: Made[] = [];
      if (!ex) {
        // No such port here (any more): the sender's proxy dies; rights it carried are undone.
        await post(from, { t: 'dead', np: p.to });
        for (const w of [p.reply, ...p.rights]) if (w && w.r === 'once' && w.np.at !== me) await post(w.np.at, { t: 'once-dead', key: w.np.key });
        return;
      }
      if (ex.once) rec.exports.delete(p.to.key);
      const reply = p.reply ? await rec.fromWire(p.reply, from, made) : null;
      const rights: RightToSend[] = [];
      for (const w of p.rights) {
        const r = await rec.fromWire(w, from, made);
        if (r) rights.push(r);
      }
      const out: OutMessage = { id: p.id, body: p.body };
      if (rights.length) out.rights = rights;
      if (reply) (out.reply = reply.name), (out.replyDisposition = reply.disposition);
      const d: Delivery = { key: p.to.key, ex, out, made, from };
      const queue = pending.get(ex.name);
      if (queue) return void queue.push(d);
      if (!(await attempt(d))) pending.set(ex.name, [d]);
    };

    const retryPending = async () => {
      for (const [name, queue] of [...pending]) {
        while (queue.length && (await attempt(queue[0]!))) queue.shift();
        if (!queue.length) pending.delete(name);
      }
    };

    /** peer has forgotten this host, or is dead to it: everything shared with it ends. */
    const forgetPeer = async (peer: string, why: string) => {
      log(`✗ ${peer} ${why}: its ports are dead here`);
      await rec.forget(peer); // callers waiting for its replies get their send-once notifications
      for (const [q, query] of [...queries]) {
        if (query.peer !== peer) continue;
        if (query.reply !== undefined) {
          queries.delete(q);
          await sys.msg_send(query.reply, { id: NETMSG_IDS.look_up + 100, body: { code: NETNAME_NO_SUCH_HOST } }, { timeout: 0 });
        }
      }
    };

    const ask = async (peer: string, name: string, query: Omit<Query, 'peer' | 'name'>) => {
      const q = nextQuery++;
      queries.set(q, { peer, name, ...query });
      await post(peer, { t: 'lookup', q, name });
    };
    /** Imports (re)asked after their peer went: a fresh session, a fresh look-up. */
    const reimport = async (peer: string) => {
      for (const im of options.import ?? []) {
        if (im.from !== peer) continue;
        const live = [...queries.values()].some((q) => q.peer === peer && q.as === (im.as ?? im.name));
        if (!live) await ask(peer, im.name, { as: im.as ?? im.name });
      }
    };
    const declareDead = async (peer: string) => {
      chan(peer).reset(true);
      await forgetPeer(peer, `did not answer ${retries} resends`);
      for (const [q, query] of [...queries]) if (query.peer === peer) queries.delete(q);
      await reimport(peer);
    };

    /** A look-up thread: waits for the name's check-in here, then hands the right to the main thread. */
    const lookUpHere = (q: number, peer: string | null, name: string) =>
      sys.thread_create(async (t: Sys) => {
        const r = await t.netname_look_up(name, { wait: true });
        await t.msg_send(inbox, { id: LOOKED_UP, body: { q, peer, port: r.code === KERN_SUCCESS ? r.port : 0 } });
      });

    const handle = async (from: string, p: Payload) => {
      log(`← ${from} ${describe(p)}`);
      switch (p.t) {
        case 'msg':
          return deliver(from, p);
        case 'lookup':
          return void (await lookUpHere(p.q, from, p.name));
        case 'found': {
          const query = queries.get(p.q);
          if (!query) return;
          queries.delete(p.q);
          const proxy = await rec.proxyFor(p.np);
          if (query.as !== undefined) await sys.netname_check_in(query.as, proxy);
          if (query.reply !== undefined) await sys.msg_send(query.reply, { id: NETMSG_IDS.look_up + 100, body: { code: KERN_SUCCESS }, rights: [{ name: proxy, disposition: 'make-send' }] }, { timeout: 0 });
          return;
        }
        case 'dead': {
          const name = rec.proxyNamed(p.np.key);
          if (name !== undefined) await rec.dropProxy(name);
          return;
        }
        case 'once-dead':
          return rec.onceDead(p.key);
        case 'ping':
          return;
      }
    };

    const datagram = async (bytes: Uint8Array, from: string) => {
      const f = decodeFrame(bytes);
      if (!f || from === me) return;
      const ch = chan(from);
      if (f.k === 'a') return ch.ack(f.e, f.s);
      const a = ch.arrive(f);
      if (a.reset) {
        await forgetPeer(from, 'started a new session');
        ch.reset(false);
        for (const [q, query] of [...queries]) if (query.peer === from) queries.delete(q);
        await reimport(from);
      }
      if (a.ack) await xmit(from, a.ack);
      for (const p of a.deliver) await handle(from, p);
    };

    // --- timers: resends, keepalives, deliveries waiting for room -----------------------------
    const dependsOn = (peer: string) => rec.dependsOn(peer) || [...queries.values()].some((q) => q.peer === peer);
    const timers = async () => {
      const now = sys.now();
      for (const [peer, ch] of [...channels]) {
        const { resend, expired } = ch.due(now);
        if (expired) {
          await declareDead(peer);
          continue;
        }
        for (const f of resend) {
          log(`↻ ${peer} #${f.s} ${describe(f.p!)}`);
          await xmit(peer, f);
        }
        if (keepalive > 0 && !ch.busy && now - ch.lastSent >= keepalive && dependsOn(peer)) await post(peer, { t: 'ping' });
      }
      await retryPending();
    };
    const nextWake = (): number => {
      let t = pending.size ? sys.now() + RETRY_MS : Infinity;
      for (const [peer, ch] of channels) {
        t = Math.min(t, ch.nextDue());
        if (keepalive > 0 && !ch.busy && dependsOn(peer)) t = Math.min(t, ch.lastSent + keepalive);
      }
      return t;
    };

    for (const im of options.import ?? []) await ask(im.from, im.name, { as: im.as ?? im.name });

    for (;;) {
      await timers();
      const wake = nextWake();
      const r = await sys.msg_receive(set, wake === Infinity ? undefined : { timeout: Math.max(1, wake - sys.now()) });
      if (!r.ok) continue;
      const m = r.msg;
      if (m.port === inbox) {
        const b = m.body as Record<string, unknown>;
        if (m.notification === 'dead-name') {
          // A port exported from here died: every host that knew it is told.
          const gone = await rec.exportDied(b.name as number);
          for (const peer of gone?.peers ?? []) await post(peer, { t: 'dead', np: { at: me, key: gone!.key } });
        } else if (m.id === DATAGRAM) await datagram(b.bytes as Uint8Array, b.from as string);
        else if (m.id === LOOKED_UP) {
          const { q, peer, port } = b as { q: number; peer: string | null; port: number };
          if (peer === null) {
            const query = queries.get(q);
            queries.delete(q);
            if (query?.reply !== undefined) {
              const ok = port !== 0;
              await sys.msg_send(query.reply, { id: NETMSG_IDS.look_up + 100, body: { code: ok ? KERN_SUCCESS : NETNAME_NOT_CHECKED_IN }, ...(ok ? { rights: [{ name: port, disposition: 'move-send' as const }] } : {}) }, { timeout: 0 });
            }
          } else if (port !== 0) await post(peer, { t: 'found', q, np: await rec.exportSend(port, peer) });
        }
      } else if (m.port === service) {
        const b = m.body as { host?: unknown; name?: unknown };
        if (m.id !== NETMSG_IDS.look_up || typeof b?.host !== 'string' || typeof b.name !== 'string') {
          const code = m.id !== NETMSG_IDS.look_up ? MIG_BAD_ID : KERN_INVALID_ARGUMENT;
          if (m.reply) await sys.msg_send(m.reply, { id: m.id + 100, body: { code } }, { timeout: 0 });
          continue;
        }
        if (b.host === '' || b.host === me || b.host === '127.0.0.1') {
          const q = nextQuery++;
          queries.set(q, { peer: me, name: b.name, reply: m.reply });
          await lookUpHere(q, null, b.name);
        } else await ask(b.host, b.name, { reply: m.reply });
      } else if (rec.proxies.has(m.port)) await forward(m);
    }
  };
}

/**
 * Mach 2.5's `netname_look_up(host, name)`, through this host's NetMsgServer (found as
 * `netmsg`): waits for `name` to be checked in on `host` and resolves to `{ code, port }`,
 * a send right (to a proxy when the host is another; '' or this host's address: this host's
 * name service). Codes: KERN_SUCCESS, NETNAME_NO_SUCH_HOST (the host did not answer: dead,
 * partitioned, or no NetMsgServer there), KERN_INVALID_ARGUMENT (host or name not a string),
 * and any `sys.call` code. The server answers MIG_BAD_ID to an unknown request id.
 *
 * @example
 * const { port } = await netmsgClient(sys).look_up('161.25.19.8', 'echo');
 */
export function netmsgClient(sys: Sys) {
  let server: number | undefined;
  return {
    async look_up(host: string, name: string): Promise<{ code: number; port?: number }> {
      server ??= (await sys.netname_look_up('netmsg', { wait: true })).port;
      const r = await sys.call(server!, NETMSG_IDS.look_up, { host, name });
      return r.code === KERN_SUCCESS ? { code: r.code, port: r.ports?.[0]?.name ?? 0 } : { code: r.code };
    },
  };
}
