import type { Sys } from '../index.ts';
import type { Endpoint, MessagingModel, Payload, Received } from './model.ts';

/** Request and reply ids of the workloads' messages. */
const REQUEST = 1;
const REPLY = 2;

/**
 * Mach's model (indirect, by rights): each receiving task allocates a port,
 * checks a send right in with the name service under its name, and others look
 * it up; requests carry a send-once reply right (msg_rpc), so a server answers
 * without knowing who asked; a crashed server's port dies (dead-name
 * notifications), and a restarted one checks in under the same name, so
 * clients find it again by name.
 */
export const mach: MessagingModel = {
  name: 'mach',
  description: 'ports named by rights, found through the name service; replies to send-once rights',
  expresses: ['pass-right', 'stable-name'],
  endpoint(sys: Sys, self: string, env): Endpoint {
    let inbox = 0;
    const ports = new Map<string, number>();
    const lookUp = async (to: string): Promise<number> => {
      const known = ports.get(to);
      if (known) return known;
      const r = await sys.netname_look_up(to, { wait: true });
      ports.set(to, r.port ?? 0);
      return r.port ?? 0;
    };
    const received = (body: Payload, reply: number): Received => ({
      body,
      reply: (answer) => (reply ? sys.msg_send(reply, { id: REPLY, body: answer }) : Promise.resolve(-1)),
    });
    const receive = async (): Promise<Received | null> => {
      const r = await sys.msg_receive<Payload>(inbox);
      return r.ok ? received(r.msg.body, r.msg.reply) : null;
    };
    return {
      async open() {
        inbox = (await sys.port_allocate('receive', self)).name!;
        const cap = env.workload.capacity;
        if (cap !== undefined) await sys.port_set_qlimit(inbox, cap);
        await sys.netname_check_in(self, inbox);
      },
      async send(to, body) {
        return sys.msg_send(await lookUp(to), { id: REQUEST, body });
      },
      receive,
      async call(to, body) {
        const r = await sys.msg_rpc<Payload>(await lookUp(to), { id: REQUEST, body });
        // A server that died holding the reply right answers with a send-once notification.
        if (!r.ok || r.msg.notification !== null) {
          ports.delete(to);
          return null;
        }
        return r.msg.body;
      },
      async rediscover(to) {
        ports.delete(to);
        return (await lookUp(to)) !== 0;
      },
      async watch(who) {
        await sys.port_request_notification(await lookUp(who), 'dead-name');
        for (;;) {
          const n = await sys.msg_receive(sys.notifyPort);
          if (!n.ok || n.msg.notification === 'dead-name') return;
        }
      },
      async announce() {
        // Nothing to do: the name service sends clients to the new port.
      },
      take: () => receive(),
      async deal(to, copies, body) {
        // No shared mailbox: the dealer picks each worker in turn.
        return sys.msg_send(await lookUp(copies > 1 ? `${to}#${body.seq % copies}` : to), { id: REQUEST, body });
      },
    };
  },
};
