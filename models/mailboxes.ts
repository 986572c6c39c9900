import type { Sys } from '../index.ts';
import type { Endpoint, MessagingModel, Payload, Received } from './model.ts';

/** How long a caller waits for a reply in its mailbox before it looks again (virtual ms). */
const REPLY_WAIT = 1000;

/**
 * Indirect communication through mailboxes the kernel owns: each receiving
 * task makes a mailbox and publishes it under its name; a pool of workers
 * shares one mailbox ('one-at-a-time': each job to exactly one worker). A
 * mailbox outlives the process that made it, so a restarted server takes
 * over the same mailbox, with the requests still queued in it: clients need
 * no new address (only a request the dead server had already taken is lost,
 * and its caller asks again after a while).
 */
export const mailboxes: MessagingModel = {
  name: 'mailbox',
  description: 'mailboxes the kernel owns, found by name; a pool shares one mailbox',
  expresses: ['stable-name', 'shared-mailbox'],
  endpoint(sys: Sys, self: string, env): Endpoint {
    let own = 0;
    const boxes = new Map<string, number>();
    const lookUp = async (name: string): Promise<number> => {
      const known = boxes.get(name);
      if (known) return known;
      const r = await sys.netname_look_up(name, { wait: true });
      boxes.set(name, r.port ?? 0);
      return r.port ?? 0;
    };
    /** Makes (or, after a restart, takes over) the mailbox published under name. */
    const make = async (name: string, sharing: 'one-at-a-time'): Promise<number> => {
      const there = await sys.netname_look_up(name);
      if (there.code === 0) return there.port!;
      const r = await sys.mailbox_create(sharing, env.workload.capacity, 'round-robin', name);
      await sys.netname_check_in(name, r.mailbox!);
      return r.mailbox!;
    };
    const receiveFrom = async (box: number): Promise<Received | null> => {
      const r = await sys.mailbox_receive<Payload>(box);
      if (!r.ok) return null;
      const from = r.body.from;
      return { body: r.body, reply: async (answer) => sys.mailbox_send(await lookUp(from), answer) };
    };
    const open = async (): Promise<void> => {
      if (own === 0) own = await make(self, 'one-at-a-time');
    };
    return {
      open,
      async send(to, body) {
        return sys.mailbox_send(await lookUp(to), body);
      },
      receive: () => receiveFrom(own),
      async call(to, body) {
        await open();
        if ((await sys.mailbox_send(await lookUp(to), body)) !== 0) return null;
        for (;;) {
          const r = await sys.mailbox_receive<Payload>(own, { timeout: REPLY_WAIT });
          if (!r.ok) return null;
          if (r.body.re === body.seq) return r.body;
        }
      },
      async rediscover(to) {
        return (await lookUp(to)) !== 0; // the same mailbox: whoever serves it now answers
      },
      async watch(name) {
        // Supervision needs to know of a death: the link to the process's pid says so.
        const pid = env.pids[name] ?? 0;
        for (;;) if (!(await sys.receive(pid)).ok) return;
      },
      async announce() {},
      async take(dealer) {
        return receiveFrom(await lookUp(`${dealer}.pool`)); // the dealer makes the pool
      },
      async deal(_to, _copies, body) {
        return sys.mailbox_send(await make(`${self}.pool`, 'one-at-a-time'), body);
      },
    };
  },
};
