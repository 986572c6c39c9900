/**
 * The kernel's interfaces, declared once (the role of MIG's `.defs`): each
 * routine's id, name, where its request goes, and its parameters. The ids
 * (`ids`), the server's dispatch (`kernel/server/serve.ts`), the stubs
 * (`syscalls/sys.ts`), the machine actors' inputs (`SYSCALL_PARAMS`) and the
 * names in traces all come from this table. The servers to come (pipes,
 * sockets, RPC) declare theirs the same way, with `subsystem`.
 *
 * A request id is the subsystem's base plus the routine's number; the reply id
 * is the request id + 100 (MIG).
 */

/**
 * A parameter's type, as the stub takes it: `name` is a port name in the
 * caller's space, `int` an integer, `fn` a program text (passed by reference:
 * functions cannot be copied into messages), `any` any copyable value. A
 * trailing `?` marks an optional parameter.
 */
export type ArgType = 'name' | 'int' | 'number' | 'string' | 'bool' | 'object' | 'fn' | 'any';

/** One parameter of a stub: its name, its type, and the value the request carries when it is left out. */
export type ArgDef = readonly [name: string, type: ArgType | `${ArgType}?`, fallback?: unknown];

/** One routine of an interface. */
export interface RoutineDef {
  /** Request id (msgh_id). */
  readonly id: number;
  /** The routine's name: the stub's name, the handler's key, the name in traces. */
  readonly name: string;
  /**
   * Where the request goes: `self`, the caller's own kernel port; `handle`, the
   * task port named by the first argument (default: the caller's own);
   * `bootstrap`, the name service's port.
   */
  readonly on: 'self' | 'handle' | 'bootstrap';
  /** The stub's parameters, in order (for `handle` routines the handle comes first). */
  readonly args: readonly ArgDef[];
  /** Still answered on a zombie's kernel port (the rest get KERN_TERMINATED). */
  readonly zombie?: boolean;
  /**
   * The stub builds its request itself (a program text, a right in the
   * message, options that become other fields); otherwise the request body is
   * the arguments by name.
   */
  readonly custom?: boolean;
  /** What the stub resolves to: only the code (`code`), or the reply's fields with the code (`fields`). */
  readonly returns: 'code' | 'fields';
}

type Routines = Record<string, Omit<RoutineDef, 'id' | 'name'> & { readonly n: number }>;

/** The table of one subsystem: each routine with its id and name filled in. */
export type Subsystem<R extends Routines> = { readonly [N in keyof R & string]: RoutineDef & { readonly name: N; readonly args: R[N]['args'] } };

/** Declares a subsystem: routine `n` gets id `base + n`. */
export function subsystem<const R extends Routines>(base: number, routines: R): Subsystem<R> {
  const out: Record<string, RoutineDef> = {};
  for (const [name, { n, ...def }] of Object.entries(routines)) out[name] = { id: base + n, name, ...def };
  return out as Subsystem<R>;
}

/** The signals a handle can send (`kill`): 'term' arrives as a notification the program may handle. */
export type Signal = 'term' | 'kill' | 'stop' | 'cont';

/** What `fork` shares with the child: every send right, none, or the names listed. */
export type Share = 'all' | 'none' | number[];

/** Mach's `mach_port` interface (base 3200), served on the task's kernel port. */
export const MACH_PORT = subsystem(3200, {
  port_names: { n: 0, on: 'self', args: [], returns: 'fields' },
  port_type: { n: 1, on: 'self', args: [['name', 'name']], returns: 'fields' },
  port_allocate: { n: 4, on: 'self', args: [['right', 'string?', 'receive'], ['label', 'string?']], returns: 'fields' },
  port_destroy: { n: 5, on: 'self', args: [['name', 'name']], returns: 'code' },
  port_deallocate: { n: 6, on: 'self', args: [['name', 'name']], returns: 'code' },
  port_get_refs: { n: 7, on: 'self', args: [['name', 'name'], ['right', 'string']], returns: 'fields' },
  port_mod_refs: { n: 8, on: 'self', args: [['name', 'name'], ['right', 'string'], ['delta', 'int']], returns: 'code' },
  port_set_qlimit: { n: 9, on: 'self', args: [['name', 'name'], ['qlimit', 'number']], returns: 'code' },
  port_get_attributes: { n: 10, on: 'self', args: [['name', 'name']], returns: 'fields' },
  port_move_member: { n: 11, on: 'self', args: [['member', 'name'], ['after', 'name']], returns: 'code' },
  port_request_notification: { n: 12, on: 'self', args: [['name', 'name'], ['kind', 'string'], ['notify', 'name?']], returns: 'code' },
  port_set_label: { n: 13, on: 'self', args: [['name', 'name'], ['label', 'string']], returns: 'code' },
});

