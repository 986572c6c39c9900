import { boot, type Sys } from '../index.ts';
import type { Endpoint, MessagingModel, ModelEnv, Payload } from './model.ts';
import { instances, workloadProblem, type Need, type Role, type Step, type Workload } from './workload.ts';

/** What one model did with one workload: every figure from the kernel's counters and the run's report. */
export interface ModelFigures {
  model: string;
  workload: string;
  /** How the run ended ('done' unless something could not move). */
  status: string;
  /** Virtual time to completion (ms). */
  time: number;
  /** Messages the tasks sent each other; workload messages received; messages destroyed; system-call messages apart. */
  userMessages: number;
  delivered: number;
  destroyed: number;
  syscallMessages: number;
  bytesCopied: number;
  traps: number;
  /** Kernel objects made: ports and port sets, direct links, mailboxes. */
  ports: number;
  links: number;
  mailboxes: number;
  contextSwitches: number;
  /** Sum of the time tasks spent blocked (ms). */
  blockedTime: number;
  /** Calls that failed (their server died) and were made again. */
  retried: number;
  /** What the workload needs that this model does not express (it ran with a workaround). */
  couldNotExpress: Need[];
  /** Workload messages received, by `sender->receiver`, in order, as the senders' sequence numbers. */
  deliveries: Record<string, number[]>;
}

/** The instance a step's target means: the role's only copy, or copy `index`. */
function target(w: Workload, role: string, index = 0): string {
  const r = w.roles.find((x) => x.name === role)!;
  return (r.copies ?? 1) > 1 ? `${role}#${index}` : role;
}

/** Who calls (or sends to) each instance: whom a restarted instance must tell where it is. */
function callers(w: Workload): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const inst of instances(w)) {
    for (const s of inst.role.steps) {
      if (s.op === 'call' || s.op === 'send' || s.op === 'forward') (out[target(w, s.to, 'index' in s ? s.index : 0)] ??= []).push(inst.name);
      if (s.op === 'take' && s.reportTo !== undefined) (out[target(w, s.reportTo)] ??= []).push(inst.name);
    }
  }
  return out;
}

/** Whether a role ever receives (and so opens an inbox). */
function receives(w: Workload, role: Role): boolean {
  if (role.steps.some((s) => s.op === 'receive' || s.op === 'serve' || s.op === 'forward' || s.op === 'call' || s.op === 'take')) return true;
  return w.roles.some((r) => r.steps.some((s) => ('to' in s && s.to === role.name && s.op !== 'deal') || (s.op === 'take' && s.reportTo === role.name)));
}

interface Run {
  w: Workload;
  model: MessagingModel;
  env: ModelEnv;
  deliveries: Record<string, number[]>;
  retried: { n: number };
}

