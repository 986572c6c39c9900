import type { Kernel, Sys } from '../index.ts';
import type { Need, Workload } from './workload.ts';

/** A message of a workload: who sent it, its number in the sender's sequence, and padding to its size. */
export interface Payload {
  from: string;
  seq: number;
  pad?: string;
  /** A reply to the request with this seq. */
  re?: number;
  /** A restarted server's hello (direct model: how clients learn its new address). */
  hello?: string;
}

/** A message received: the payload, and a way to answer it. */
export interface Received {
  body: Payload;
  /** Replies to the sender (a request's reply right, or the sender's address). */
  reply(body: Payload): Promise<number>;
}

/** What a task's program uses to talk, in one model's terms. Each call is made of system calls. */
export interface Endpoint {
  /** Gets ready to receive (makes and publishes its inbox, if the model needs one). */
  open(): Promise<void>;
  /** Sends to an instance (`server`, `worker#2`). Resolves to a code (0: sent). */
  send(to: string, body: Payload): Promise<number>;
  /** Receives the next message from anyone; null when none can come any more. */
  receive(): Promise<Received | null>;
  /** Sends a request and waits for its reply; null when the call failed (the server died). */
  call(to: string, body: Payload): Promise<Payload | null>;
  /** After a failed call: find the instance again. False if the model cannot. */
  rediscover(to: string): Promise<boolean>;
  /** Waits for an instance to fail (supervision). */
  watch(who: string): Promise<void>;
  /** A restarted instance says where it is now, to those that call it. */
  announce(): Promise<void>;
  /** Takes the next job from a pool dealt by `dealer` (a shared mailbox where the model has one). */
  take(dealer: string): Promise<Received | null>;
  /** Deals a job to the pool of the role `to`'s copies. */
  deal(to: string, copies: number, body: Payload): Promise<number>;
}

/** What every endpoint of one run shares: the instances' addresses the harness knows (pids), who calls whom. */
export interface ModelEnv {
  workload: Workload;
  /** pid of each instance, filled in by the harness as tasks are spawned (and restarted). */
  pids: Record<string, number>;
  /** The instances that call (or are served by) each instance: whom a restarted server tells. */
  callers: Record<string, string[]>;
  /** Anything a model keeps for the run (its kernel objects made before the tasks). */
  state: Record<string, unknown>;
}

/**
 * A messaging model, as a plug-in of the comparison harness: it says what it
 * can express, may make kernel objects before the tasks run, and gives each
 * task an `Endpoint` built from system calls. A third model (shared memory)
 * adds a file that implements this, and `compare()` runs it unchanged.
 */
export interface MessagingModel {
  name: string;
  /** One line: how it names and buffers. */
  description: string;
  /** Which of the workloads' needs it expresses; the others are reported as worked around. */
  expresses: readonly Need[];
  /** Before the run: kernel objects made before the tasks (a mailbox per pool, …). */
  prepare?(k: Kernel<Sys>, env: ModelEnv): void;
  /** A task's endpoint: `self` is its instance name. */
  endpoint(sys: Sys, self: string, env: ModelEnv): Endpoint;
}
