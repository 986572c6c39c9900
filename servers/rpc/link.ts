/**
 * A link with seeded loss, duplication and delay on one host: the unreliable
 * network the failure semantics are about, kept small so a scenario about
 * at-most-once and at-least-once needs no hosts (the real network, hosts and
 * UDP, is servers/net; RPC runs over it through servers/portmap's
 * `udpTransport`). It is an ordinary task
 * between clients and one server that forwards RPC packets both ways and,
 * drawing from the kernel's seeded generator (`sys.random()`), loses some,
 * delivers some twice, and delays each by a few ms (so copies can overtake
 * each other). Same seed, same losses.
 *
 * Addresses are rewritten as a NAT does: each client's return address (the
 * send right its calls carry) gets a back port of the link's own, and
 * requests reach the server with that back port as their return address, so
 * the server's replies come through the link too. Port rights other than the
 * return address are not carried (a network carries bytes).
 */
import { MACH_RCV_TIMED_OUT } from '../../ports/codes.ts';
import type { InMessage } from '../../ports/message.ts';
import type { Sys } from '../../syscalls/sys.ts';
import { hexId, peekXid } from './rpc-msg.ts';

/** How unreliable the link is. */
export interface LinkOptions {
  /** Probability that a message (either way) is lost, 0..1 (default 0). */
  loss?: number;
  /** Probability that a message that is not lost arrives twice, 0..1 (default 0). */
  duplicate?: number;
  /** Delay of each message, ms: a number, or [min, max] drawn per message in whole ms (default 1). */
  delay?: number | readonly [number, number];
  /** Log each loss and duplication (default true). */
  log?: boolean;
}

/** What the link did, for reports and tests. */
export interface LinkStats {
  forwarded: number;
  lost: number;
  duplicated: number;
}

interface Pending {
  due: number;
  dest: number;
  msg: { id: number; body: unknown; reply?: number; replyDisposition?: 'make-send' };
}

const check01 = (name: string, p: number) => {
  if (!(p >= 0 && p <= 1)) throw new Error(`lossyLink: ${name} must be a probability from 0 to 1, got ${p}`);
};

/**
 * Returns the link's program. Spawn it as a daemon with two rights:
 * `front` (a receive right: where clients send their calls) and `server` (a
 * send right to the server's port). `stats`, when given, is kept up to date.
 * Throws an Error (when called) for a probability outside 0..1 or a negative
 * delay; the program resolves to 1 if the task lacks either right.
 *
 * @example
 * const bankPort = k.port('bank'), net = k.port('net');
 * k.spawn('net', lossyLink({ loss: 0.2, duplicate: 0.2, delay: [1, 4] }), { daemon: true, ports: { front: { port: net, right: 'receive' }, server: bankPort } });
 * k.spawn('client', (sys) => rpcClient(sys, BANK, { port: sys.ports.net }).deposit(…), { ports: { net } });
 */
export function lossyLink(opts: LinkOptions = {}, stats: LinkStats = { forwarded: 0, lost: 0, duplicated: 0 }): (sys: Sys) => Promise<number> {
  const loss = opts.loss ?? 0;
  const dup = opts.duplicate ?? 0;
  check01('loss', loss);
  check01('duplicate', dup);
  const [lo, hi] = typeof opts.delay === 'number' ? [opts.delay, opts.delay] : (opts.delay ?? [1, 1]);
  if (!(lo >= 0 && hi >= lo && Number.isFinite(hi))) throw new Error(`lossyLink: delay must be ms ≥ 0 (or [min, max]), got ${String(opts.delay)}`);

  return async (sys: Sys): Promise<number> => {
    const front = sys.ports.front;
    const server = sys.ports.server;
    if (!front || !server) {
      sys.log('lossyLink: spawn me with ports { front (receive), server (send) }');
      return 1;
    }
    const say = (text: string) => {
      if (opts.log !== false) sys.log(text);
    };
    const inbound = (await sys.port_allocate('port-set', 'link.in')).name!;
    await sys.port_move_member(front, inbound);
    /** Client return address → back port, and back port → client return address. */
    const backOf = new Map<number, number>();
    const clientOf = new Map<number, number>();
    const pending: Pending[] = [];
    const delay = () => (hi === lo ? lo : lo + Math.floor(sys.random() * (hi - lo + 1)));

    /** Decides the fate of one message: lost, or one or two copies, each with its own delay. */
    const schedule = (what: string, m: InMessage, dest: number, msg: Pending['msg']) => {
      const head = peekXid(m.body as Uint8Array);
      const name = `${what} ${head ? `xid ${hexId(head.xid)}` : '(not RPC)'}`;
      if (sys.random() < loss) {
        stats.lost++;
        say(`${name} lost`);
        return;
      }
      const copies = sys.random() < dup ? 2 : 1;
      if (copies === 2) {
        stats.duplicated++;
        say(`${name} duplicated`);
      }
      for (let i = 0; i < copies; i++) {
        const due = sys.now() + delay();
        let at = pending.length;
        while (at > 0 && pending[at - 1]!.due > due) at--;
        pending.splice(at, 0, { due, dest, msg });
      }
    };

    const onArrival = async (m: InMessage): Promise<void> => {
      for (const r of m.rights) if (r.right !== 'dead') await sys.port_deallocate(r.name);
      if (m.port === front) {
        const client = m.reply;
        if (client === 0 || m.replyRight !== 'send') {
          // A batched call (exactly-once's ack) expects no answer: forwarded without a return address.
          if (client !== 0 && m.replyRight !== 'dead') await sys.port_deallocate(client);
          schedule('batched call', m, server, { id: m.id, body: m.body });
          return;
        }
        let back = backOf.get(client);
        if (back === undefined) {
          back = (await sys.port_allocate('receive', 'link.back')).name!;
          await sys.port_set_qlimit(back, 64);
          await sys.port_move_member(back, inbound);
          backOf.set(client, back);
          clientOf.set(back, client);
        } else await sys.port_deallocate(client); // one reference per client is enough
        schedule('request', m, server, { id: m.id, body: m.body, reply: back, replyDisposition: 'make-send' });
        return;
      }
      const client = clientOf.get(m.port);
      if (client !== undefined) schedule('reply', m, client, { id: m.id, body: m.body });
    };

    for (;;) {
      while (pending.length > 0 && pending[0]!.due <= sys.now()) {
        const p = pending.shift()!;
        stats.forwarded++;
        // A full queue drops the message, as a router's would.
        if ((await sys.msg_send(p.dest, p.msg, { policy: 'return' })) !== 0) stats.lost++;
      }
      const wait = pending.length > 0 ? Math.max(0, pending[0]!.due - sys.now()) : undefined;
      const r = await sys.msg_receive(inbound, wait === undefined ? {} : { timeout: wait });
      if (r.ok) await onArrival(r.msg);
      else if (r.code !== MACH_RCV_TIMED_OUT) return 0; // the link's ports are gone
    }
  };
}