/** A role's steps, run by one task through its model's endpoint. */
async function play(run: Run, sys: Sys, self: string, role: Role, steps: readonly Step[], restarted: boolean): Promise<void> {
  const { w, model, env } = run;
  const ep: Endpoint = model.endpoint(sys, self, env);
  if (receives(w, role)) await ep.open();
  if (restarted) await ep.announce();
  let seq = 0;
  const payload = (size = 0): Payload => (size > 0 ? { from: self, seq: seq++, pad: 'x'.repeat(Math.max(0, size - 32)) } : { from: self, seq: seq++ });
  const got = (body: Payload): void => {
    if (body.hello !== undefined) return;
    (run.deliveries[`${body.from}->${self}`] ??= []).push(body.seq);
  };
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    switch (s.op) {
      case 'send':
        for (let c = 0; c < (s.count ?? 1); c++) await ep.send(target(w, s.to, s.index), payload(s.size));
        break;
      case 'receive':
        for (let c = 0; c < (s.count ?? 1); c++) {
          const m = await ep.receive();
          if (!m) return;
          got(m.body);
        }
        break;
      case 'serve':
        for (let c = 0; c < s.count; c++) {
          const m = await ep.receive();
          if (!m) return;
          got(m.body);
          if (s.compute) await sys.compute(s.compute);
          await m.reply({ from: self, seq: seq++, re: m.body.seq });
        }
        break;
      case 'call':
        for (let c = 0; c < (s.count ?? 1); c++) {
          const to = target(w, s.to);
          const body = payload(s.size);
          let answer = await ep.call(to, body);
          if (!answer && (await ep.rediscover(to))) {
            run.retried.n++;
            answer = await ep.call(to, body);
          }
          if (answer) got(answer);
        }
        break;
      case 'forward':
        for (let c = 0; c < s.count; c++) {
          const m = await ep.receive();
          if (!m) return;
          got(m.body);
          if (s.compute) await sys.compute(s.compute);
          await ep.send(target(w, s.to), payload());
        }
        break;
      case 'take':
        for (let c = 0; c < s.count; c++) {
          const m = s.direct ? await ep.receive() : await ep.take(s.from);
          if (!m) return;
          got(m.body);
          if (s.compute) await sys.compute(s.compute);
          if (s.reportTo !== undefined) await ep.send(target(w, s.reportTo), payload());
        }
        break;
      case 'deal': {
        const copies = w.roles.find((r) => r.name === s.to)!.copies ?? 1;
        for (let c = 0; c < s.count; c++) await ep.deal(s.to, copies, payload(s.size));
        break;
      }
      case 'compute':
        await sys.compute(s.ms);
        break;
      case 'sleep':
        await sys.sleep(s.ms);
        break;
      case 'crash':
        throw new Error(`${self} crashes`);
      case 'supervise': {
        const name = target(w, s.role);
        const watched = w.roles.find((r) => r.name === s.role)!;
        await ep.watch(name);
        const rest = watched.steps.slice(watched.steps.findIndex((x) => x.op === 'crash') + 1);
        const f = await sys.fork((child: Sys) => play(run, child, name, watched, rest, true), { name, share: 'none', ...(watched.daemon ? { daemon: true } : {}) });
        if (f.pid) env.pids[name] = f.pid;
        break;
      }
    }
  }
}

/**
 * Runs a workload on one messaging model, on a kernel of its own (same seed,
 * same figures), and returns its figures. Throws on a malformed workload.
 *
 * @example
 * const f = await runModel(WORKLOADS.pingPong, direct, 1);
 * f.userMessages; // 20
 */
export async function runModel(w: Workload, model: MessagingModel, seed = 1): Promise<ModelFigures> {
  const problem = workloadProblem(w);
  if (problem) throw new Error(problem);
  const k = boot({ seed, console: false, trace: false });
  const env: ModelEnv = { workload: w, pids: {}, callers: callers(w), state: {} };
  model.prepare?.(k, env);
  const run: Run = { w, model, env, deliveries: {}, retried: { n: 0 } };
  for (const inst of instances(w)) {
    const t = k.spawn(inst.name, (sys) => play(run, sys, inst.name, inst.role, inst.role.steps, false), inst.role.daemon ? { daemon: true } : {});
    env.pids[inst.name] = t.pid;
  }
  const report = await k.run({ until: 3_600_000 });
  const c = report.counters;
  return {
    model: model.name, workload: w.name, status: report.status, time: report.time,
    userMessages: c.userMessages, delivered: Object.values(run.deliveries).reduce((n, l) => n + l.length, 0), destroyed: c.messagesDestroyed,
    syscallMessages: c.syscallMessages, bytesCopied: c.bytesCopied, traps: c.traps,
    ports: c.portsCreated, links: c.linksCreated, mailboxes: c.mailboxesCreated, contextSwitches: c.contextSwitches,
    blockedTime: c.blockedTime, retried: run.retried.n,
    couldNotExpress: (w.needs ?? []).filter((n) => !model.expresses.includes(n)),
    deliveries: run.deliveries,
  };
}
