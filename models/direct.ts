import { ANY, type Sys } from '../index.ts';
import type { Endpoint, MessagingModel, Payload, Received } from './model.ts';

/**
 * The direct model: processes name each other by pid (`send(P, message)`,
 * `receive(Q)`, `receive(ANY)`); a link is made on first use, one per pair,
 * with the workload's capacity. A task knows the pids it was started with
 * (as a configuration would give them); a server started again has a new pid,
 * which its clients learn only from the server's hello message.
 */
export const direct: MessagingModel = {
  name: 'direct',
  description: 'processes named by pid; a link per pair, made on first use',
  expresses: [],
  endpoint(sys: Sys, self: string, env): Endpoint {
    const pids = { ...env.pids };
    const linked = new Set<number>();
    const cap = env.workload.capacity;
    const to = async (name: string): Promise<number> => {
      const pid = pids[name] ?? 0;
      if (pid && !linked.has(pid)) {
        linked.add(pid);
        if (cap !== undefined) await sys.link_open(pid, cap);
      }
      return pid;
    };
    const receive = async (): Promise<Received | null> => {
      const r = await sys.receive<Payload>(ANY);
      if (!r.ok) return null;
      const from = r.from;
      return { body: r.body, reply: (answer) => sys.send(from, answer) };
    };
    return {
      async open() {},
      async send(name, body) {
        return sys.send(await to(name), body);
      },
      receive,
      async call(name, body) {
        const pid = await to(name);
        if ((await sys.send(pid, body)) !== 0) return null;
        const r = await sys.receive<Payload>(pid);
        return r.ok ? r.body : null;
      },
      async rediscover(name) {
        // Only the new server's hello tells its pid.
        for (;;) {
          const r = await sys.receive<Payload>(ANY);
          if (!r.ok) return false;
          if (r.body.hello === name) {
            pids[name] = r.from;
            return true;
          }
        }
      },
      async watch(name) {
        for (;;) {
          const r = await sys.receive(await to(name));
          if (!r.ok) return; // XMACH_PEER_ENDED: it has failed
        }
      },
      async announce() {
        for (const caller of env.callers[self] ?? []) await sys.send(await to(caller), { from: self, seq: -1, hello: self });
      },
      take: () => receive(),
      async deal(name, copies, body) {
        return sys.send(await to(copies > 1 ? `${name}#${body.seq % copies}` : name), body);
      },
    };
  },
};
