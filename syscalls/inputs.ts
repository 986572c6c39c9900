import { ROUTINES, type ArgDef, type ArgType, type RoutineDef } from '../kernel/server/defs.ts';

/** The traps' and helpers' parameters with their types (the routines' are in the interface table). */
const TRAP_ARGS: Record<string, readonly ArgDef[]> = {
  msg_send: [['dest', 'name'], ['msg', 'object'], ['opts', 'object?']],
  msg_receive: [['name', 'name'], ['opts', 'object?']],
  msg_rpc: [['dest', 'name'], ['msg', 'object'], ['opts', 'object?']],
  msg_send_receive: [['dest', 'name'], ['msg', 'object'], ['rcv', 'name'], ['opts', 'object?']],
  call: [['dest', 'name'], ['id', 'int'], ['body', 'object'], ['rights', 'object?']],
  sleep: [['ms', 'number']],
  compute: [['ms', 'number']],
  send: [['pid', 'int'], ['body', 'any?'], ['opts', 'object?']],
  receive: [['from', 'int'], ['opts', 'object?']],
  mailbox_send: [['mailbox', 'name'], ['body', 'any?'], ['opts', 'object?']],
  sem_wait: [['semaphore', 'name']],
  sem_post: [['semaphore', 'name']],
  sem_trywait: [['semaphore', 'name']],
  mutex_create: [['name', 'string?']],
  mutex_lock: [['mutex', 'name']],
  mutex_unlock: [['mutex', 'name']],
};

/** Every system call a machine program can make, with its typed parameters. */
const CALLS: ReadonlyMap<string, readonly ArgDef[]> = new Map([
  ...Object.entries(TRAP_ARGS),
  ...Object.values(ROUTINES).map((d: RoutineDef) => [d.name, d.args] as const),
]);

const WHAT: Record<ArgType, string> = {
  name: 'a port name (an integer)',
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  bool: 'true or false',
  object: 'an object',
  fn: 'a program (a function or a machine)',
  any: 'a value',
};

function fits(type: ArgType, v: unknown): boolean {
  switch (type) {
    case 'name':
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'object':
      return typeof v === 'object' && v !== null;
    case 'fn':
      return typeof v === 'function' || (typeof v === 'object' && v !== null);
    case 'any':
      return true;
  }
}

/**
 * Checks a machine program's input for a system call before anything is sent:
 * the call exists, the input is an object, every required parameter is there,
 * each has its type, and no unknown field is given.
 * Returns null when the input is fine, else what is wrong, naming the field:
 * `msg_receive: input.name must be a port name (an integer), got "x"`.
 *
 * @example
 * inputProblem('msg_receive', { name: 5, opts: { timeout: 10 } }); // null
 * inputProblem('msg_receive', { nmae: 5 }); // 'msg_receive: input.nmae is not a parameter (msg_receive takes name, opts)'
 */
export function inputProblem(call: string, input: unknown): string | null {
  const args = CALLS.get(call);
  if (!args) return `${call}: no such system call (the calls are ${[...CALLS.keys()].join(', ')})`;
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object') return `${call}: input must be an object of parameters by name (${args.map((a) => a[0]).join(', ')})`;
  const given = input as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!args.some((a) => a[0] === key)) return `${call}: input.${key} is not a parameter (${call} takes ${args.map((a) => a[0]).join(', ') || 'nothing'})`;
  }
  for (const [name, spec] of args) {
    const optional = spec.endsWith('?');
    const type = (optional ? spec.slice(0, -1) : spec) as ArgType;
    const v = given[name];
    if (v === undefined) {
      if (!optional) return `${call}: input.${name} is missing (${WHAT[type]})`;
      continue;
    }
    if (!fits(type, v)) return `${call}: input.${name} must be ${WHAT[type]}, got ${shown(v)}`;
  }
  return null;
}

/** Whether a system call of this name exists. */
export function isSyscall(call: string): boolean {
  return CALLS.has(call);
}

function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') return v === null ? 'null' : Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}
