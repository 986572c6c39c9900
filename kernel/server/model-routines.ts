import {
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  MACH_RCV_TIMED_OUT,
  XMACH_MAILBOX_BUSY,
  XMACH_MAILBOX_PAIRED,
  XMACH_NO_SUCH_PROCESS,
  XMACH_PEER_ENDED,
} from '../../ports/codes.ts';
import { validQlimit, type Port } from '../../ports/port.ts';
import { destroyReceive } from '../../ports/rights.ts';
import type { Task } from '../../tasks/task.ts';
import { Mailbox, type MailboxSharing } from '../ipc/mailbox.ts';
import type { DIRECT, MAILBOX } from './defs.ts';
import { DEFER, err, int, ok, type Handlers, type Reply, type ServerKernel } from './mig.ts';

/**
 * The direct-communication routine (see `DIRECT` in defs.ts): the link between
 * the caller's process and another, made on first use (kernel/ipc/links.ts).
 * With pid -1 (ANY) only `set` is answered: the caller's set of incoming
 * links. XMACH_PEER_ENDED comes with `recv` when the link exists and the peer
 * has ended (what it sent can still be received). Codes: KERN_SUCCESS, XMACH_NO_SUCH_PROCESS, XMACH_PEER_ENDED (no link yet and
 * the process has ended), KERN_INVALID_ARGUMENT (a link to itself),
 * KERN_INVALID_VALUE (a capacity out of range).
 */
export const directRoutines: Handlers<typeof DIRECT> = {
  link_open: (k, _target, req, _kmsg, caller) => {
    const me = caller.process;
    if (!int(req.pid)) return err(KERN_INVALID_ARGUMENT);
    // pid ANY (-1): only the set of incoming links, for receive(ANY).
    if (req.pid === -1) return ok({ send: 0, recv: 0, set: k.links.setName(me) });
    const peer = k.tasks.get(req.pid);
    if (!peer || peer.threadOf) return err(XMACH_NO_SUCH_PROCESS);
    if (peer === me) return err(KERN_INVALID_ARGUMENT);
    if (req.capacity !== undefined && !validQlimit(req.capacity)) return err(KERN_INVALID_VALUE);
    if (!k.links.find(me, peer) && peer.processEnded) return err(XMACH_PEER_ENDED);
    const names = k.links.open(me, peer, req.capacity as number | undefined);
    if (!names) return err(XMACH_PEER_ENDED);
    // The peer has ended: no way to send, but what it sent may still be received (`recv`).
    return names.send === 0 ? { body: { code: XMACH_PEER_ENDED, ...names } } : ok({ ...names });
  },
};

const SHARINGS: readonly MailboxSharing[] = ['pair', 'one-at-a-time', 'system-picks'];

/**
 * The mailbox routines (see `MAILBOX` in defs.ts). A mailbox is a kernel object
 * named by a port: sends are ordinary msg_sends to it; receives are requests the
 * kernel answers with a message when the sharing rule gives it one.
 */
export const mailboxRoutines: Handlers<typeof MAILBOX> = {
  /** Codes: KERN_SUCCESS (`mailbox`: a send right to it), KERN_INVALID_VALUE (sharing, pick or capacity out of range). */
  mailbox_create: (k, _target, req, _kmsg, caller) => {
    const sharing = req.sharing as MailboxSharing;
    if (!SHARINGS.includes(sharing)) return err(KERN_INVALID_VALUE);
    if (req.pick !== 'round-robin' && req.pick !== 'random') return err(KERN_INVALID_VALUE);
    if (req.capacity !== undefined && !validQlimit(req.capacity)) return err(KERN_INVALID_VALUE);
    const label = typeof req.label === 'string' ? req.label : `${caller.name}.mailbox`;
    const port = k.newPort(k.kspace, label);
    if (req.capacity !== undefined) port.qlimit = req.capacity as number;
    k.mailboxes.add(new Mailbox(port, caller, sharing, req.pick));
    k.trace.counters.mailboxesCreated++;
    return ok({ mailbox: k.giveSend(caller.space, port) });
  },

  /** Associates the caller with a mailbox. Codes: KERN_SUCCESS, KERN_INVALID_NAME, XMACH_MAILBOX_PAIRED. */
  mailbox_open: (k, _target, req, _kmsg, caller) => {
    const mb = mailboxOf(k, caller, req.mailbox);
    if (!mb) return err(KERN_INVALID_NAME);
    return err(mb.attach(caller) ? 0 : XMACH_MAILBOX_PAIRED);
  },

  /**
   * Receives from a mailbox: a queued message at once, else (unless `timeout: 0`)
   * waits for one. Codes: KERN_SUCCESS (with `id`, `body`, `sender`, and the rights
   * the message carried), MACH_RCV_TIMED_OUT, XMACH_MAILBOX_PAIRED,
   * XMACH_MAILBOX_BUSY (`one-at-a-time`, another is receiving, and `wait: false`),
   * XMACH_MAILBOX_DESTROYED (while waiting), KERN_INVALID_NAME, KERN_INVALID_ARGUMENT.
   */
  mailbox_receive: (k, _target, req, kmsg, caller) => {
    const mb = mailboxOf(k, caller, req.mailbox);
    if (!mb) return err(KERN_INVALID_NAME);
    const timeout = req.timeout;
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) return err(KERN_INVALID_ARGUMENT);
    if (!mb.attach(caller)) return err(XMACH_MAILBOX_PAIRED);
    mb.prune(k.ipc);
    if (mb.waiting.length > 0) {
      if (mb.sharing === 'one-at-a-time' && req.wait === false) return err(XMACH_MAILBOX_BUSY);
    } else if (mb.port.queue.length + mb.port.senders.length > 0) {
      mb.hand(k.ipc, k.ipc.pull(mb.port)!, caller, kmsg);
      return DEFER; // answered by hand()
    }
    if (timeout === 0 || req.wait === false) return err(MACH_RCV_TIMED_OUT);
    mb.wait(k.ipc, caller, kmsg, timeout === undefined || timeout >= 2 ** 53 ? undefined : timeout);
    return DEFER;
  },

  /** Destroys a mailbox the caller made: queued messages are destroyed, waiting receivers told. Codes: KERN_SUCCESS, KERN_INVALID_NAME, KERN_INVALID_RIGHT (not the creator). */
  mailbox_destroy: (k, _target, req, _kmsg, caller) => {
    const mb = mailboxOf(k, caller, req.mailbox);
    if (!mb) return err(KERN_INVALID_NAME);
    if (mb.owner.process !== caller.process) return err(KERN_INVALID_RIGHT);
    destroyMailbox(k, mb);
    return ok();
  },
};

/** The mailbox a name in the caller's space stands for. */
function mailboxOf(k: ServerKernel, caller: Task, name: unknown): Mailbox | null {
  if (!int(name)) return null;
  const port: Port | null | undefined = caller.space.lookup(name)?.port;
  return port?.active && port.kobject instanceof Mailbox && k.mailboxes.has(port.kobject) ? port.kobject : null;
}

/** A mailbox goes: its waiting receivers are told, its port dies (queued messages destroyed, blocked senders told). */
export function destroyMailbox(k: ServerKernel, mb: Mailbox): void {
  k.mailboxes.delete(mb);
  mb.close(k.ipc);
  const e = k.kspace.entryFor(mb.port);
  if (e) destroyReceive(k.kspace, e, k.ipc);
}

/** A message reached a mailbox's port: hand what can be handed to waiting receivers. */
export function serveMailbox(k: ServerKernel, mb: Mailbox): Reply | null {
  mb.deliver(k.ipc, () => k.random());
  return null;
}