/** The task and process interface (Mach's `task`, base 3400): on the caller's own kernel port, or on a handle. */
export const TASK = subsystem(3400, {
  task_self: { n: 0, on: 'self', args: [], returns: 'fields', zombie: true },
  task_info: { n: 1, on: 'handle', args: [['handle', 'name?']], returns: 'fields', zombie: true },
  fork: { n: 2, on: 'self', args: [['child', 'fn?'], ['opts', 'object?']], returns: 'fields', custom: true },
  exec: { n: 3, on: 'self', args: [['program', 'any'], ['opts', 'object?']], returns: 'code', custom: true },
  exit: { n: 4, on: 'self', args: [['code', 'int?', 0]], returns: 'code' },
  wait: { n: 5, on: 'self', args: [['pid', 'int?'], ['opts', 'object?']], returns: 'fields', custom: true },
  task_terminate: { n: 6, on: 'handle', args: [['handle', 'name']], returns: 'code' },
  task_suspend: { n: 7, on: 'handle', args: [['handle', 'name']], returns: 'code' },
  task_resume: { n: 8, on: 'handle', args: [['handle', 'name']], returns: 'code' },
  kill: { n: 9, on: 'handle', args: [['handle', 'name'], ['signal', 'string?', 'kill']], returns: 'code' },
  ps: { n: 10, on: 'self', args: [], returns: 'fields' },
  task_wait: { n: 11, on: 'handle', args: [['handle', 'name']], returns: 'fields', zombie: true },
  thread_create: { n: 12, on: 'self', args: [['fn', 'fn'], ['shared', 'any?']], returns: 'fields', custom: true },
  set_child_subreaper: { n: 13, on: 'self', args: [['on', 'bool?', true]], returns: 'code' },
});

/** The name service (Mach 2.5's netname, base 400), served on the bootstrap port. */
export const NETNAME = subsystem(400, {
  netname_check_in: { n: 0, on: 'bootstrap', args: [['name', 'string'], ['port', 'name']], returns: 'code', custom: true },
  netname_look_up: { n: 1, on: 'bootstrap', args: [['name', 'string'], ['opts', 'object?']], returns: 'fields', custom: true },
  netname_check_out: { n: 2, on: 'bootstrap', args: [['name', 'string']], returns: 'code' },
});

/**
 * Direct communication (xmach, base 3600): the link to a process, made on first use. The
 * `send(P, …)` / `receive(Q)` helpers call it once per peer, then use msg_send / msg_receive.
 */
export const DIRECT = subsystem(3600, {
  link_open: { n: 0, on: 'self', args: [['pid', 'int'], ['capacity', 'number?']], returns: 'fields' },
});

/** Mailboxes shared by several processes (xmach, base 3700), kernel objects named by ports. */
export const MAILBOX = subsystem(3700, {
  mailbox_create: { n: 0, on: 'self', args: [['sharing', 'string?', 'one-at-a-time'], ['capacity', 'number?'], ['pick', 'string?', 'round-robin'], ['label', 'string?']], returns: 'fields' },
  mailbox_open: { n: 1, on: 'self', args: [['mailbox', 'name']], returns: 'code' },
  mailbox_receive: { n: 2, on: 'self', args: [['mailbox', 'name'], ['opts', 'object?']], returns: 'fields', custom: true },
  mailbox_destroy: { n: 3, on: 'self', args: [['mailbox', 'name']], returns: 'code' },
});

/**
 * Memory regions (Mach's memory objects, base 3800): bytes named by a port that tasks map;
 * two tasks mapping one region share its bytes, with no system call and no copy.
 */
