/**
 * Kernel notification ids (GNU Mach `mach/notify.h`, octal). A notification is
 * an ordinary message from the kernel (sender pid 0); its body says which name
 * it is about.
 */
export const MACH_NOTIFY_PORT_DELETED = 0o101;
/** A message this task cached past a full queue (SEND_NOTIFY) has left the queue. Body: `{ name }`. */
export const MACH_NOTIFY_MSG_ACCEPTED = 0o102;
export const MACH_NOTIFY_PORT_DESTROYED = 0o105;
/** The port has no send rights left. Body: `{ mscount }`. */
export const MACH_NOTIFY_NO_SENDERS = 0o106;
/** A send-once right was destroyed unused (e.g. the server died holding the reply right). No body. */
export const MACH_NOTIFY_SEND_ONCE = 0o107;
/** The port a name denoted died; the name is now a dead name. Body: `{ name }`. */
export const MACH_NOTIFY_DEAD_NAME = 0o110;

/** A 'term' signal sent through a handle (`kill(handle, 'term')`): an xmach id, outside Mach's range. Body: `{ signal, from }`. */
export const XMACH_NOTIFY_SIGNAL = 0o200;

/** A mailbox shared 'system-picks' delivered the sender's message: to whom. Body: `{ mailbox, to }` (the receiver's pid). */
export const XMACH_NOTIFY_DELIVERED = 0o201;

const NAMES: Record<number, string> = {
  [XMACH_NOTIFY_SIGNAL]: 'signal',
  [XMACH_NOTIFY_DELIVERED]: 'delivered',
  [MACH_NOTIFY_PORT_DELETED]: 'port-deleted',
  [MACH_NOTIFY_MSG_ACCEPTED]: 'msg-accepted',
  [MACH_NOTIFY_PORT_DESTROYED]: 'port-destroyed',
  [MACH_NOTIFY_NO_SENDERS]: 'no-senders',
  [MACH_NOTIFY_SEND_ONCE]: 'send-once',
  [MACH_NOTIFY_DEAD_NAME]: 'dead-name',
};

/** The short name of a notification id ('msg-accepted'), or undefined for other ids. */
export function notificationName(id: number): string | undefined {
  return NAMES[id];
}
