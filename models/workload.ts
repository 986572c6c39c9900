/**
 * A workload described once, as plain data, so every messaging model can run
 * it: who talks to whom, how many messages of what size, the buffers'
 * capacity, computation per message, and failures. `compare()` runs one on
 * each model and reports figures side by side.
 */

/** One step of a role's script. `to` names another role (its first copy, or the copy `index`). */
export type Step =
  /** Send `count` messages of `size` bytes to a role. */
  | { op: 'send'; to: string; index?: number; count?: number; size?: number }
  /** Receive `count` messages from anyone. */
  | { op: 'receive'; count?: number }
  /** Serve `count` requests: receive one, compute `compute` ms, reply to its sender. */
  | { op: 'serve'; count: number; compute?: number }
  /** Call a role `count` times: send a request and wait for its reply; after a failure, find the role again and retry once. */
  | { op: 'call'; to: string; count?: number; size?: number }
  /** A pipeline stage: receive `count` messages, compute, send each on to a role. */
  | { op: 'forward'; to: string; count: number; compute?: number }
  /**
   * Take `count` jobs from a pool of work the role `from` deals (a shared mailbox where the
   * model has one), compute on each, and send a result to `reportTo` if given. With `direct`,
   * the jobs are plain messages `from` sends (a producer and its consumer).
   */
  | { op: 'take'; from: string; count: number; compute?: number; reportTo?: string; direct?: boolean }
  /** Deal `count` jobs to the pool the role `to` (with copies) takes from. */
  | { op: 'deal'; to: string; count: number; size?: number }
  | { op: 'compute'; ms: number }
  | { op: 'sleep'; ms: number }
  /** The task fails here (it throws): its ports die the Mach way, and a supervisor may start it again. */
  | { op: 'crash' }
  /** Watch a role; when it fails, start it again (once), running the steps after its `crash`. */
  | { op: 'supervise'; role: string };

/** A role: one process, or `copies` of it running the same script. */
export interface Role {
  name: string;
  steps: Step[];
  copies?: number;
  /** Runs forever serving (does not keep the run going). */
  daemon?: boolean;
}

/**
 * What a workload needs that a model may not express:
 * - `pass-right`: handing a server's address to a third task in a message;
 * - `stable-name`: a restarted server found again without the clients learning a new address;
 * - `shared-mailbox`: one mailbox drained by a pool of workers, each message to exactly one.
 */
export type Need = 'pass-right' | 'stable-name' | 'shared-mailbox';

export interface Workload {
  name: string;
  /** One line: what it shows. */
  description: string;
  roles: Role[];
  /** Capacity of every buffer (port queue, link, mailbox): 0 (rendezvous), n, or Infinity. Default 5. */
  capacity?: number;
  needs?: Need[];
}

/** The copies of every role, in order: role name and copy index, with a display name (`client#2`). */
export function instances(w: Workload): { role: Role; index: number; name: string }[] {
  const out: { role: Role; index: number; name: string }[] = [];
  for (const role of w.roles) {
    const n = role.copies ?? 1;
    for (let i = 0; i < n; i++) out.push({ role, index: i, name: n === 1 ? role.name : `${role.name}#${i}` });
  }
  return out;
}

/** Why a workload is malformed (a step naming no role, a count that is not a whole number ≥ 0), or null. */
export function workloadProblem(w: Workload): string | null {
  const names = new Set(w.roles.map((r) => r.name));
  if (names.size !== w.roles.length) return `workload ${w.name}: two roles have the same name`;
  for (const r of w.roles) {
    for (const s of r.steps) {
      const target = 'to' in s ? s.to : 'from' in s ? s.from : 'role' in s ? s.role : null;
      if (s.op === 'take' && s.reportTo !== undefined && !names.has(s.reportTo)) return `workload ${w.name}: role ${r.name} reports to an unknown role ${JSON.stringify(s.reportTo)}`;
      if (target !== null && !names.has(target)) return `workload ${w.name}: role ${r.name} names an unknown role ${JSON.stringify(target)}`;
      const count = 'count' in s ? s.count : undefined;
      if (count !== undefined && !(Number.isInteger(count) && count >= 0)) return `workload ${w.name}: role ${r.name} has a bad count ${count}`;
    }
  }
  return null;
}