export const VM = subsystem(3800, {
  region_create: { n: 0, on: 'self', args: [['size', 'int'], ['shared', 'bool?', true], ['label', 'string?']], returns: 'fields' },
  region_map: { n: 1, on: 'self', args: [['region', 'name'], ['writable', 'bool?', true]], returns: 'code', custom: true },
  region_unmap: { n: 2, on: 'self', args: [['region', 'name']], returns: 'code' },
  region_resize: { n: 3, on: 'self', args: [['region', 'name'], ['size', 'int']], returns: 'code' },
});

/** Counting semaphores and mutexes (Mach's semaphores, POSIX named ones; base 3900). */
export const SYNC = subsystem(3900, {
  semaphore_create: { n: 0, on: 'self', args: [['value', 'int?', 0], ['name', 'string?'], ['mutex', 'bool?', false]], returns: 'fields' },
  semaphore_wait: { n: 1, on: 'self', args: [['semaphore', 'name'], ['timeout', 'number?']], returns: 'code' },
  semaphore_signal: { n: 2, on: 'self', args: [['semaphore', 'name']], returns: 'code' },
  semaphore_destroy: { n: 3, on: 'self', args: [['semaphore', 'name']], returns: 'code' },
  sem_open: { n: 4, on: 'self', args: [['name', 'string'], ['create', 'bool?', false], ['value', 'int?', 0], ['exclusive', 'bool?', false]], returns: 'fields' },
  sem_unlink: { n: 5, on: 'self', args: [['name', 'string']], returns: 'code' },
});

/**
 * Android's process importance and memory (xmach, base 4000): allocations counted against the
 * device's memory, classes that change over time, services bound by their clients; the
 * low-memory killer acts after each (kernel/task/lmk.ts).
 */
export const ANDROID = subsystem(4000, {
  mem_alloc: { n: 0, on: 'self', args: [['mb', 'number']], returns: 'code' },
  mem_free: { n: 1, on: 'self', args: [['mb', 'number']], returns: 'code' },
  set_importance: { n: 2, on: 'handle', args: [['handle', 'name?'], ['importance', 'string']], returns: 'code' },
  bind_service: { n: 3, on: 'handle', args: [['handle', 'name']], returns: 'code' },
  mem_info: { n: 4, on: 'self', args: [], returns: 'fields' },
});

/**
 * A host's network device (xmach, base 4100), for its network server: `net_attach` gives the
 * caller the receive right of the host's device port (packets arrive there as messages,
 * id `NET_PACKET_ID`: `{ from, to, bytes, meta, seq }`), once per host (KERN_NO_ACCESS after);
 * `net_transmit` hands a packet to the wire: `{ code, fate }` (fate null for loopback).
 */
export const NET = subsystem(4100, {
  net_attach: { n: 0, on: 'self', args: [], returns: 'fields' },
  net_transmit: { n: 1, on: 'self', args: [['dst', 'string'], ['bytes', 'any'], ['meta', 'any?']], returns: 'fields' },
});

/**
 * The bootstrap port for a name-server task (xmach, base 4200): on a host booted with
 * `nameService: 'task'`, `bootstrap_claim` gives the caller the receive right of the host's
 * bootstrap port, with the requests queued on it: `{ code, name }`. KERN_FAILURE when the
 * kernel serves this host's name service; KERN_NO_ACCESS when the kernel does not hold the
 * right (a task serves it, or it was destroyed).
 */
export const BOOTSTRAP = subsystem(4200, {
  bootstrap_claim: { n: 0, on: 'self', args: [], returns: 'fields' },
});

/** Every routine of the kernel's interfaces, by name. */
export const ROUTINES = { ...MACH_PORT, ...TASK, ...NETNAME, ...DIRECT, ...MAILBOX, ...VM, ...SYNC, ...ANDROID, ...NET, ...BOOTSTRAP };

/** A routine's name. */
export type RoutineName = keyof typeof ROUTINES;

/** The routine with this request id, if any. */
export const ROUTINE_BY_ID: ReadonlyMap<number, RoutineDef> = new Map(Object.values(ROUTINES).map((r: RoutineDef) => [r.id, r]));

export { replyId } from '../../ports/message.ts';

/** Request ids by routine, named as the stubs are (`ids.PORT_ALLOCATE` is `port_allocate`'s id). */
export const ids = Object.fromEntries(Object.values(ROUTINES).map((r: RoutineDef) => [r.name.toUpperCase(), r.id])) as {
  readonly [N in RoutineName as Uppercase<N>]: number;
};
