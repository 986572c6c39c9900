/**
 * Return codes, with Mach's own names and values (GNU Mach `mach/message.h`,
 * `mach/kern_return.h`, `mach/mig_errors.h`). One family: every trap and every
 * syscall stub returns one of these numbers.
 */

/** The call did what it was asked. (`KERN_SUCCESS` and `MACH_MSG_SUCCESS` are both 0.) */
export const KERN_SUCCESS = 0;
export const MACH_MSG_SUCCESS = 0;

// --- kern_return_t (mach/kern_return.h) -----------------------------------
export const KERN_INVALID_ADDRESS = 1;
export const KERN_PROTECTION_FAILURE = 2;
export const KERN_NO_SPACE = 3;
export const KERN_INVALID_ARGUMENT = 4;
export const KERN_FAILURE = 5;
export const KERN_RESOURCE_SHORTAGE = 6;
export const KERN_NOT_RECEIVER = 7;
export const KERN_NO_ACCESS = 8;
export const KERN_NAME_EXISTS = 13;
export const KERN_INVALID_NAME = 15;
export const KERN_INVALID_TASK = 16;
export const KERN_INVALID_RIGHT = 17;
export const KERN_INVALID_VALUE = 18;
export const KERN_UREFS_OVERFLOW = 19;
export const KERN_INVALID_CAPABILITY = 20;
export const KERN_RIGHT_EXISTS = 21;
export const KERN_NOT_IN_SET = 12;
/** The task has ended (XNU): a handle to a process that has exited, or been reaped. */
export const KERN_TERMINATED = 37;
/** Nothing matched (XNU): wait() with no child to wait for. */
export const KERN_NOT_FOUND = 56;
/** A timed wait (semaphore_timedwait) ran out. */
export const KERN_OPERATION_TIMED_OUT = 49;

// --- mach_msg send errors (0x100000xx) -------------------------------------
export const MACH_SEND_IN_PROGRESS = 0x10000001;
/** The body could not be copied (not structured-cloneable). Nothing was queued. */
export const MACH_SEND_INVALID_DATA = 0x10000002;
/** The destination name is not a send or send-once right (bad name, dead name, no right). */
export const MACH_SEND_INVALID_DEST = 0x10000003;
/** The queue stayed full for the whole timeout. The message was handed back. */
export const MACH_SEND_TIMED_OUT = 0x10000004;
/** The queue was full; the message was cached past the limit and a msg-accepted notification will follow. */
export const MACH_SEND_WILL_NOTIFY = 0x10000005;
/** This task already has a cached message on that port; wait for its msg-accepted notification. */
export const MACH_SEND_NOTIFY_IN_PROGRESS = 0x10000006;
/** The send was interrupted (the task was terminated or aborted while blocked). */
export const MACH_SEND_INTERRUPTED = 0x10000007;
export const MACH_SEND_MSG_TOO_SMALL = 0x10000008;
/** The reply name is not a right that can be sent. */
export const MACH_SEND_INVALID_REPLY = 0x10000009;
/** A right carried in the body is not held, or not with the disposition asked. */
export const MACH_SEND_INVALID_RIGHT = 0x1000000a;
export const MACH_SEND_INVALID_NOTIFY = 0x1000000b;
export const MACH_SEND_INVALID_MEMORY = 0x1000000c;
export const MACH_SEND_NO_BUFFER = 0x1000000d;
export const MACH_SEND_NO_NOTIFY = 0x1000000e;
/** A disposition or option is not one the kernel knows (bad option values, negative timeout). */
export const MACH_SEND_INVALID_TYPE = 0x1000000f;
export const MACH_SEND_INVALID_HEADER = 0x10000010;

// --- mach_msg receive errors (0x100040xx) ----------------------------------
export const MACH_RCV_IN_PROGRESS = 0x10004001;
/** The receive name is not a receive right or port set of this task. */
export const MACH_RCV_INVALID_NAME = 0x10004002;
/** No message arrived within the timeout (0 = poll). */
export const MACH_RCV_TIMED_OUT = 0x10004003;
export const MACH_RCV_TOO_LARGE = 0x10004004;
/** The receive was interrupted (the task was terminated or aborted while blocked). */
export const MACH_RCV_INTERRUPTED = 0x10004005;
/** The port was moved into a port set while the receive waited on it. */
export const MACH_RCV_PORT_CHANGED = 0x10004006;
export const MACH_RCV_INVALID_NOTIFY = 0x10004007;
/** A receive option is out of range (negative or NaN timeout). */
export const MACH_RCV_INVALID_DATA = 0x10004008;
/** The receiver lost the receive right (or the set) while it waited. */
export const MACH_RCV_PORT_DIED = 0x10004009;
/** The port is in a port set: receive from the set instead. */
export const MACH_RCV_IN_SET = 0x1000400a;
export const MACH_RCV_HEADER_ERROR = 0x1000400b;
export const MACH_RCV_BODY_ERROR = 0x1000400c;

// --- MIG (mach/mig_errors.h) -----------------------------------------------
export const MIG_TYPE_ERROR = -300;
export const MIG_REPLY_MISMATCH = -301;
export const MIG_REMOTE_ERROR = -302;
/** The server does not know the request's msgh_id. */
export const MIG_BAD_ID = -303;
export const MIG_BAD_ARGUMENTS = -304;
export const MIG_NO_REPLY = -305;
/** The server died (its send-once reply right was destroyed unused). */
export const MIG_SERVER_DIED = -308;

// --- netname (netname_defs.h) ------------------------------------------------
export const NETNAME_SUCCESS = 0;
export const NETNAME_NOT_YOURS = 1000;
export const NETNAME_NOT_CHECKED_IN = 1001;
export const NETNAME_INVALID_PORT = 1004;

// xmach's own codes, for the course's other messaging models (outside Mach's ranges).
/** Direct communication: the process at the other end of the link has ended (and nothing it sent is left). */
export const XMACH_PEER_ENDED = 2000;
/** Direct communication: no process has that pid. */
export const XMACH_NO_SUCH_PROCESS = 2001;
/** A mailbox shared 'pair'-wise already has its two processes: a third may not attach. */
export const XMACH_MAILBOX_PAIRED = 2002;
/** A mailbox shared 'one-at-a-time': another process is receiving, and this one asked not to wait. */
export const XMACH_MAILBOX_BUSY = 2003;
/** The mailbox was destroyed. */
export const XMACH_MAILBOX_DESTROYED = 2004;

const names: Record<number, string> = {};
const all = {
  KERN_SUCCESS, KERN_INVALID_ADDRESS, KERN_PROTECTION_FAILURE, KERN_NO_SPACE, KERN_INVALID_ARGUMENT,
  KERN_FAILURE, KERN_RESOURCE_SHORTAGE, KERN_NOT_RECEIVER, KERN_NO_ACCESS, KERN_NAME_EXISTS,
  KERN_INVALID_NAME, KERN_INVALID_TASK, KERN_INVALID_RIGHT, KERN_INVALID_VALUE, KERN_UREFS_OVERFLOW,
  KERN_INVALID_CAPABILITY, KERN_RIGHT_EXISTS, KERN_NOT_IN_SET, KERN_TERMINATED, KERN_NOT_FOUND, KERN_OPERATION_TIMED_OUT,
  MACH_SEND_IN_PROGRESS, MACH_SEND_INVALID_DATA, MACH_SEND_INVALID_DEST, MACH_SEND_TIMED_OUT,
  MACH_SEND_WILL_NOTIFY, MACH_SEND_NOTIFY_IN_PROGRESS, MACH_SEND_INTERRUPTED, MACH_SEND_MSG_TOO_SMALL,
  MACH_SEND_INVALID_REPLY, MACH_SEND_INVALID_RIGHT, MACH_SEND_INVALID_NOTIFY, MACH_SEND_INVALID_MEMORY,
  MACH_SEND_NO_BUFFER, MACH_SEND_NO_NOTIFY, MACH_SEND_INVALID_TYPE, MACH_SEND_INVALID_HEADER,
  MACH_RCV_IN_PROGRESS, MACH_RCV_INVALID_NAME, MACH_RCV_TIMED_OUT, MACH_RCV_TOO_LARGE,
  MACH_RCV_INTERRUPTED, MACH_RCV_PORT_CHANGED, MACH_RCV_INVALID_NOTIFY, MACH_RCV_INVALID_DATA,
  MACH_RCV_PORT_DIED, MACH_RCV_IN_SET, MACH_RCV_HEADER_ERROR, MACH_RCV_BODY_ERROR,
  MIG_TYPE_ERROR, MIG_REPLY_MISMATCH, MIG_REMOTE_ERROR, MIG_BAD_ID, MIG_BAD_ARGUMENTS, MIG_NO_REPLY,
  MIG_SERVER_DIED, NETNAME_NOT_YOURS, NETNAME_NOT_CHECKED_IN, NETNAME_INVALID_PORT,
  XMACH_PEER_ENDED, XMACH_NO_SUCH_PROCESS, XMACH_MAILBOX_PAIRED, XMACH_MAILBOX_BUSY, XMACH_MAILBOX_DESTROYED,
};
for (const [name, value] of Object.entries(all)) if (!(value in names)) names[value] = name;
names[0] = 'SUCCESS';

/**
 * The Mach name of a return code, as traces and error messages print it.
 *
 * @example codeName(0x10000004) // 'MACH_SEND_TIMED_OUT'
 */
export function codeName(code: number): string {
  return names[code] ?? `0x${code.toString(16)}`;
}
